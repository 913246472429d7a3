import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { DescribeUserPoolCommand } from "@aws-sdk/client-cognito-identity-provider";
import type { GraphQLSchema } from "graphql";
import { createServer } from "node:http";
import type { RequestListener, Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { AuthResolver } from "./auth/auth.resolver.js";
import { AccountResolver } from "./account/account.resolver.js";
import { AccountService } from "./account/account.service.js";
import { Links } from "./account/links.js";
import { SignInService } from "./auth/auth.service.js";
import { Revocations, SessionSeals } from "./auth/sessions.js";
import { SignInThrottle } from "./auth/throttle.js";
import { TokenVerifier } from "./auth/token-verifier.js";
import { Authenticator } from "./auth/authenticator.js";
import type { Backends } from "./aws/backends.js";
import { createAwsClients } from "./aws/clients.js";
import type { AwsClients } from "./aws/clients.js";
import { CachedUsers } from "./aws/cached-users.js";
import { createLoaders } from "./aws/loaders.js";
import type { Loaders } from "./aws/loaders.js";
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
import { customerPrefix } from "./files/keys.js";
import { MultipartResolver } from "./files/multipart.resolver.js";
import { MultipartService } from "./files/multipart.service.js";
import { S3Store } from "./aws/s3-store.js";
import type { Config } from "./config.js";
import { S3_OBJECT_MAX_BYTES } from "./config.js";
import type { Context } from "./auth/context.js";
import { duplicateFieldsRule } from "./graphql/duplicate-fields.js";
import { formatError } from "./graphql/format-error.js";
import { MAX_TOKENS, queryLimitRules } from "./graphql/limits.js";
import { loggingPlugin } from "./graphql/logging-plugin.js";
import { buildAppSchema, instanceContainer } from "./schema.js";
import { createContextFactory } from "./auth/request-context.js";
import type { ContextRequest } from "./auth/request-context.js";
import { createReadiness } from "./http/readiness.js";
import type { ReadinessResult } from "./http/readiness.js";
import { respond } from "./http/routes.js";
import type { HttpRequest, HttpResponse, RouterOptions } from "./http/routes.js";
import { createHttpHandler } from "./http/server.js";
import { loadWebAssets, s3Origins } from "./http/web-assets.js";
import type { Logger } from "./log.js";
import type { RuleMap } from "./permissions/algebra.js";
import { applyPermissions } from "./permissions/compile.js";
import { auditRefusal, permissionOptions, permissions } from "./permissions/index.js";

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
  Partial<Pick<Config, "multipartMaxBytes" | "multipartWindowSeconds">> & {
    /** The built web app served at `/`; default dist/web of this checkout. */
    readonly webDir?: string;
  };

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
      new FileResolver(services.files),
      new CustomerFilesResolver(services.files),
      new MultipartResolver(services.multipart),
    ]),
  );
  if (rules) applyPermissions(schema, rules, permissionOptions, auditRefusal);
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

export function createServices(parts: ServiceParts): ApiServices {
  const revocations = new Revocations(parts.users, parts.cachedUsers, parts.globalSignOut);
  const auth = new SignInService(
    parts.cognitoAuth,
    parts.users,
    parts.cachedUsers,
    new SessionSeals(parts.sealer),
    new SignInThrottle(),
  );
  const account = new AccountService(
    parts.users,
    parts.cachedUsers,
    auth,
    parts.cognitoAuth,
    revocations,
    new Links(parts.sealer, parts.users),
    parts.mailer,
    new SignInThrottle(),
    new SignInThrottle({ failuresPerAccount: 20, failuresPerSource: 100 }),
    new SignInThrottle(),
    {
      appName: parts.settings.account.appName,
      appUrl: parts.appUrl,
      invitationTtlHours: parts.settings.account.invitationTtlHours,
      ...(parts.settings.account.resetAnswerMs !== undefined
        ? { resetAnswerMs: parts.settings.account.resetAnswerMs }
        : {}),
    },
  );
  const cursors = new Cursors(parts.sealer);
  const customers = new CustomerService(
    parts.users,
    parts.cachedUsers,
    cursors,
    revocations,
    account,
    (id) => parts.store.holdsObjects(customerPrefix(id)),
  );
  const files = new FileService(
    parts.store,
    (id) => customers.exists(id),
    parts.settings,
    new FileIds(parts.sealer),
    cursors,
  );
  const multipart = new MultipartService(
    parts.store,
    files,
    {
      multipartMaxBytes: parts.settings.multipartMaxBytes ?? S3_OBJECT_MAX_BYTES,
      multipartWindowSeconds: parts.settings.multipartWindowSeconds ?? 7 * 24 * 3600,
      uploadUrlTtlSeconds: parts.settings.uploadUrlTtlSeconds,
    },
    parts.sealer,
  );
  return { auth, account, customers, files, multipart };
}

