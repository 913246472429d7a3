import { Agent } from "node:http";
import { Worker } from "node:worker_threads";
import { post } from "../../helpers/post.js";
import type { HttpReply } from "../../helpers/post.js";

/** A keep-alive client for one base URL (one connection: requests go one after another). */
export function httpClient(baseUrl: string): {
  post(path: string, body: string, headers?: Record<string, string>): Promise<HttpReply>;
  close(): void;
} {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return {
    post: (path, body, headers = {}) => post(new URL(path, baseUrl), body, { agent, headers }),
    close: () => agent.destroy(),
  };
}

/** A GraphQL POST body. */
export function gql(query: string, variables?: Record<string, unknown>): string {
  return JSON.stringify(variables ? { query, variables } : { query });
}

export interface LoadRequest {
  readonly path: string;
  readonly body: string;
  readonly headers: Record<string, string>;
}

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly seconds: number;
  readonly perSecond: number;
}

// Runs in a worker thread, so the load generator has its own event loop (and, on two cores, its
// own core) while the server under test runs on the main thread. One thread serves every load of
// the process, one after another: starting a thread is a V8 isolate of its own each time.
const LOAD_WORKER = `
const { parentPort } = require("node:worker_threads");
const http = require("node:http");
parentPort.on("message", ({ url, requests, connections, durationMs }) => {
  const u = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  let count = 0, errors = 0, firstError, next = 0;
  const deadline = Date.now() + durationMs;
  const started = process.hrtime.bigint();
  function one(r) {
    return new Promise((resolve) => {
      const req = http.request({ agent, host: u.hostname, port: u.port, path: r.path, method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(r.body), ...r.headers } },
        (res) => {
          const chunks = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () => {
            const body = Buffer.concat(chunks).toString("utf8");
            if (res.statusCode !== 200 || body.includes('"errors"')) {
              errors++;
              if (!firstError) firstError = res.statusCode + " " + body.slice(0, 300);
            }
            count++;
            resolve();
          });
        });
      req.on("error", (e) => { errors++; count++; if (!firstError) firstError = String(e); resolve(); });
      req.end(r.body);
    });
  }
  async function loop() { while (Date.now() < deadline) await one(requests[next++ % requests.length]); }
  Promise.all(Array.from({ length: connections }, loop)).then(() => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    agent.destroy();
    parentPort.postMessage({ requests: count, errors, firstError, seconds, perSecond: count / seconds });
  });
});
`;

let loadWorker: Worker | undefined;
/** The loads asked for so far: each starts when the one before has answered. */
let loads: Promise<unknown> = Promise.resolve();

/** Sends the requests round-robin over `connections` keep-alive connections for `durationMs`. */
export function load(
  url: string,
  requests: readonly LoadRequest[],
  o: { connections: number; durationMs: number },
): Promise<LoadResult> {
  const run = () =>
    new Promise<LoadResult>((resolve, reject) => {
      if (!loadWorker) {
        const w = new Worker(LOAD_WORKER, { eval: true });
        // One that fails is replaced at the next load.
        w.once("error", () => {
          if (loadWorker === w) loadWorker = undefined;
        });
        loadWorker = w;
      }
      const w = loadWorker;
      // Between loads the idle thread does not keep the process alive.
      const failed = (err: Error) => {
        w.off("message", done);
        w.unref();
        reject(err);
      };
      const done = (m: LoadResult) => {
        w.off("error", failed);
        w.unref();
        resolve(m);
      };
      w.once("message", done);
      w.once("error", failed);
      w.ref();
      w.postMessage({ url, requests, connections: o.connections, durationMs: o.durationMs });
    });
  const result = loads.then(run, run);
  loads = result.catch(() => undefined);
  return result;
}
