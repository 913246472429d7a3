"use strict";
/**
 * Runs cognito-local in a process of its own, forked by src/local/stack.ts (plain CommonJS so
 * it runs unchanged from the tsc build and from vitest on the sources).
 *
 * Expects: cwd = the folder holding `.cognito/` (cognito-local fixes its data dir to
 * `<cwd>/.cognito`), env PORT and HOST (read by cognito-local when it loads), an IPC channel,
 * and LOCAL_STACK_CHILD_VERBOSE=1 for request logs. Reports `{ type: "ready", port }` or
 * `{ type: "failed", message, code }` to the parent. Exits on SIGTERM and when the IPC channel
 * closes (the parent died, even by SIGKILL).
 */

// cognito-local loads aws-sdk v2, which prints an end-of-support notice; must be set before it loads.
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = "1";

const { createRequire } = require("node:module");
const { setTimeout } = require("node:timers");

if (typeof process.send !== "function") {
  console.error(
    "cognito-child.cjs must be started with child_process.fork (it needs an IPC channel)",
  );
  process.exit(2);
}

const verbose = process.env.LOCAL_STACK_CHILD_VERBOSE === "1";
// pino is cognito-local's own dependency; resolve it from there rather than from the project.
const cognitoRequire = createRequire(require.resolve("cognito-local/package.json"));
const pino = cognitoRequire("pino");
const { createDefaultServer } = cognitoRequire("./lib/server/defaults.js");

// Its debug level also dumps whole data stores (users, passwords) on every write: let through
// only the per-request lines, and only when asked to.
const REQUEST_MESSAGES = new Set(["request completed", "request errored"]);
const logger = pino({
  level: verbose ? "debug" : "warn",
  base: undefined,
  hooks: {
    logMethod(args, method, level) {
      if (level < 30) {
        const msg = args.find((a) => typeof a === "string");
        if (!REQUEST_MESSAGES.has(msg)) return;
      }
      method.apply(this, args);
    },
  },
});

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
  if (!server) process.exit(code);
  // Let in-flight requests finish (their data-store writes complete before the response), but
  // do not wait on idle keep-alive sockets.
  server.close(() => process.exit(code));
  server.closeIdleConnections();
  setTimeout(() => {
    server.closeAllConnections();
    process.exit(code);
  }, 2000).unref();
}

process.on("SIGTERM", () => shutdown(0));
// Ctrl-C in a terminal reaches the whole process group: leave the decision to the parent, which
// stops this process after draining its own requests (or dies, which disconnects IPC).
process.on("SIGINT", () => {});
process.on("disconnect", () => shutdown(0));

createDefaultServer(logger)
  .then((s) => s.start())
  .then((httpServer) => {
    server = httpServer;
    const address = httpServer.address();
    send({ type: "ready", port: typeof address === "object" && address ? address.port : 0 });
  })
  .catch((err) => {
    send({ type: "failed", message: String((err && err.message) || err), code: err && err.code });
    process.exit(1);
  });
