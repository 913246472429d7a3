import "reflect-metadata";
import { createServer } from "node:net";
import { createApp } from "./app.js";
import type { App } from "./app.js";
import { awsBackends } from "./backends.js";
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
  // Process warnings (the AWS SDK's Node-version notice among them) become one structured line
  // each, whole, and each only once however often it is emitted.
  process.removeAllListeners("warning");
  const warned = new Set<string>();
  process.on("warning", (warning) => {
    const key = `${warning.name}: ${warning.message}`;
    if (warned.has(key)) return;
    warned.add(key);
    log.warn("process warning", { warning: warning.name, detail: warning.message });
  });

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
      // Said before anything starts: the two mistakes a first run meets.
      const problem = (await portProblem(config.port, config.host)) ?? missingLocalStack();
      if (problem) {
        process.stderr.write(`${problem}\n`);
        process.exit(1);
      }
      const { startLocalStack, localBackends } = await import("./local/stack.js");
      log.info("starting local stand-ins for Cognito, S3 and SES", {
        dataDir: config.local.dataDir,
      });
      stack = await startLocalStack({
        dataDir: config.local.dataDir,
        adminEmail: config.local.adminEmail,
        ...(config.local.adminPassword ? { adminPassword: config.local.adminPassword } : {}),
        // The web app is served by this process: its own origin uploads to the bucket too.
        corsOrigins: [...config.corsOrigins, ...ownOrigins(config.port)],
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

/** One line saying why this server cannot listen on host:port, or null when it can. */
async function portProblem(port: number, host: string): Promise<string | null> {
  if (port === 0) return null;
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, resolve);
    });
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === "EADDRINUSE"
      ? `Port ${port} on ${host} is already in use (another npm start?). Stop that process, or set PORT to a free port.`
      : `Cannot listen on ${host}:${port}: ${code ?? String(err)}.`;
  } finally {
    server.close();
  }
}

/** One line when the local stand-ins are not installed (a production install omits them). */
function missingLocalStack(): string | null {
  try {
    for (const packageName of ["cognito-local", "s3rver", "aws-ses-v2-local"])
      require.resolve(`${packageName}/package.json`);
    return null;
  } catch {
    return "The local stack needs the development dependencies (npm install, not npm ci --omit=dev); a production install runs in AWS mode (see README.md, Configuration).";
  }
}

/** The origins a browser may open this server under locally (none known for a random port). */
function ownOrigins(port: number): string[] {
  return port === 0 ? [] : [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
}

function printBanner(url: string, stack: LocalStack, config: Config) {
  const lines = [
    "",
    "  Customer file portal API (local stack)",
    "",
    `  Web app:        ${url.replace(/\/graphql$/, "/")}`,
    `  GraphQL:        ${url}`,
    `  Admin email:    ${stack.admin.email}`,
    `  Admin password: ${stack.admin.password}`,
    `  Data folder:    ${stack.dataDir}`,
    `  Cognito (local): ${stack.cognito.endpoint}  pool ${stack.cognito.userPoolId}`,
    `  S3 (local):      ${stack.s3.endpoint}  bucket ${stack.s3.bucket}`,
    `  Mail (local):    inbox ${stack.ses.endpoint}/  and .eml files in ${stack.ses.mailDir}`,
    `  CORS origins:    ${[...config.corsOrigins, ...ownOrigins(config.port)].join(", ") || "(none)"}`,
    "",
    '  Sign in: mutation { signIn(email: "…", password: "…") { ... on AuthTokens { accessToken } } }',
    "  then send 'Authorization: Bearer <accessToken>'. Ctrl-C stops everything.",
    "",
  ];
  process.stderr.write(lines.join("\n") + "\n");
}

if (require.main === module) void main();
