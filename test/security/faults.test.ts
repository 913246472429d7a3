import { createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import type { App } from "../../src/app.js";
import type { LocalStack } from "../../src/local/stack.js";
import { createLogger } from "../../src/log.js";
import { localBackends } from "../../src/local/stack.js";
import { TEST_SETTINGS, codes } from "../helpers/app.js";
import type { GqlResult } from "../helpers/app.js";
import { startPrivateTestStack } from "../helpers/stack.js";
import { failAwsCalls } from "./support.js";

/** Per-call AWS timeout of the app under test: small, so a hanging dependency fails fast. */
const AWS_TIMEOUT_MS = 400;
/** A request that gets no answer within this is a hang, and fails the test. */
const ANSWER_WITHIN_MS = 15_000;

const FILES = `{ files(first: 5) { edges { node { id name } } } }`;
const GENERAL_FILES = `{ files(first: 5, scope: GENERAL) { edges { node { id } } } }`;
const CUSTOMERS = `{ customers(first: 5) { edges { node { id } } } }`;
const ME = `{ me { id role } }`;

describe("faults: dependencies stop, hang and throttle; the API answers, reports and recovers (local stand-ins)", () => {
  let stack: LocalStack;
  let app: App;
  let url: string;
  let admin: string;
  const logs: string[] = [];
  const durations: Record<string, number[]> = {};

  const post = async (
    query: string,
    token?: string,
    label = "request",
  ): Promise<{ status: number; body: GqlResult }> => {
    const started = Date.now();
    const res = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query }),
      signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
    });
    const body = (await res.json()) as GqlResult;
    (durations[label] ??= []).push(Date.now() - started);
    return { status: res.status, body };
  };
  const signIn = async (email: string, password: string): Promise<string> => {
    const r = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { ... on AuthTokens { accessToken } } }`,
        variables: { e: email, p: password },
      }),
    });
    return ((await r.json()) as { data: { signIn: { accessToken: string } } }).data.signIn
      .accessToken;
  };
  const readyz = async () => {
    const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(ANSWER_WITHIN_MS) });
    return { status: r.status, body: (await r.json()) as { checks: Record<string, boolean> } };
  };
  /** Polls until `check` holds (the readiness probe caches for 2 s; recovery takes a moment). */
  const eventually = async (what: string, check: () => Promise<boolean>, ms = 20_000) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`not within ${ms} ms: ${what}`);
  };
  /** The answer to a request while a dependency is out: SERVICE_UNAVAILABLE, never a 5xx crash. */
  const expectUnavailable = (r: { status: number; body: GqlResult }, label: string) => {
    expect(codes(r.body), label).toEqual(["SERVICE_UNAVAILABLE"]);
    expect(r.body.errors![0]!.extensions!.requestId, label).toEqual(expect.any(String));
    expect(JSON.stringify(r.body), label).not.toMatch(/ECONNREFUSED|socket|timeout|127\.0\.0\.1/i);
  };

  beforeAll(async () => {
    stack = await startPrivateTestStack();
    app = await createApp(
      TEST_SETTINGS,
      localBackends(stack, AWS_TIMEOUT_MS),
      createLogger("debug", {}, (l) => logs.push(l)),
    );
    url = await app.listen(0, "127.0.0.1");
    admin = await signIn(stack.admin.email, stack.admin.password);
  });
  afterAll(async () => {
    await app?.close();
    await stack?.stop();
    // Figures for the record (not asserted: the machine is shared).
    console.info(
      "fault answer times (ms):",
      Object.fromEntries(Object.entries(durations).map(([k, v]) => [k, Math.max(...v)])),
    );
  });

  it("S3 stopped: SERVICE_UNAVAILABLE, /readyz 503, /healthz 200; recovers by itself when S3 returns", async () => {
    expect(codes((await post(FILES, admin)).body)).toEqual([]);
    await stack.stopS3();
    try {
      const r = await post(FILES, admin, "s3 stopped");
      expect(r.status).toBeLessThan(500);
      expectUnavailable(r, "files while S3 is stopped");
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      await eventually("/readyz 503 for S3", async () => {
        const r = await readyz();
        return r.status === 503 && r.body.checks.s3 === false;
      });
      expect((await readyz()).body.checks).toMatchObject({ s3: false, cognito: true });
      // Cognito-only operations are unaffected.
      expect(codes((await post(CUSTOMERS, admin)).body)).toEqual([]);
    } finally {
      await stack.startS3();
    }
    await eventually(
      "files again",
      async () => codes((await post(FILES, admin)).body).length === 0,
    );
    await eventually("/readyz 200", async () => (await readyz()).status === 200);
  });

  it("S3 hanging (accepts connections, never answers): the per-call timeout turns it into SERVICE_UNAVAILABLE", async () => {
    const port = Number(new URL(stack.s3.endpoint).port);
    await stack.stopS3();
    const sockets = new Set<Socket>();
    const blackHole: Server = createServer((s) => {
      sockets.add(s);
      s.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => blackHole.listen(port, "127.0.0.1", resolve));
    try {
      const r = await post(FILES, admin, "s3 hanging");
      expectUnavailable(r, "files while S3 hangs");
      expect(sockets.size).toBeGreaterThan(0);
      await eventually("/readyz 503", async () => (await readyz()).status === 503);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => blackHole.close(() => resolve()));
      await stack.startS3();
    }
    await eventually(
      "files again",
      async () => codes((await post(FILES, admin)).body).length === 0,
    );
  });

  it("Cognito stopped: SERVICE_UNAVAILABLE for sign-in, customer calls and unseen tokens (503); recovers", async () => {
    // A second admin session whose token this app has never seen (nothing cached for it).
    const customerToken = await (async () => {
      const r = await post(
        `mutation { createCustomer(input: { id: "outage-co", name: "Outage", email: "outage@example.test" }) { temporaryPassword } }`,
        admin,
      );
      const temp = (r.body.data as { createCustomer: { temporaryPassword: string } }).createCustomer
        .temporaryPassword;
      const s = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          query: `mutation { signIn(email: "outage@example.test", password: ${JSON.stringify(temp)}) { ... on NewPasswordRequired { session } } }`,
        }),
      });
      const session = ((await s.json()) as { data: { signIn: { session: string } } }).data.signIn
        .session;
      const c = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          query: `mutation($s: String!) { completeNewPassword(email: "outage@example.test", session: $s, newPassword: "Outage-password-1!") { accessToken } }`,
          variables: { s: session },
        }),
      });
      return ((await c.json()) as { data: { completeNewPassword: { accessToken: string } } }).data
        .completeNewPassword.accessToken;
    })();
    await stack.stopCognito();
    try {
      expectUnavailable(await post(CUSTOMERS, admin, "cognito stopped"), "customers");
      expectUnavailable(
        await post(
          `mutation { signIn(email: "outage@example.test", password: "Outage-password-1!") { __typename } }`,
          undefined,
          "cognito stopped",
        ),
        "signIn",
      );
      const unseen = await post(ME, customerToken, "cognito stopped");
      expect(unseen.status).toBe(503);
      expectUnavailable(unseen, "first use of a token");
      const id = String(unseen.body.errors![0]!.extensions!.requestId);
      expect(
        logs.some((l) => l.includes(id) && l.includes("dependency unavailable")),
        "the log says why",
      ).toBe(true);
      // S3-only operations keep working for a viewer already known.
      expect(codes((await post(FILES, admin)).body)).toEqual([]);
      // /readyz answers from a cache of a few seconds: wait for the answer about this outage.
      await eventually("/readyz 503 for Cognito", async () => {
        const r = await readyz();
        return r.status === 503 && r.body.checks.cognito === false;
      });
      expect((await readyz()).body.checks).toMatchObject({ cognito: false, s3: true });
    } finally {
      await stack.startCognito();
    }
    await eventually(
      "customers again",
      async () => codes((await post(CUSTOMERS, admin)).body).length === 0,
    );
    expect((await post(ME, customerToken)).status).toBe(200);
    await eventually("/readyz 200", async () => (await readyz()).status === 200);
  });

  it("throttling (SDK-level injection): retried with backoff, then SERVICE_UNAVAILABLE when it persists", async () => {
    const throttle = (name: string) =>
      Object.assign(new Error("Rate exceeded"), {
        name,
        $fault: "client",
        $metadata: { httpStatusCode: 400 },
      });
    // One S3 call (admins' general folder), throttled twice, then through: the caller never notices.
    let throttledLeft = 2;
    const stamps: number[] = [];
    const s3 = failAwsCalls(app.clients.s3, () => {
      stamps.push(Date.now());
      return throttledLeft-- > 0 ? throttle("SlowDown") : null;
    });
    try {
      expect(codes((await post(GENERAL_FILES, admin)).body)).toEqual([]);
      expect(stamps).toHaveLength(3);
    } finally {
      s3.stop();
    }
    console.info(
      "S3 retry gaps after throttling (ms):",
      stamps.slice(1).map((t, i) => t - stamps[i]!),
    );

    // Throttled on every attempt: S3 gives up after 3 attempts, Cognito after 4.
    let s3Attempts = 0;
    const s3Always = failAwsCalls(app.clients.s3, () => (s3Attempts++, throttle("SlowDown")));
    let cognitoAttempts = 0;
    const cognitoAlways = failAwsCalls(
      app.clients.cognito,
      () => (cognitoAttempts++, throttle("TooManyRequestsException")),
    );
    try {
      expectUnavailable(await post(GENERAL_FILES, admin, "throttled"), "files throttled");
      expect(s3Attempts).toBe(3);
      expectUnavailable(await post(CUSTOMERS, admin, "throttled"), "customers throttled");
      expect(cognitoAttempts).toBe(4);
    } finally {
      s3Always.stop();
      cognitoAlways.stop();
    }
    expect(logs.some((l) => l.includes('"level":"fatal"'))).toBe(false);
  });
});
