"use strict";
/**
 * What the emulator children share: talking to the parent over IPC, stopping cleanly on SIGTERM
 * or when the parent goes away (IPC disconnect, even after a SIGKILL), and replacing a file so
 * that a reader never sees half of it. Ctrl-C reaches the whole process group, so SIGINT is left
 * to the parent, which drains its own requests first.
 */
const { renameSync, writeFileSync } = require("node:fs");
const { setTimeout } = require("node:timers");

function childLifecycle(scriptName) {
  if (typeof process.send !== "function") {
    console.error(
      `${scriptName} must be started with child_process.fork (it needs an IPC channel)`,
    );
    process.exit(2);
  }
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
    // Let in-flight requests finish (their writes complete before the response), but do not
    // wait on idle keep-alive sockets.
    server.close(() => process.exit(code));
    server.closeIdleConnections();
    setTimeout(() => {
      server.closeAllConnections();
      process.exit(code);
    }, 2000).unref();
  }

  process.on("SIGTERM", () => shutdown(0));
  process.on("SIGINT", () => {});
  process.on("disconnect", () => shutdown(0));

  return {
    /** Report readiness once `httpServer` listens. */
    ready(httpServer) {
      server = httpServer;
      const address = httpServer.address();
      send({ type: "ready", port: typeof address === "object" && address ? address.port : 0 });
    },
    failed(err) {
      send({ type: "failed", message: String((err && err.message) || err), code: err && err.code });
      process.exit(1);
    },
  };
}

/** Writes `data` beside `file`, then renames it over `file`: a reader sees the old or the new. */
function replaceFileSync(file, data, options) {
  writeFileSync(`${file}.partial`, data, options);
  renameSync(`${file}.partial`, file);
}

module.exports = { childLifecycle, replaceFileSync };
