import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { DescribeUserPoolCommand } from "@aws-sdk/client-cognito-identity-provider";
import type { Jwks } from "aws-jwt-verify/jwk";
import { GraphQLError } from "graphql";
import type { GraphQLSchema } from "graphql";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AuthResolver } from "./auth/auth.resolver.js";
import { AccountResolver } from "./account/account.resolver.js";
import { AccountService } from "./account/account.service.js";
import { Links } from "./account/links.js";
import { SignInService } from "./auth/auth.service.js";
import { Revocations, SessionSeals } from "./auth/sessions.js";
import { SignInThrottle } from "./auth/throttle.js";
import { TokenVerifier, bearerToken } from "./auth/token-verifier.js";
import { ViewerResolver } from "./auth/viewer.js";
import type { Backends } from "./aws/backends.js";
import { createAwsClients } from "./aws/clients.js";
import type { AwsClients } from "./aws/clients.js";
import { CachedUsers } from "./aws/cached-users.js";
import { CognitoAuth } from "./aws/cognito-auth.js";
import { CognitoUsers } from "./aws/cognito-users.js";
import { SesMailer } from "./aws/ses-mailer.js";
import type { Mailer } from "./aws/ses-mailer.js";
import { Cursors } from "./common/page.js";
import { Sealer } from "./common/sealer.js";
import { FileIds } from "./files/keys.js";
import { CustomerResolver, ViewerCustomerResolver } from "./customers/customer.resolver.js";
import { CustomerService } from "./customers/customer.service.js";
import { CustomerFilesResolver, FileResolver } from "./files/file.resolver.js";
import { FileService } from "./files/file.service.js";
import { MultipartResolver } from "./files/multipart.resolver.js";
import { MultipartService } from "./files/multipart.service.js";
import { S3Store } from "./aws/s3-store.js";
import type { Config } from "./config.js";
import { S3_OBJECT_MAX_BYTES } from "./config.js";
import { AppError } from "./errors.js";
import type { Context } from "./graphql/context.js";
import { actorOf } from "./graphql/context.js";
import { duplicateFieldsRule } from "./graphql/duplicate-fields.js";
import { formatError } from "./graphql/format-error.js";
import { MAX_TOKENS, queryLimitRules } from "./graphql/limits.js";
import { loggingPlugin } from "./graphql/logging-plugin.js";
import { buildAppSchema, instanceContainer } from "./graphql/schema.js";
import { createHttpHandler } from "./http/server.js";
import type { Logger } from "./log.js";
import type { RuleMap } from "./permissions/algebra.js";
import { applyPermissions } from "./permissions/compile.js";
import { permissionOptions, permissions } from "./permissions/index.js";
import { loadPlayground } from "./playground/playground.js";

/** The settings of Config the app uses (tests build it directly). */
export type AppSettings = Pick<
  Config,
  | "corsOrigins"
  | "bodyLimitBytes"
  | "introspection"
  | "playground"
  | "userCacheTtlSeconds"
  | "uploadMaxBytes"
  | "uploadUrlTtlSeconds"
  | "downloadUrlTtlSeconds"
  | "account"
> &
  Partial<Pick<Config, "multipartMaxBytes" | "multipartWindowSeconds">>;

/** The services behind the resolvers. */
export interface ApiServices {
  readonly auth: SignInService;
  readonly account: AccountService;
  readonly customers: CustomerService;
  readonly files: FileService;
  readonly multipart: MultipartService;
}

/**
 * The executable schema over these services with the rule tree applied (deny by default; see
 * `applyPermissions`). `rules: null` builds it with no permission layer at all: only the
 * benchmark does that, to measure what the layer costs; `createApp` always passes the map.
 */
export async function buildExecutableSchema(
  services: ApiServices,
  rules: RuleMap | null,
): Promise<GraphQLSchema> {
  const schema = await buildAppSchema(
    instanceContainer([
      new AuthResolver(services.auth),
      new AccountResolver(services.account),
      new CustomerResolver(services.customers),
      new ViewerCustomerResolver(),
      new FileResolver(services.files, services.customers),
      new CustomerFilesResolver(services.files),
      new MultipartResolver(services.multipart),
    ]),
  );
  if (rules) applyPermissions(schema, rules, permissionOptions);
  return schema;
}

/** What the services are built from (the app passes AWS adapters; the benchmark in-memory ones). */
export interface ServiceParts {
  readonly users: CognitoUsers;
  readonly cachedUsers: CachedUsers;
  readonly store: S3Store;
  readonly cognitoAuth: CognitoAuth;
  readonly sealer: Sealer;
  readonly globalSignOut: boolean;
  /** Null when this deployment sends no email. */
  readonly mailer: Mailer | null;
  /** Origin of the web app, for links in emails. */
  readonly appUrl: () => string;
  readonly settings: AppSettings;
}

