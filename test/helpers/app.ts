import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { GraphQLError, print } from "graphql";
import type { App, AppSettings } from "../../src/app.js";
import { createApp } from "../../src/app.js";
import { RequestUploadDocument } from "../../src/client/index.js";
import type { RequestUploadInput } from "../../src/client/index.js";
import { Cursors } from "../../src/common/page.js";
import { Sealer } from "../../src/common/sealer.js";
import { FileIds } from "../../src/files/keys.js";
import type { LocalStack } from "../../src/local/stack.js";
import { createLogger, silentLogger } from "../../src/log.js";
import type { Logger } from "../../src/log.js";
import { localBackends } from "../../src/local/stack.js";
import { postJson } from "./post.js";
import { TEST_CORS_ORIGIN, startPrivateTestStack, startTestStack } from "./stack.js";

export const TEST_SETTINGS: AppSettings = {
  corsOrigins: [TEST_CORS_ORIGIN],
  bodyLimitBytes: 1024 * 1024,
  introspection: true,
  playground: true,
  userCacheTtlSeconds: 60,
  uploadMaxBytes: 5 * 1024 ** 3,
  uploadUrlTtlSeconds: 900,
  downloadUrlTtlSeconds: 300,
  account: {
    appName: "Customer File Portal",
    mailFrom: "portal@example.test",
    invitationTtlHours: 72,
    adminMfa: "optional",
  },
};

export interface GqlResult<T = Record<string, unknown>> {
  data?: T | null;
  errors?: {
    message: string;
    extensions?: Record<string, unknown>;
    path?: readonly (string | number)[];
  }[];
}

export interface TestApp {
  stack: LocalStack;
  app: App;
  /** Base URL of the HTTP server, e.g. http://127.0.0.1:40123 */
  url: string;
  /** Log lines written by the app (JSON strings), when captured. */
  logs: string[];
  /**
   * The app's own ids and cursors (same server secret), for tests that need an id or cursor the
   * server would issue — another tenant's, say — without going through a listing.
   */
  ids: FileIds;
  cursors: Cursors;
  /**
   * In-process: builds the context from the token like the HTTP layer and executes. Takes a
   * query string or a typed document from src/client/ (then result and variables are typed).
   */
  exec<TData, TVars extends Record<string, unknown>>(
    query: TypedDocumentNode<TData, TVars>,
    variables?: TVars,
    token?: string,
  ): Promise<GqlResult<TData>>;
  exec<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<GqlResult<T>>;
  /** Over HTTP, POST /graphql; a query string or a typed document. */
  http<TData, TVars extends Record<string, unknown>>(
    query: TypedDocumentNode<TData, TVars>,
    variables?: TVars,
    token?: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: GqlResult<TData>; headers: Headers }>;
  http<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: GqlResult<T>; headers: Headers }>;
  /** Signs in and returns the access token (completes the new-password step when asked). */
  signIn(email: string, password: string, newPassword?: string): Promise<string>;
  adminToken(): Promise<string>;
  /**
   * As an admin, creates customer `id` (email `{id}@example.test`), then signs them in with the
   * temporary password and sets `password`; returns their access token.
   */
  createCustomer(id: string, password?: string): Promise<string>;
  /**
   * Asks for an upload ticket as `token` and PUTs `body` to storage with the ticket's URL and
   * headers, as a client does; returns the new file's id.
   */
  upload(token: string, input: Omit<RequestUploadInput, "size">, body: string): Promise<string>;
  stop(): Promise<void>;
}

/** A password that meets the pool's policy, for customers the tests create. */
export const TEST_CUSTOMER_PASSWORD = "Str0ng!Passw0rd";

