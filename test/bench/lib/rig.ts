import type { ApolloServer } from "@apollo/server";
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { RequestListener, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { applyMiddleware } from "graphql-middleware";
import { shield } from "graphql-shield";
import { buildExecutableSchema, createApollo, createServices } from "../../../src/app.js";
import type { ApiServices } from "../../../src/app.js";
import { CUSTOMERS_GROUP } from "../../../src/auth/admins.js";
import { CognitoAuth } from "../../../src/aws/cognito-auth.js";
import { Sealer } from "../../../src/common/sealer.js";
import type { Identity } from "../../../src/auth/identity.js";
import { CachedUsers } from "../../../src/aws/cached-users.js";
import { createContextFactory } from "../../../src/auth/request-context.js";
import { createLoaders } from "../../../src/aws/loaders.js";
import type { Loaders } from "../../../src/aws/loaders.js";
import type { UserRecord } from "../../../src/aws/cognito-users.js";
import type { ListedObject } from "../../../src/aws/s3-store.js";
import { buildKey } from "../../../src/files/keys.js";
import type { Context } from "../../../src/auth/context.js";
import { respond } from "../../../src/http/routes.js";
import type { RouterOptions } from "../../../src/http/routes.js";
import { createHttpHandler } from "../../../src/http/server.js";
import type { Logger } from "../../../src/log.js";
import { toShield } from "../../../src/permissions/algebra.js";
import { permissionOptions, permissions } from "../../../src/permissions/index.js";
import { BENCH_SETTINGS, discardingLogger } from "./fixture.js";
import type { Fixture, GqlReply } from "./fixture.js";
import { MemoryCognitoUsers, MemoryS3Store } from "./memory-backends.js";

/** An Apollo Server plus how its requests get a context. */
export interface Target {
  readonly name: string;
  readonly apollo: ApolloServer<Context>;
  /** Builds the context for a request carrying this Authorization header. */
  readonly context: (req: {
    authorization: string | undefined;
    requestId?: string;
  }) => Promise<Context>;
}

export interface Rig {
  /** Services over in-memory S3 and Cognito (no emulator in the timing). */
  readonly memory: { with: Target; without: Target; shield: Target };
  /** The fixture's own services (local stack): the real app, and the same without the layer. */
  readonly stack: { with: Target; without: Target };
  /** Viewers resolved once from the real tokens (the "without" side injects them). */
  readonly viewers: ReadonlyMap<string, Identity>;
  readonly memoryCustomers: number;
  readonly memoryCognito: MemoryCognitoUsers;
  exec(
    t: Target,
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<GqlReply>;
  /** Starts an HTTP server with the API's own HTTP layer in front of the target. */
  serve(t: Target): Promise<{ url: string; close(): Promise<void> }>;
  stop(): Promise<void>;
}

/** Users and files in memory: `customers` customers with `filesEach` files, plus the fixture's. */
function memoryServices(
  f: Fixture,
  customers: number,
  filesEach: number,
  pageFiles: number,
  bigFolder: number,
): ApiServices & { cognito: MemoryCognitoUsers; loaders: () => Loaders } {
  const now = Date.now();
  const users: UserRecord[] = [];
  const objects: ListedObject[] = [];
  const base = now - 50_000_000;
  for (let c = 0; c < customers; c++) {
    const id = `mem-${String(c).padStart(4, "0")}`;
    users.push({
      username: id,
      sub: randomUUID(),
      email: `${id}@bench.test`,
      emailVerified: true,
      name: `Customer ${id}`,
      enabled: true,
      status: "CONFIRMED",
      customerId: id,
      revokedAt: 0,
      linkHash: null,
      mfaEnabled: false,
      createdAt: new Date(base),
      updatedAt: new Date(base),
    });
    for (let i = 0; i < filesEach; i++)
      objects.push({
        key: buildKey("CUSTOMER", id, `invoice-${i}.pdf`, base + i * 1000),
        size: 10_000 + i,
        lastModified: new Date(base + i * 1000),
      });
  }
  // The fixture's two customers (the 100-file page; the large folder) and a few general files.
  for (const [id, n] of [
    [f.small.id, pageFiles],
    [f.big.id, bigFolder],
  ] as const)
    for (let i = 0; i < n; i++)
      objects.push({
        key: buildKey("CUSTOMER", id, `report-${i}.pdf`, base + i * 1000),
        size: 20_000 + i,
        lastModified: new Date(base + i * 1000),
      });
  for (let i = 0; i < 10; i++)
    objects.push({
      key: buildKey("GENERAL", null, `manual-${i}.pdf`, base - 1_000_000 + i),
      size: 30_000,
      lastModified: new Date(base - 1_000_000),
    });
  const cognito = new MemoryCognitoUsers(users, {
    [CUSTOMERS_GROUP]: users.map((u) => u.username),
  });
  const cachedUsers = new CachedUsers(cognito, BENCH_SETTINGS.userCacheTtlSeconds);
  const store = new MemoryS3Store(f.app.clients.s3, f.stack.s3.bucket, objects);
  const services = createServices({
    users: cognito,
    cachedUsers,
    store,
    cognitoAuth: new CognitoAuth(
      f.app.clients.cognito,
      f.stack.cognito.clientId,
      f.stack.cognito.clientSecret,
    ),
    sealer: new Sealer(f.stack.sessionSecret),
    globalSignOut: false,
    mailer: null,
    appUrl: () => "http://localhost",
    settings: BENCH_SETTINGS,
  });
  // A request on these services looks up heads and users in them too, not in the app's.
  return { ...services, cognito, loaders: () => createLoaders(store, cachedUsers) };
}

export async function buildRig(
  f: Fixture,
  o: { memoryCustomers: number; filesEach: number; pageFiles: number; bigFolder: number },
): Promise<Rig> {
  const tokens = [f.adminToken, f.small.token, f.big.token];
  const viewers = new Map<string, Identity>();
  for (const t of tokens) viewers.set(`Bearer ${t}`, await f.app.authenticator.authenticate(t));
  const log: Logger = discardingLogger();
  // "Without": no token verification, no rules; the viewer is looked up by header, not verified.
  const injected =
    (loaders: () => Loaders) =>
    async (req: { authorization: string | undefined; requestId?: string }): Promise<Context> => ({
      requestId: req.requestId ?? randomUUID(),
      viewer: (req.authorization && viewers.get(req.authorization)) || null,
      token: null,
      source: "bench",
      log,
      loaders: loaders(),
    });
  const real = (req: { authorization: string | undefined; requestId?: string }) =>
    f.app.context(req);

  const mem = memoryServices(f, o.memoryCustomers, o.filesEach, o.pageFiles, o.bigFolder);
  // The app's token path (its context factory, as createApp builds it, with the app's kind of
  // logger), making the loaders of the in-memory services.
  const realOnMemory = createContextFactory(f.app.authenticator, discardingLogger(), mem.loaders);
  const started: ApolloServer<Context>[] = [];
  const apollo = async (schema: Parameters<typeof createApollo>[0]) => {
    const a = createApollo(schema, BENCH_SETTINGS);
    await a.start();
    started.push(a);
    return a;
  };
  const reference = toShield(permissions, permissionOptions);
  const shielded = applyMiddleware(
    await buildExecutableSchema(mem, null),
    shield(reference.rules, reference.options),
  );
  const memory = {
    with: {
      name: "with layer",
      apollo: await apollo(await buildExecutableSchema(mem, permissions)),
      context: realOnMemory,
    },
    without: {
      name: "without",
      apollo: await apollo(await buildExecutableSchema(mem, null)),
      context: injected(mem.loaders),
    },
    shield: { name: "graphql-shield", apollo: await apollo(shielded), context: realOnMemory },
  };
  const stack = {
    with: { name: "with layer (the app)", apollo: f.app.apollo, context: real },
    without: {
      name: "without",
      apollo: await apollo(await buildExecutableSchema(f.app.services, null)),
      context: injected(f.app.loaders),
    },
  };
  const servers: Server[] = [];
  return {
    memory,
    stack,
    viewers,
    memoryCustomers: o.memoryCustomers,
    memoryCognito: mem.cognito,
    async exec(t, query, variables, token) {
      const contextValue = await t.context({
        authorization: token ? `Bearer ${token}` : undefined,
      });
      const res = await t.apollo.executeOperation(
        { query, ...(variables ? { variables } : {}) },
        { contextValue },
      );
      if (res.body.kind !== "single") throw new Error("incremental delivery not expected");
      return res.body.singleResult as GqlReply;
    },
    async serve(t) {
      const routes: RouterOptions = {
        apollo: t.apollo,
        context: (req) => t.context(req),
        corsOrigins: BENCH_SETTINGS.corsOrigins,
        bodyLimitBytes: BENCH_SETTINGS.bodyLimitBytes,
        log,
        readiness: { check: async () => ({ ok: true, checks: {} }) },
      };
      const handler: RequestListener = createHttpHandler((req) => respond(routes, req));
      const server = createServer(handler);
      server.keepAliveTimeout = 65_000;
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const { port } = server.address() as AddressInfo;
      return {
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      };
    },
    async stop() {
      for (const s of servers) {
        s.closeAllConnections();
        s.close();
      }
      for (const a of started) await a.stop();
    },
  };
}
