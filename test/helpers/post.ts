import { Agent, request } from "node:http";
import type { IncomingHttpHeaders } from "node:http";

export interface HttpReply {
  readonly status: number;
  readonly body: string;
}

/**
 * One POST with node:http (a connection of its own unless `agent` keeps one), from `localAddress`
 * when given: a client at another loopback address is another source to the API.
 */
export function post(
  url: URL,
  body: string,
  options: { agent?: Agent; localAddress?: string; headers?: Record<string, string> } = {},
): Promise<HttpReply & { headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        ...(options.agent ? { agent: options.agent } : {}),
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
            headers: res.headers,
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Connections kept open between requests, as fetch keeps them. */
const keepAlive = new Agent({ keepAlive: true });

/**
 * POSTs `body` as JSON over a kept-alive connection and parses the JSON answer. The suites send
 * thousands of GraphQL requests over HTTP, and fetch (undici, WHATWG streams) spends several times
 * node:http's CPU time on each (docs/performance.md, "The test suite").
 */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: unknown }> {
  const res = await post(new URL(url), JSON.stringify(body), { agent: keepAlive, headers });
  let json: unknown;
  try {
    json = JSON.parse(res.body);
  } catch (err) {
    throw new Error(`${url} answered ${res.status} with no JSON: ${res.body.slice(0, 200)}`, {
      cause: err,
    });
  }
  const answer = new Headers();
  for (const [name, value] of Object.entries(res.headers))
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value])
      answer.append(name, v);
  return { status: res.status, headers: answer, json };
}