/** Apollo Server as the API runs it (not started). */
export function createApollo(
  schema: GraphQLSchema,
  settings: Pick<AppSettings, "introspection"> & Partial<Pick<AppSettings, "playground">>,
  /** The HTTP server to drain on stop() (none for Lambda and in-process use). */
  httpServer?: Server,
): ApolloServer<Context> {
  return new ApolloServer<Context>({
    schema,
    introspection: settings.introspection,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    formatError,
    // Repeated fields first (they make graphql-js's own validation quadratic), then depth, alias
    // and cost limits (graphql-armor, graphql-query-complexity): all before anything executes.
    validationRules: [duplicateFieldsRule(), ...queryLimitRules()],
    parseOptions: { maxTokens: MAX_TOKENS },
    plugins: [
      loggingPlugin(),
      // Apollo's own landing page loads from a CDN; the offline playground (src/playground) is
      // served by the HTTP layer instead, when the playground setting is on.
      ApolloServerPluginLandingPageDisabled(),
      // stop(): no new connections, idle ones closed, running requests get 10 s to finish.
      ...(httpServer ? [ApolloServerPluginDrainHttpServer({ httpServer })] : []),
    ],
  });
}

export interface App {
  readonly schema: GraphQLSchema;
  readonly services: ApiServices;
  readonly apollo: ApolloServer<Context>;
  readonly clients: AwsClients;
  readonly authenticator: Authenticator;
  /** One request's loaders over this app's store and user cache (what every context carries). */
  loaders(): Loaders;
  /** Builds a request context the way the HTTP layer does (tests use it with executeOperation). */
  context(req: ContextRequest): Promise<Context>;
  /** Answers one request through the route table (http/routes.ts): what both transports call. */
  respond(req: HttpRequest): Promise<HttpResponse>;
  /** The Node HTTP server's request listener. */
  readonly handler: RequestListener;
  /** Whether Cognito and S3 answer (cached briefly); what /readyz reports. */
  ready(): Promise<ReadinessResult>;
  /** Starts the HTTP server on host:port (0 = random); resolves to its base URL. */
  listen(port: number, host: string): Promise<string>;
  /** Stops accepting requests, lets running ones finish (Apollo's drain plugin), then releases clients. */
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
    userPoolId: backends.cognito.userPoolId,
    jwksTimeoutMs: backends.timeoutMs,
  });
  await verifier
    .hydrate()
    .catch((err: unknown) => log.warn("JWKS not loaded yet; will retry on first request", { err }));
  const authenticator = new Authenticator(
    verifier,
    cachedUsers,
    settings.account.adminMfa === "required",
  );
  // Links in emails point at the web app: APP_URL, else this server's own origin once it listens.
  let appUrl = settings.account.appUrl;

  const store = new S3Store(clients.s3, backends.s3.bucket);
  const services = createServices({
    users,
    cachedUsers,
    store,
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

  // Created now so Apollo's drain plugin can close it on stop(); it listens once listen() is called.
  const server = createServer();
  server.keepAliveTimeout = 65_000;
  const apollo = createApollo(schema, settings, server);
  await apollo.start();
  const loaders = () => createLoaders(store, cachedUsers);
  const context = createContextFactory(authenticator, log, loaders);
  const readiness = createReadiness({
    cognito: (abortSignal) =>
      clients.cognito.send(
        new DescribeUserPoolCommand({ UserPoolId: backends.cognito.userPoolId }),
        { abortSignal },
      ),
    s3: (abortSignal) =>
      clients.s3.send(
        new ListObjectsV2Command({ Bucket: backends.s3.bucket, Prefix: "general/", MaxKeys: 1 }),
        { abortSignal },
      ),
  });
  const routes: RouterOptions = {
    apollo,
    context,
    corsOrigins: settings.corsOrigins,
    bodyLimitBytes: settings.bodyLimitBytes,
    log,
    readiness,
    // The offline GraphiQL page at GET /graphql (browsers) and its files under /playground/;
    // loaded only when on (never in the Lambda bundle).
    ...(settings.playground ? (await import("./playground/playground.js")).loadPlayground() : {}),
    // The web app (dist/web) at `/`, when it was built; src/app.ts and dist/main.js alike sit
    // one folder below the checkout.
    web: loadWebAssets({
      dir: settings.webDir ?? path.resolve(__dirname, "..", "dist", "web"),
      connectOrigins: s3Origins({ ...backends.s3, region: backends.region }),
    }),
  };
  const respondTo = (req: HttpRequest) => respond(routes, req);
  const handler = createHttpHandler(respondTo);
  server.on("request", handler);

  return {
    schema,
    services,
    apollo,
    clients,
    authenticator,
    loaders,
    context,
    respond: respondTo,
    handler,
    ready: () => readiness.check(),
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const { port: actual } = server.address() as AddressInfo;
          const base = `http://${host.includes(":") ? `[${host}]` : host}:${actual}`;
          appUrl ??= base.replace("127.0.0.1", "localhost");
          resolve(base);
        });
      });
    },
    async close() {
      await apollo.stop();
      clients.destroy();
    },
  };
}
