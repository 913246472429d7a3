"use strict";
/**
 * Runs aws-ses-v2-local (an SES v2 stand-in) in a process of its own, forked by
 * src/local/stack.ts, so the API sends mail locally through the same SES v2 SendEmail call as on
 * AWS. Every message it accepts is also written as one RFC 5322 file, `<mailDir>/<time>-<id>.eml`
 * (the stand-in itself keeps mail in memory only). Its web inbox is at `/` on its port.
 *
 * Options come as JSON in env LOCAL_STACK_CHILD_OPTIONS: { host, port (0 = any), mailDir }.
 * Reports `{ type: "ready", port }` or `{ type: "failed", message, code }` over IPC. Exits on
 * SIGTERM and when the IPC channel closes (the parent died, even by SIGKILL).
 */
const { mkdirSync } = require("node:fs");
const http = require("node:http");
const path = require("node:path");
const { childLifecycle, replaceFileSync } = require("./child-lifecycle.cjs");

const lifecycle = childLifecycle("ses-child.cjs");
const opts = JSON.parse(process.env.LOCAL_STACK_CHILD_OPTIONS || "{}");

/**
 * aws-ses-v2-local's request handler, loaded at the first request: the package (Express, its
 * mail parser, template engine and HTML-to-text converter) takes most of this process's start-up,
 * and most stacks — a test file's above all — never send a message. Its server function builds
 * an Express app and calls `app.listen`; here that call hands the app over instead, and this
 * process's own server, already listening, passes it every request.
 */
function loadStandIn() {
  const store = require("aws-ses-v2-local/dist/store");
  const { createEmlContent } = require("aws-ses-v2-local/dist/emlFile");
  const express = require(
    require.resolve("express", {
      paths: [path.dirname(require.resolve("aws-ses-v2-local/package.json"))],
    }),
  );
  const saveEmail = store.saveEmail;
  // The send handlers call store.saveEmail through the module object, so this sees every message.
  store.saveEmail = (email) => {
    saveEmail(email);
    createEmlContent(email).then(
      ({ body }) => {
        const stamp = new Date(email.at * 1000).toISOString().replace(/[:.]/g, "-");
        const name = `${stamp}-${String(email.messageId).replace(/[^\w.-]/g, "_")}.eml`;
        replaceFileSync(path.join(opts.mailDir, name), body, { mode: 0o600 });
      },
      (err) => process.stderr.write(`could not write ${email.messageId} as .eml: ${err}\n`),
    );
  };
  const listen = express.application.listen;
  // Its listen callback (resolving the server function's promise) is never called: nothing waits
  // on that promise.
  let app;
  const takeApp = (built) => {
    app = built;
    return server;
  };
  express.application.listen = function () {
    return takeApp(this);
  };
  try {
    require("aws-ses-v2-local").default({ host: opts.host, port: opts.port });
  } finally {
    express.application.listen = listen;
  }
  if (!app) throw new Error("aws-ses-v2-local did not build its app");
  return app;
}

/** The stand-in, loaded at the first request, once: a failure is said once and kept. */
let loaded;
function standIn() {
  if (!loaded) {
    try {
      loaded = { app: loadStandIn() };
    } catch (err) {
      process.stderr.write(`aws-ses-v2-local could not load: ${(err && err.stack) || err}\n`);
      loaded = {};
    }
  }
  return loaded.app;
}

const server = http.createServer((req, res) => {
  const app = standIn();
  if (app) app(req, res);
  else
    res.writeHead(500, { "content-type": "text/plain" }).end("the SES stand-in could not load\n");
});
server.on("error", (err) => lifecycle.failed(err));
mkdirSync(opts.mailDir, { recursive: true, mode: 0o700 });
// Always loopback: the stand-in's default host is every interface.
server.listen(opts.port, opts.host, () => lifecycle.ready(server));