export function createServices(p: ServiceParts): ApiServices {
  const revocations = new Revocations(p.users, p.cachedUsers, p.globalSignOut);
  const auth = new SignInService(
    p.cognitoAuth,
    p.users,
    p.cachedUsers,
    new SessionSeals(p.sealer),
    new SignInThrottle(),
  );
  const account = new AccountService(
    p.users,
    p.cachedUsers,
    auth,
    p.cognitoAuth,
    revocations,
    new Links(p.sealer, p.users),
    p.mailer,
    new SignInThrottle(),
    new SignInThrottle({ failuresPerAccount: 20, failuresPerSource: 100 }),
    new SignInThrottle(),
    {
      appName: p.settings.account.appName,
      appUrl: p.appUrl,
      invitationTtlHours: p.settings.account.invitationTtlHours,
      ...(p.settings.account.resetAnswerMs !== undefined
        ? { resetAnswerMs: p.settings.account.resetAnswerMs }
        : {}),
    },
  );
  const cursors = new Cursors(p.sealer);
  const customers = new CustomerService(p.users, p.cachedUsers, cursors, revocations, account);
  const files = new FileService(
    p.store,
    (id) => customers.exists(id),
    p.settings,
    new FileIds(p.sealer),
    cursors,
  );
  const multipart = new MultipartService(
    p.store,
    files,
    {
      multipartMaxBytes: p.settings.multipartMaxBytes ?? S3_OBJECT_MAX_BYTES,
      multipartWindowSeconds: p.settings.multipartWindowSeconds ?? 7 * 24 * 3600,
      uploadUrlTtlSeconds: p.settings.uploadUrlTtlSeconds,
    },
    p.sealer,
  );
  return { auth, account, customers, files, multipart };
}