export async function startTestApp(
  options: {
    settings?: Partial<AppSettings>;
    captureLogs?: boolean;
    /** Runs on this stack (not stopped with the app). */
    stack?: LocalStack;
    /**
     * A stack of its own instead of the run's shared one: for tests that stop its stand-ins or
     * change the seeded admin (stopped with the app).
     */
    privateStack?: boolean;
  } = {},
): Promise<TestApp> {
  const stack =
    options.stack ??
    (options.privateStack ? await startPrivateTestStack() : await startTestStack());
  const logs: string[] = [];
  const log: Logger = options.captureLogs
    ? createLogger("debug", {}, (l) => logs.push(l))
    : silentLogger;
  const app = await createApp(
    { ...TEST_SETTINGS, ...options.settings },
    localBackends(stack, 5000),
    log,
  );
  const url = await app.listen(0, "127.0.0.1");
  let adminToken: string | undefined;

  const execAny = async (
    document: string | TypedDocumentNode<unknown, Record<string, unknown>>,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<GqlResult<never>> => {
    const query = typeof document === "string" ? document : print(document);
    let contextValue;
    try {
      contextValue = await app.context({ authorization: token ? `Bearer ${token}` : undefined });
    } catch (err) {
      if (err instanceof GraphQLError)
        return { errors: [{ message: err.message, extensions: { ...err.extensions } }] };
      throw err;
    }
    const res = await app.apollo.executeOperation(
      { query, ...(variables ? { variables } : {}) },
      { contextValue },
    );
    if (res.body.kind !== "single") throw new Error("incremental delivery not expected");
    return res.body.singleResult as GqlResult<never>;
  };
  const exec = execAny as TestApp["exec"];

  const httpAny = async (
    document: string | TypedDocumentNode<unknown, Record<string, unknown>>,
    variables?: Record<string, unknown>,
    token?: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: GqlResult<never>; headers: Headers }> => {
    const query = typeof document === "string" ? document : print(document);
    const res = await postJson(
      `${url}/graphql`,
      { query, variables },
      { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    );
    return { status: res.status, body: res.json as GqlResult<never>, headers: res.headers };
  };
  const http = httpAny as TestApp["http"];

  const signIn: TestApp["signIn"] = async (email, password, newPassword) => {
    const r = await exec<{ signIn: { accessToken?: string; session?: string } }>(
      `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) {
        ... on AuthTokens { accessToken } ... on NewPasswordRequired { session } } }`,
      { e: email, p: password },
    );
    const result = r.data?.signIn;
    if (result?.accessToken) return result.accessToken;
    if (result?.session && newPassword) {
      const c = await exec<{ completeNewPassword: { accessToken: string } }>(
        `mutation($e: String!, $s: String!, $n: String!) { completeNewPassword(email: $e, session: $s, newPassword: $n) { accessToken } }`,
        { e: email, s: result.session, n: newPassword },
      );
      if (c.data?.completeNewPassword) return c.data.completeNewPassword.accessToken;
      throw new Error(`completeNewPassword failed: ${JSON.stringify(c.errors)}`);
    }
    throw new Error(`signIn failed: ${JSON.stringify(r)}`);
  };

  const sealer = new Sealer(stack.sessionSecret);
  return {
    stack,
    app,
    url,
    logs,
    ids: new FileIds(sealer),
    cursors: new Cursors(sealer),
    exec,
    http,
    signIn,
    async adminToken() {
      adminToken ??= await signIn(stack.admin.email, stack.admin.password);
      return adminToken;
    },
    async createCustomer(id, password = TEST_CUSTOMER_PASSWORD) {
      adminToken ??= await signIn(stack.admin.email, stack.admin.password);
      const r = await exec<{ createCustomer: { temporaryPassword: string } }>(
        `mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { customer { id } temporaryPassword } }`,
        { i: { id, email: `${id}@example.test`, name: id } },
        adminToken,
      );
      if (!r.data) throw new Error(`createCustomer failed: ${JSON.stringify(r.errors)}`);
      return signIn(`${id}@example.test`, r.data.createCustomer.temporaryPassword, password);
    },
    async upload(token, input, body) {
      const r = await exec(
        RequestUploadDocument,
        { input: { ...input, size: Buffer.byteLength(body) } },
        token,
      );
      const ticket = r.data?.requestUpload;
      if (!ticket) throw new Error(`requestUpload failed: ${JSON.stringify(r.errors)}`);
      const put = await fetch(ticket.url, {
        method: ticket.method,
        headers: Object.fromEntries(ticket.headers.map((h) => [h.name, h.value])),
        body,
      });
      if (put.status !== 200) throw new Error(`upload PUT answered ${put.status}`);
      return ticket.fileId;
    },
    async stop() {
      await app.close();
      if (!options.stack) await stack.stop();
    },
  };
}

/** The error codes of a result, in order. */
export function codes(r: GqlResult<unknown>): string[] {
  return (r.errors ?? []).map((e) => String(e.extensions?.code));
}

/** A result as JSON without its request ids (they differ on every request), for comparisons. */
export function withoutRequestIds(r: unknown): string {
  return JSON.stringify(r).replace(/"requestId":"[^"]*"/g, "");
}
