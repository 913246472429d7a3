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
const { childLifecycle } = require("./child-lifecycle.cjs");
const S3rver = require("s3rver");

const lifecycle = childLifecycle("s3-child.cjs");
const opts = JSON.parse(process.env.LOCAL_STACK_CHILD_OPTIONS || "{}");

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
  const server = http.createServer(s3rver.callback());
  s3rver.httpServer = server;
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  lifecycle.ready(server);
}

main().catch((err) => lifecycle.failed(err));