/** Apollo Server as the API runs it (not started). */
export function createApollo(
  schema: GraphQLSchema,
  settings: Pick<AppSettings, "introspection"> & Partial<Pick<AppSettings, "playground">>,
): ApolloServer<Context> {
  return new ApolloServer<Context>({
    schema,
    introspection: settings.introspection,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    formatError,
    // Repeated fields first (they make graphql-js's own validation quadratic), then depth, cost
    // and alias limits: all checked before anything executes.
    validationRules: [duplicateFieldsRule(), ...queryLimitRules()],
    parseOptions: { maxTokens: MAX_TOKENS },
    plugins: [
      loggingPlugin(),
      // Apollo's own landing page loads from a CDN; the offline playground (src/playground) is
      // served by the HTTP layer instead, when the playground setting is on.
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
}

/** What a request context is built from. */
export interface ContextRequest {
  readonly authorization: string | undefined;
  readonly requestId?: string;
  /** The client's address; "unknown" when not given (in-process calls). */
  readonly source?: string;
}

export interface App {
  readonly schema: GraphQLSchema;
  readonly services: ApiServices;
  readonly apollo: ApolloServer<Context>;
  readonly clients: AwsClients;
  readonly viewers: ViewerResolver;
  /** Builds a request context the way the HTTP layer does (tests use it with executeOperation). */
  context(req: ContextRequest): Promise<Context>;
  readonly handler: ReturnType<typeof createHttpHandler>;
  /** True when Cognito and S3 answer (cached for 2 s); what /readyz reports. */
  ready(): Promise<{ ok: boolean; checks: Record<string, boolean> }>;
  /** Starts an HTTP server on host:port (0 = random); resolves to its base URL. */
  listen(port: number, host: string): Promise<string>;
  /** Stops accepting requests, lets running ones finish, then releases clients. */
  close(): Promise<void>;
}

/** Wires config → AWS clients → services → resolvers → schema + permissions → Apollo → HTTP. */
export async function createApp(
  settings: AppSettings,
  backends: Backends,
  log: Logger,
): Promise<App> {
  const clients = createAwsClients(backends);
  const users = new CognitoUsers(clients.cognito, backends.cognito.userPoolId);
  const cachedUsers = new CachedUsers(users, settings.userCacheTtlSeconds);

  const verifier = new TokenVerifier({
    issuer: backends.cognito.issuer,
    jwksUri: backends.cognito.jwksUri,
    clientId: backends.cognito.clientId,
    ...(backends.cognito.jwksUri.startsWith("http:")
      ? { jwks: await fetchJwks(backends.cognito.jwksUri) }
      : {}),
  });
  if (backends.cognito.jwksUri.startsWith("https:")) {
    await verifier
      .hydrate()
      .catch((err: unknown) =>
        log.warn("JWKS not loaded yet; will retry on first request", { err }),
      );
  }
  const viewers = new ViewerResolver(
    verifier,
    cachedUsers,
    settings.account.adminMfa === "required",
  );
  // Links in emails point at the web app: APP_URL, else this server's own origin once it listens.
  let appUrl = settings.account.appUrl;

  const services = createServices({
    users,
    cachedUsers,
    store: new S3Store(clients.s3, backends.s3.bucket),
    cognitoAuth: new CognitoAuth(
      clients.cognito,
      backends.cognito.clientId,
      backends.cognito.clientSecret,
    ),
    sealer: new Sealer(backends.sessionSecret),
    globalSignOut: backends.cognito.globalSignOut,
    mailer:
      clients.ses && settings.account.mailFrom
        ? new SesMailer(clients.ses, settings.account.mailFrom)
        : null,
    appUrl: () => appUrl ?? "http://localhost",
    settings,
  });
  const schema = await buildExecutableSchema(services, permissions);

  const apollo = createApollo(schema, settings);
  await apollo.start();

  const context = async (req: ContextRequest): Promise<Context> => {
    const requestId = req.requestId ?? crypto.randomUUID();
    try {
      // A token verified before is well formed: look it up before paying for the format check.
      const header = req.authorization;
      const known = header?.startsWith("Bearer ") ? viewers.cached(header.slice(7)) : undefined;
      const token = known ? undefined : bearerToken(header);
      const viewer = known ?? (token ? await viewers.resolve(token) : null);
      return {
        requestId,
        viewer,
        token: viewer ? (known ? (header as string).slice(7) : (token as string)) : null,
        source: req.source ?? "unknown",
        log: log.child({ requestId, actor: actorOf(viewer) }),
        scoped: new Map(),
      };
    } catch (err) {
      if (err instanceof AppError) {
        if (err.code === "SERVICE_UNAVAILABLE")
          log.warn("dependency unavailable", {
            requestId,
            err: (err as { cause?: unknown }).cause ?? err,
          });
        const status = err.code === "UNAUTHENTICATED" ? 401 : 503;
        throw new AppError(err.code, err.message, { http: { status }, requestId });
      }
      log.error("context creation failed", { requestId, err });
      throw new GraphQLError("Internal server error", {
        extensions: { code: "INTERNAL_SERVER_ERROR", requestId, http: { status: 500 } },
      });
    }
  };

  let readyCache:
    { at: number; value: Promise<{ ok: boolean; checks: Record<string, boolean> }> } | undefined;
  const ready = () => {
    // Probes arrive often; Cognito's quotas are low. Answer from a 2-second cache.
    if (readyCache && Date.now() - readyCache.at < 2000) return readyCache.value;
    const probe = async () => {
      const [cognito, s3] = await Promise.all([
        clients.cognito
          .send(new DescribeUserPoolCommand({ UserPoolId: backends.cognito.userPoolId }), {
            abortSignal: AbortSignal.timeout(2000),
          })
          .then(
            () => true,
            () => false,
          ),
        clients.s3
          .send(
            new ListObjectsV2Command({
              Bucket: backends.s3.bucket,
              Prefix: "general/",
              MaxKeys: 1,
            }),
            {
              abortSignal: AbortSignal.timeout(2000),
            },
          )
          .then(
            () => true,
            () => false,
          ),
      ]);
      return { ok: cognito && s3, checks: { cognito, s3 } };
    };
    readyCache = { at: Date.now(), value: probe() };
    return readyCache.value;
  };

  const handler = createHttpHandler({
    apollo,
    context: (req) => context(req),
    corsOrigins: settings.corsOrigins,
    bodyLimitBytes: settings.bodyLimitBytes,
    log,
    ready,
    // The offline GraphiQL page at GET /graphql (browsers) and its files under /playground/.
    ...(settings.playground ? loadPlayground() : {}),
  });

  let server: Server | undefined;
  return {
    schema,
    services,
    apollo,
    clients,
    viewers,
    context,
    handler,
    ready,
    listen(port, host) {
      server = createServer(handler);
      server.keepAliveTimeout = 65_000;
      const s = server;
      return new Promise((resolve, reject) => {
        s.once("error", reject);
        s.listen(port, host, () => {
          const { port: actual } = s.address() as AddressInfo;
          const base = `http://${host.includes(":") ? `[${host}]` : host}:${actual}`;
          appUrl ??= base.replace("127.0.0.1", "localhost");
          resolve(base);
        });
      });
    },
    async close() {
      if (server) {
        const s = server;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeIdleConnections();
          // Requests still running after 10 s are cut off.
          setTimeout(() => s.closeAllConnections(), 10_000).unref();
        });
      }
      await apollo.stop();
      clients.destroy();
    },
  };
}

async function fetchJwks(uri: string) {
  const res = await fetch(uri, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`Could not load the JWKS from ${uri}: HTTP ${res.status}`);
  return (await res.json()) as Jwks;
}
