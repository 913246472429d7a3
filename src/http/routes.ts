import type { ApolloServer, HTTPGraphQLRequest } from "@apollo/server";
import { HeaderMap } from "@apollo/server";
import type { ContextRequest } from "../auth/request-context.js";
import type { Context } from "../auth/context.js";
import type { Logger } from "../log.js";
import type { Readiness } from "./readiness.js";
import type { WebAssets } from "./web-assets.js";

/**
 * Every route the API answers, in one table shared by the Node HTTP server (http/server.ts) and
 * the Lambda handler (lambda.ts): each turns its own request into an `HttpRequest`, calls
 * `respond`, and writes the `HttpResponse` back. CORS, the body limit, error envelopes and the
 * access-log line are decided here once.
 */
export interface HttpRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** The query string with its "?", or "". */
  readonly search: string;
  /** Lower-case names. */
  readonly headers: ReadonlyMap<string, string>;
  /** The body's length when the transport knows it up front (Content-Length, Lambda's body). */
  readonly declaredLength?: number;
  /** Reads the body, stopping past `limit` bytes (then resolves to null). */
  body(limit: number): Promise<string | null>;
  /** The client's address. */
  readonly source: string;
  readonly requestId: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** A whole body, or chunks (GraphQL incremental delivery) for transports that stream. */
  readonly body: string | Buffer | AsyncIterable<string>;
}

export interface RouterOptions {
  readonly apollo: ApolloServer<Context>;
  readonly context: (req: ContextRequest) => Promise<Context>;
  readonly corsOrigins: readonly string[];
  readonly bodyLimitBytes: number;
  readonly log: Logger;
  readonly readiness: Readiness;
  /** HTML served at GET /graphql to browsers (the offline playground), or none. */
  readonly playgroundHtml?: () => string;
  /** The playground's static files, path → body and type. */
  readonly assets?: ReadonlyMap<string, { type: string; body: Buffer }>;
  /** The web app at `/` (dist/web), or undefined when it was not built. */
  readonly web?: WebAssets;
}

const ALLOWED_HEADERS =
  "authorization, content-type, apollo-require-preflight, x-apollo-operation-name, x-request-id";

type Handler = (options: RouterOptions, req: HttpRequest) => Promise<HttpResponse> | HttpResponse;

/** The fixed routes, by path; anything else goes to the playground's files, the web app, or 404. */
const ROUTES: Readonly<Record<string, Handler>> = {
  "/healthz": () => json(200, { status: "ok" }),
  "/readyz": async (options) => {
    const readiness = await options.readiness.check();
    return json(readiness.ok ? 200 : 503, {
      status: readiness.ok ? "ready" : "unavailable",
      checks: readiness.checks,
    });
  },
  "/graphql": graphql,
  "/graphql/": graphql,
};

/** Answers one request, with CORS headers, the request id and one access-log line. */
export async function respond(options: RouterOptions, req: HttpRequest): Promise<HttpResponse> {
  const started = process.hrtime.bigint();
  let res: HttpResponse;
  try {
    res = await route(options, req);
  } catch (err) {
    options.log.error("unhandled error in HTTP layer", { requestId: req.requestId, err });
    res = failure(500, "INTERNAL_SERVER_ERROR", "Internal server error", req.requestId);
  }
  const origin = req.headers.get("origin");
  const cors: Record<string, string> =
    origin !== undefined && options.corsOrigins.includes(origin)
      ? {
          "access-control-allow-origin": origin,
          vary: "Origin",
          "access-control-expose-headers": "x-request-id",
        }
      : {};
  options.log.info("request", {
    requestId: req.requestId,
    method: req.method,
    path: req.path,
    status: res.status,
    ms: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10,
  });
  return { ...res, headers: { ...res.headers, ...cors, "x-request-id": req.requestId } };
}

async function route(options: RouterOptions, req: HttpRequest): Promise<HttpResponse> {
  if (req.method === "OPTIONS") {
    const origin = req.headers.get("origin");
    const allowed = origin !== undefined && options.corsOrigins.includes(origin);
    return {
      status: 204,
      headers: allowed
        ? {
            "access-control-allow-methods": "GET, POST, OPTIONS",
            "access-control-allow-headers": ALLOWED_HEADERS,
            "access-control-max-age": "600",
          }
        : {},
      body: "",
    };
  }
  const fixed = ROUTES[req.path];
  if (fixed) return fixed(options, req);
  const asset = req.method === "GET" ? options.assets?.get(req.path) : undefined;
  if (asset)
    return {
      status: 200,
      headers: { "content-type": asset.type, "cache-control": "public, max-age=3600" },
      body: asset.body,
    };
  const page = options.web?.respond(req.method, req.path, req.headers.get("accept"));
  if (page) return { ...page, body: req.method === "HEAD" ? "" : page.body };
  return failure(404, "NOT_FOUND", "Not found: the API lives at /graphql");
}

async function graphql(options: RouterOptions, req: HttpRequest): Promise<HttpResponse> {
  if (req.method !== "GET" && req.method !== "POST")
    return {
      ...failure(405, "BAD_REQUEST", "Use GET or POST"),
      headers: { ...JSON_TYPE, allow: "GET, POST, OPTIONS" },
    };
  if (
    req.method === "GET" &&
    options.playgroundHtml &&
    !req.search &&
    (req.headers.get("accept") ?? "").includes("text/html")
  )
    return {
      status: 200,
      headers: { "content-type": "text/html; charset=utf-8" },
      body: options.playgroundHtml(),
    };

  const tooLarge = () =>
    failure(413, "BAD_REQUEST", `Request body larger than ${options.bodyLimitBytes} bytes`);
  let body: unknown;
  if (req.method === "POST") {
    if ((req.declaredLength ?? 0) > options.bodyLimitBytes) return tooLarge();
    const text = await req.body(options.bodyLimitBytes);
    if (text === null) return tooLarge();
    body = text;
    if ((req.headers.get("content-type") ?? "").toLowerCase().startsWith("application/json")) {
      try {
        body = JSON.parse(text);
      } catch {
        return failure(400, "BAD_REQUEST", "The request body is not valid JSON");
      }
    }
  }
  const headers = new HeaderMap();
  for (const [name, value] of req.headers) headers.set(name, value);
  const httpGraphQLRequest: HTTPGraphQLRequest = {
    method: req.method,
    headers,
    search: req.search,
    body,
  };
  const response = await options.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest,
    context: () =>
      options.context({
        authorization: req.headers.get("authorization"),
        requestId: req.requestId,
        source: req.source,
      }),
  });
  return {
    status: response.status ?? 200,
    headers: Object.fromEntries(response.headers),
    body: response.body.kind === "complete" ? response.body.string : response.body.asyncIterator,
  };
}

const JSON_TYPE = { "content-type": "application/json; charset=utf-8" };

function json(status: number, body: unknown): HttpResponse {
  return { status, headers: JSON_TYPE, body: JSON.stringify(body) };
}

/** The error envelope of every non-GraphQL answer: GraphQL's own shape, with a public code. */
function failure(status: number, code: string, message: string, requestId?: string): HttpResponse {
  return json(status, {
    errors: [{ message, extensions: { code, ...(requestId ? { requestId } : {}) } }],
  });
}
