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
const { mkdirSync, renameSync, writeFileSync } = require("node:fs");
const path = require("node:path");
const { childLifecycle } = require("./child-lifecycle.cjs");

const lifecycle = childLifecycle("ses-child.cjs");
const opts = JSON.parse(process.env.LOCAL_STACK_CHILD_OPTIONS || "{}");

const store = require("aws-ses-v2-local/dist/store");
const { createEmlContent } = require("aws-ses-v2-local/dist/emlFile");
const startServer = require("aws-ses-v2-local").default;

async function main() {
  mkdirSync(opts.mailDir, { recursive: true, mode: 0o700 });
  const saveEmail = store.saveEmail;
  // The send handlers call store.saveEmail through the module object, so this sees every message.
  store.saveEmail = (email) => {
    saveEmail(email);
    createEmlContent(email).then(
      ({ body }) => {
        const stamp = new Date(email.at * 1000).toISOString().replace(/[:.]/g, "-");
        const name = `${stamp}-${String(email.messageId).replace(/[^\w.-]/g, "_")}.eml`;
        // Written aside, then renamed: a reader of the folder never sees half a message.
        const file = path.join(opts.mailDir, name);
        writeFileSync(`${file}.partial`, body, { mode: 0o600 });
        renameSync(`${file}.partial`, file);
      },
      (err) => process.stderr.write(`could not write ${email.messageId} as .eml: ${err}\n`),
    );
  };
  // Always loopback: the stand-in's default host is every interface.
  const server = await startServer({ host: opts.host, port: opts.port });
  // Express 5 calls back even when listen failed (a taken port): check before reporting ready.
  if (!server.listening) {
    const err = new Error(`could not listen on ${opts.host}:${opts.port}`);
    err.code = "EADDRINUSE";
    throw err;
  }
  lifecycle.ready(server);
}

main().catch((err) => lifecycle.failed(err));
