"use strict";
/**
 * Runs s3rver in a process of its own, forked by src/local/stack.ts with
 * `--openssl-legacy-provider` (s3rver's continuation tokens use DES: without it any listing past
 * 1,000 keys fails with HTTP 500). Plain CommonJS so it runs from the tsc build and from vitest.
 *
 * Options come as JSON in env LOCAL_STACK_CHILD_OPTIONS:
 *   { host, port (0 = any), directory, bucket, corsXml (string or null = no CORS), verbose }
 * Reports `{ type: "ready", port }` or `{ type: "failed", message, code }` over IPC. Exits on
 * SIGTERM and when the IPC channel closes (the parent died, even by SIGKILL).
 */
const http = require("node:http");
const { setTimeout } = require("node:timers");
const S3rver = require("s3rver");

if (typeof process.send !== "function") {
  console.error("s3-child.cjs must be started with child_process.fork (it needs an IPC channel)");
  process.exit(2);
}

const opts = JSON.parse(process.env.LOCAL_STACK_CHILD_OPTIONS || "{}");

let server;
let closing = false;

function send(message) {
  try {
    if (process.connected) process.send(message);
  } catch {
    // The parent is gone; the disconnect handler ends this process.
  }
}

function shutdown(code) {
  if (closing) return;
  closing = true;
  if (!server || !server.listening) process.exit(code);
  server.close(() => process.exit(code));
  server.closeIdleConnections();
  setTimeout(() => {
    server.closeAllConnections();
    process.exit(code);
  }, 2000).unref();
}

process.on("SIGTERM", () => shutdown(0));
// Ctrl-C reaches the whole process group: the parent decides when this process stops.
process.on("SIGINT", () => {});
process.on("disconnect", () => shutdown(0));

async function main() {
  const s3rver = new S3rver({
    address: opts.host,
    port: opts.port,
    directory: opts.directory,
    silent: !opts.verbose,
    configureBuckets: [{ name: opts.bucket, configs: opts.corsXml ? [opts.corsXml] : [] }],
  });
  // Applied on every start, so changed origins take effect; no origins = no CORS at all.
  await s3rver.configureBuckets();
  if (!opts.corsXml) await s3rver.store.deleteSubresource(opts.bucket, undefined, "cors");

  // Our own http server rather than s3rver.run(): its listen() never rejects on EADDRINUSE.
  server = http.createServer(s3rver.callback());
  s3rver.httpServer = server;
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  send({ type: "ready", port: server.address().port });
}

main().catch((err) => {
  send({ type: "failed", message: String((err && err.message) || err), code: err && err.code });
  process.exit(1);
});
