import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import { createHash, createHmac, randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import {
  CompleteMfaSignInDocument,
  CreateCustomerDocument,
  CustomerFilesDocument,
  DeleteCustomerDocument,
  DeleteFileDocument,
  FileDocument,
  RequestUploadDocument,
  SignInDocument,
} from "../client/index.js";
import type { CliIo } from "./create-admin.js";

const USAGE = `Usage: npm run smoke -- --url <api url> --admin-email <address>

Checks a deployment end to end as an admin: sign in, create a throwaway customer, upload a file
through the presigned URL, list it, download and compare it, delete it, delete the customer.
One line per step; exits non-zero on the first failure. Whatever it created is removed again,
also when a step fails.

  --url           the API's base URL (terraform output -raw api_url), e.g. https://abc.execute-api.eu-west-1.amazonaws.com
  --admin-email   an admin's email (npm run create-admin); the password comes from the
                  environment variable SMOKE_ADMIN_PASSWORD, or is asked for on a terminal.
                  Admins sign in with an authenticator code too: set SMOKE_ADMIN_TOTP_SECRET
                  (the app's base32 secret, for unattended runs) or SMOKE_ADMIN_TOTP_CODE,
                  or type the code when asked on a terminal
  --timeout       seconds to wait for any one request (default 30)`;

export interface SmokeIo extends CliIo {
  /** Asks for a secret without echoing it; undefined when there is no terminal to ask on. */
  prompt?: (question: string) => Promise<string>;
}

class StepFailed extends Error {}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** The current code of an authenticator app (RFC 6238: SHA-1, 30-second steps, 6 digits). */
export function totpCode(secretBase32: string, now = Date.now()): string {
  let bits = "";
  for (const ch of secretBase32.toUpperCase().replace(/[\s=]/g, "")) {
    const value = BASE32.indexOf(ch);
    if (value < 0) throw new Error("SMOKE_ADMIN_TOTP_SECRET is not a base32 secret");
    bits += value.toString(2).padStart(5, "0");
  }
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(now / 30_000)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

/** A GraphQL error as the API sends it: its code is the part callers may rely on. */
function describeErrors(errors: readonly { message?: string; extensions?: { code?: unknown } }[]) {
  return errors
    .map((e) => `${String(e.extensions?.code ?? "ERROR")}: ${e.message ?? "(no message)"}`)
    .join("; ");
}

/** Sends the typed client's documents over plain fetch, the way any client would. */
class Api {
  private token: string | undefined;
  private counter = 0;

  constructor(
    private readonly base: string,
    private readonly runId: string,
    private readonly timeoutMs: number,
  ) {}

  signedIn(token: string): void {
    this.token = token;
  }

  async request<TData, TVars>(
    doc: TypedDocumentNode<TData, TVars>,
    variables: TVars,
  ): Promise<TData> {
    // Lets operators find each step in the API's logs (x-request-id is echoed and logged).
    const requestId = `smoke-${this.runId}-${++this.counter}`;
    const res = await fetch(`${this.base}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-request-id": requestId,
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      body: JSON.stringify({ query: print(doc), variables }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    let body: {
      data?: TData | null;
      errors?: { message?: string; extensions?: { code?: unknown } }[];
    };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new Error(`HTTP ${res.status}, not a GraphQL answer: ${text.slice(0, 200)}`);
    }
    if (body.errors?.length)
      throw new Error(`${describeErrors(body.errors)} (request ${requestId})`);
    if (!body.data) throw new Error(`HTTP ${res.status} without data (request ${requestId})`);
    return body.data;
  }
}

/** Runs the smoke test; resolves with the exit code. */
export async function runSmoke(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  io: SmokeIo = stdio,
): Promise<number> {
  let url: string;
  let email: string;
  let timeoutMs: number;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        url: { type: "string" },
        "admin-email": { type: "string" },
        timeout: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    const parsed = new URL(values.url ?? "");
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:")
      throw new Error("--url must be http(s)");
    url = `${parsed.origin}${parsed.pathname.replace(/\/+$/, "")}`;
    email = (values["admin-email"] ?? "").trim();
    if (!email) throw new Error("--admin-email is required");
    timeoutMs = Number(values.timeout ?? "30") * 1000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
      throw new Error("--timeout must be a number of seconds");
  } catch (err) {
    io.err(
      `smoke: ${(err as Error).message === "Invalid URL" ? "--url must be a URL such as https://api.example.com" : (err as Error).message}\n\n${USAGE}`,
    );
    return 1;
  }

  let password = env.SMOKE_ADMIN_PASSWORD;
  if (!password) {
    if (!io.prompt) {
      io.err("smoke: set SMOKE_ADMIN_PASSWORD (no terminal to ask for the password on)");
      return 1;
    }
    password = await io.prompt(`Password of ${email}: `);
  }

  const mfaCode = async (): Promise<string> => {
    if (env.SMOKE_ADMIN_TOTP_SECRET) return totpCode(env.SMOKE_ADMIN_TOTP_SECRET);
    if (env.SMOKE_ADMIN_TOTP_CODE) return env.SMOKE_ADMIN_TOTP_CODE.trim();
    if (io.prompt) return (await io.prompt(`Authenticator code of ${email}: `)).trim();
    throw new Error(
      "this admin signs in with an authenticator code: set SMOKE_ADMIN_TOTP_SECRET or SMOKE_ADMIN_TOTP_CODE",
    );
  };

  const runId = randomBytes(4).toString("hex");
  const api = new Api(url, runId, timeoutMs);
  const customerId = `smoke-${runId}`;
  const content = Buffer.from(`portal smoke test ${runId} ${new Date().toISOString()}\n`);
  const sha256 = createHash("sha256").update(content).digest("base64");
  let customerCreated = false;
  let fileId: string | undefined;

  const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      const result = await run();
      io.out(`ok    ${name} (${Date.now() - started} ms)`);
      return result;
    } catch (err) {
      io.out(`FAIL  ${name}: ${err instanceof Error ? err.message : String(err)}`);
      throw new StepFailed();
    }
  };

  io.out(`Smoke test of ${url} (run ${runId})`);
  let failed = false;
  try {
    await step("the API answers /healthz and is ready (/readyz)", async () => {
      for (const path of ["/healthz", "/readyz"]) {
        const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
        if (res.status !== 200)
          throw new Error(`${path}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
      }
    });
    await step(`sign in as ${email}`, async () => {
      const { signIn } = await api.request(SignInDocument, { email, password });
      if (signIn.__typename === "NewPasswordRequired")
        throw new Error("this admin must choose a new password first: sign in once in the web app");
      if (signIn.__typename === "MfaRequired") {
        const code = await mfaCode();
        const { completeMfaSignIn } = await api.request(CompleteMfaSignInDocument, {
          email,
          session: signIn.session,
          code,
        });
        api.signedIn(completeMfaSignIn.accessToken);
        return;
      }
      // Any other answer than tokens (a further step) ends the test here.
      if (signIn.__typename !== "AuthTokens")
        throw new Error(
          `sign-in needs a further step the smoke test cannot take: ${String((signIn as { __typename: unknown }).__typename)}`,
        );
      api.signedIn(signIn.accessToken);
    });
    await step(`create the throwaway customer ${customerId}`, async () => {
      await api.request(CreateCustomerDocument, {
        input: {
          id: customerId,
          name: `Smoke test ${runId}`,
          email: `${customerId}@smoke-test.invalid`,
        },
      });
      customerCreated = true;
    });
    const ticket = await step("request an upload into the customer's folder", async () => {
      const { requestUpload } = await api.request(RequestUploadDocument, {
        input: {
          filename: "smoke.txt",
          contentType: "text/plain",
          size: content.length,
          customerId,
          checksumSha256: sha256,
        },
      });
      return requestUpload;
    });
    fileId = ticket.fileId;
    await step("upload through the presigned URL with the ticket's headers", async () => {
      const res = await fetch(ticket.url, {
        method: ticket.method,
        headers: Object.fromEntries(ticket.headers.map((h) => [h.name, h.value])),
        body: content,
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok)
        throw new Error(`storage answered HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
    });
    await step("the file is listed in the customer's folder", async () => {
      const { customer } = await api.request(CustomerFilesDocument, { id: customerId, first: 10 });
      const listed = customer?.files.edges.map((e) => e.node) ?? [];
      const mine = listed.find((f) => f.id === fileId);
      if (!mine) throw new Error(`not listed (found ${listed.length} other file(s))`);
      if (mine.size !== content.length)
        throw new Error(`listed with ${mine.size} bytes, uploaded ${content.length}`);
    });
    await step("download it and compare the bytes", async () => {
      const { file } = await api.request(FileDocument, { id: fileId as string });
      if (!file) throw new Error("the file is not there");
      const res = await fetch(file.downloadUrl, { signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) throw new Error(`storage answered HTTP ${res.status}`);
      const got = Buffer.from(await res.arrayBuffer());
      if (!got.equals(content))
        throw new Error(
          `downloaded ${got.length} bytes that differ from the ${content.length} uploaded`,
        );
    });
    await step("delete the file", async () => {
      await api.request(DeleteFileDocument, { id: fileId as string });
      fileId = undefined;
    });
    await step(`delete the customer ${customerId}`, async () => {
      await api.request(DeleteCustomerDocument, { id: customerId });
      customerCreated = false;
    });
  } catch (err) {
    if (!(err instanceof StepFailed)) throw err;
    failed = true;
  } finally {
    // Nothing may be left behind, whichever step failed.
    if (fileId !== undefined) {
      const id = fileId;
      await step(`clean up: delete the file ${id}`, () =>
        api.request(DeleteFileDocument, { id }),
      ).then(
        () => (fileId = undefined),
        () => undefined,
      );
    }
    if (customerCreated)
      await step(`clean up: delete the customer ${customerId}`, () =>
        api.request(DeleteCustomerDocument, { id: customerId }),
      ).then(
        () => (customerCreated = false),
        () => undefined,
      );
  }
  const leftBehind = [
    ...(fileId !== undefined ? [`file ${fileId}`] : []),
    ...(customerCreated ? [`customer ${customerId}`] : []),
  ];
  if (leftBehind.length) {
    io.err(`smoke: LEFT BEHIND, remove by hand: ${leftBehind.join(", ")}`);
    return 1;
  }
  io.out(failed ? "Smoke test FAILED (nothing was left behind)" : "Smoke test passed");
  return failed ? 1 : 0;
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    let value = "";
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003") return done(new Error("cancelled"));
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on("data", onData);
  });
}

const stdio: SmokeIo = {
  out: (t) => process.stdout.write(t + "\n"),
  err: (t) => process.stderr.write(t + "\n"),
  ...(process.stdin.isTTY ? { prompt: promptHidden } : {}),
};

if (require.main === module) {
  runSmoke(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(
        `smoke: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
