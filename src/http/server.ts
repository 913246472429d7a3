import { randomUUID } from "node:crypto";
import type { IncomingMessage, RequestListener } from "node:http";
import { requestIdFrom } from "./request-id.js";
import type { HttpRequest, HttpResponse } from "./routes.js";

/**
 * The Node HTTP transport: turns each request into the route table's HttpRequest
 * (http/routes.ts) and writes its answer. Plain node:http: nothing here needs a framework.
 */
export function createHttpHandler(
  respond: (req: HttpRequest) => Promise<HttpResponse>,
): RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const headers = new Map<string, string>();
    for (const [name, value] of Object.entries(req.headers))
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    const declared = Number(req.headers["content-length"]);
    respond({
      method: req.method ?? "GET",
      path: url.pathname,
      search: url.search,
      headers,
      ...(Number.isFinite(declared) ? { declaredLength: declared } : {}),
      body: (limit) => readBody(req, limit),
      source: req.socket.remoteAddress ?? "unknown",
      requestId: requestIdFrom(req.headers["x-request-id"], randomUUID),
    })
      .then(async (response) => {
        res.statusCode = response.status;
        for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
        if (typeof response.body === "string" || Buffer.isBuffer(response.body)) {
          res.end(response.body);
          return;
        }
        for await (const chunk of response.body) res.write(chunk);
        res.end();
      })
      // A failure while answering or while writing the answer ends the connection, never the
      // process (an unhandled rejection would).
      .catch(() => res.destroy());
  };
}

/** The body as text, or null (the rest drained unread) once it passes `limit` bytes. */
async function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
