import type { ApolloServer, HTTPGraphQLRequest } from "@apollo/server";
import { HeaderMap } from "@apollo/server";
import { randomUUID } from "node:crypto";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { Context } from "../graphql/context.js";
import type { Logger } from "../log.js";
import { requestIdFrom } from "./request-id.js";

export interface HttpOptions {
  readonly apollo: ApolloServer<Context>;
  /** Builds the per-request context; throws a GraphQLError (UNAUTHENTICATED) for a bad token. */
  readonly context: (req: {
    authorization: string | undefined;
    requestId: string;
    source: string;
  }) => Promise<Context>;
  readonly corsOrigins: readonly string[];
  readonly bodyLimitBytes: number;
  readonly log: Logger;
  /** Answers /readyz: true when Cognito and S3 answer. */
  readonly ready: () => Promise<{ ok: boolean; checks: Record<string, boolean> }>;
  /** HTML served at GET /graphql to browsers, or undefined for none. */
  readonly playgroundHtml?: () => string;
  /** Extra static routes (playground assets), path → body and type. */
  readonly assets?: ReadonlyMap<string, { type: string; body: Buffer }>;
}

const ALLOWED_HEADERS =
  "authorization, content-type, apollo-require-preflight, x-apollo-operation-name, x-request-id";

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The HTTP layer: POST/GET /graphql through Apollo, /healthz, /readyz, CORS allowlist, a body
 * size limit, a request id on every response and log line, one access-log line per request.
 * Plain node:http: nothing here needs a framework, and every layer costs throughput.
 */
export function createHttpHandler(o: HttpOptions): RequestListener {
  const origins = new Set(o.corsOrigins);
  return (req, res) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdFrom(req.headers["x-request-id"], randomUUID);
    res.setHeader("x-request-id", requestId);
    const origin = req.headers.origin;
    if (origin !== undefined && origins.has(origin)) {
      res.setHeader("access-control-allow-origin", origin);
      res.setHeader("vary", "Origin");
      res.setHeader("access-control-expose-headers", "x-request-id");
    }
    res.on("finish", () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      o.log.info("request", {
        requestId,
        method: req.method,
        path: (req.url ?? "").split("?")[0],
        status: res.statusCode,
        ms: Math.round(ms * 10) / 10,
      });
    });
    route(o, req, res, requestId).catch((err: unknown) => {
      if (err instanceof HttpError) {
        sendJson(res, err.status, {
          errors: [{ message: err.message, extensions: { code: "BAD_REQUEST" } }],
        });
        return;
      }
      o.log.error("unhandled error in HTTP layer", { requestId, err });
      if (!res.headersSent)
        sendJson(res, 500, {
          errors: [
            {
              message: "Internal server error",
              extensions: { code: "INTERNAL_SERVER_ERROR", requestId },
            },
          ],
        });
      else res.destroy();
    });
  };
}

async function route(o: HttpOptions, req: IncomingMessage, res: ServerResponse, requestId: string) {
  const url = new URL(req.url ?? "/", "http://localhost");
  const method = req.method ?? "GET";
  if (method === "OPTIONS") {
    const origin = req.headers.origin;
    if (origin !== undefined && o.corsOrigins.includes(origin)) {
      res.setHeader("access-control-allow-methods", "GET, POST, OPTIONS");
      res.setHeader("access-control-allow-headers", ALLOWED_HEADERS);
      res.setHeader("access-control-max-age", "600");
    }
    res.statusCode = 204;
    res.end();
    return;
  }
  switch (url.pathname) {
    case "/healthz":
      return sendJson(res, 200, { status: "ok" });
    case "/readyz": {
      const r = await o.ready();
      return sendJson(res, r.ok ? 200 : 503, {
        status: r.ok ? "ready" : "unavailable",
        checks: r.checks,
      });
    }
    case "/graphql":
    case "/graphql/":
      break;
    default: {
      const asset = o.assets?.get(url.pathname);
      if (asset && method === "GET") {
        res.statusCode = 200;
        res.setHeader("content-type", asset.type);
        res.setHeader("cache-control", "public, max-age=3600");
        res.end(asset.body);
        return;
      }
      return sendJson(res, 404, {
        errors: [
          { message: "Not found: the API lives at /graphql", extensions: { code: "NOT_FOUND" } },
        ],
      });
    }
  }
  if (method !== "GET" && method !== "POST") {
    res.setHeader("allow", "GET, POST, OPTIONS");
    return sendJson(res, 405, {
      errors: [{ message: "Use GET or POST", extensions: { code: "BAD_REQUEST" } }],
    });
  }
  if (
    method === "GET" &&
    o.playgroundHtml &&
    !url.search &&
    (req.headers.accept ?? "").includes("text/html")
  ) {
    res.statusCode = 200;
    res.setHeader("content-type", "text/html; charset=utf-8");
    res.end(o.playgroundHtml());
    return;
  }

  const headers = new HeaderMap();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
  }
  const body =
    method === "POST"
      ? await readBody(req, o.bodyLimitBytes, headers.get("content-type"))
      : undefined;
  const httpGraphQLRequest: HTTPGraphQLRequest = { method, headers, search: url.search, body };
  const authorization = req.headers.authorization;
  const response = await o.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest,
    context: () =>
      o.context({ authorization, requestId, source: req.socket.remoteAddress ?? "unknown" }),
  });
  for (const [k, v] of response.headers) res.setHeader(k, v);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === "complete") {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

async function readBody(
  req: IncomingMessage,
  limit: number,
  contentType: string | undefined,
): Promise<unknown> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) {
    req.resume();
    throw new HttpError(413, `Request body larger than ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw new HttpError(413, `Request body larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (!(contentType ?? "").toLowerCase().startsWith("application/json")) return text;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "The request body is not valid JSON");
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.statusCode = status;
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.end(JSON.stringify(body));
}
