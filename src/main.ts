import "reflect-metadata";
import { createApp } from "./app.js";
import type { App } from "./app.js";
import { awsBackends } from "./aws/backends.js";
import type { Backends } from "./aws/backends.js";
import type { Config } from "./config.js";
import { ConfigError, readConfig } from "./config.js";
import type { LocalStack } from "./local/stack.js";
import { createLogger } from "./log.js";

async function main(): Promise<void> {
  let config: Config;
  try {
    config = readConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n\nSee README.md (Configuration) for every setting.\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger(config.logLevel, { service: "portal-api" });
  // Process warnings (the AWS SDK's Node-version notice among them) become one structured line.
  process.removeAllListeners("warning");
  process.on("warning", (w) =>
    log.warn("process warning", { warning: w.name, detail: w.message.split("\n")[0] }),
  );

  let stack: LocalStack | undefined;
  let app: App | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    try {
      await app?.close();
      await stack?.stop();
    } finally {
      log.info("stopped");
      process.exit(0);
    }
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  try {
    let backends: Backends;
    if (config.mode === "local" && config.local) {
      const { startLocalStack, localBackends } = await import("./local/stack.js");
      log.info("starting local stand-ins for Cognito, S3 and SES", {
        dataDir: config.local.dataDir,
      });
      stack = await startLocalStack({
        dataDir: config.local.dataDir,
        adminEmail: config.local.adminEmail,
        ...(config.local.adminPassword ? { adminPassword: config.local.adminPassword } : {}),
        corsOrigins: config.corsOrigins,
        log: log.child({ component: "local-stack" }),
      });
      backends = localBackends(stack, config.awsTimeoutMs);
    } else {
      backends = await awsBackends(config);
    }
    app = await createApp(config, backends, log);
    const base = await app.listen(config.port, config.host);
    const url = `${base.replace("127.0.0.1", "localhost")}/graphql`;
    log.info("listening", { url, mode: config.mode });
    if (stack) printBanner(url, stack, config);
  } catch (err) {
    log.error("start-up failed", { err });
    await app?.close().catch(() => undefined);
    await stack?.stop().catch(() => undefined);
    process.exit(1);
  }
}

function printBanner(url: string, stack: LocalStack, config: Config) {
  const lines = [
    "",
    "  Customer file portal API (local stack)",
    "",
    `  GraphQL:        ${url}`,
    `  Admin email:    ${stack.admin.email}`,
    `  Admin password: ${stack.admin.password}`,
    `  Data folder:    ${stack.dataDir}`,
    `  Cognito (local): ${stack.cognito.endpoint}  pool ${stack.cognito.userPoolId}`,
    `  S3 (local):      ${stack.s3.endpoint}  bucket ${stack.s3.bucket}`,
    `  Mail (local):    inbox ${stack.ses.endpoint}/  and .eml files in ${stack.ses.mailDir}`,
    `  CORS origins:    ${config.corsOrigins.join(", ") || "(none)"}`,
    "",
    '  Sign in: mutation { signIn(email: "…", password: "…") { ... on AuthTokens { accessToken } } }',
    "  then send 'Authorization: Bearer <accessToken>'. Ctrl-C stops everything.",
    "",
  ];
  process.stderr.write(lines.join("\n") + "\n");
}

if (require.main === module) void main();
