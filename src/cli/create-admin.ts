import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { parseArgs } from "node:util";
import { createAdmin } from "../auth/admins.js";
import { ConfigError, readConfig } from "../config.js";
import { LocalStackInUseError, startLocalStack } from "../local/stack.js";
import type { LocalStack } from "../local/stack.js";
import { createLogger } from "../log.js";

const USAGE = `Usage: npm run create-admin -- --email <address> [--name "<full name>"]

Creates a portal administrator (a user in the Admins group) and prints a temporary password.
AWS mode (COGNITO_USER_POOL_ID etc. set): in that user pool, with the usual AWS credentials.
Local mode: in the local stack's pool (LOCAL_DATA_DIR, default ./.data).`;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const stdio: CliIo = {
  out: (t) => process.stdout.write(t + "\n"),
  err: (t) => process.stderr.write(t + "\n"),
};

/** Runs the command; resolves with the exit code. */
export async function runCreateAdmin(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  io: CliIo = stdio,
): Promise<number> {
  let email: string | undefined;
  let name: string | undefined;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        email: { type: "string" },
        name: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    email = values.email;
    name = values.name;
  } catch (err) {
    io.err(`create-admin: ${(err as Error).message}\n\n${USAGE}`);
    return 1;
  }
  if (!email?.trim()) {
    io.err(`create-admin: --email is required\n\n${USAGE}`);
    return 1;
  }

  let stack: LocalStack | undefined;
  let client: CognitoIdentityProviderClient | undefined;
  try {
    const config = readConfig(env);
    // Logs go to stderr: stdout carries only the result.
    // The stack's info lines are noise in a CLI; warnings and debug still show.
    const level = config.logLevel === "info" ? "warn" : config.logLevel;
    const log = createLogger(level, { service: "create-admin" }, (line) => io.err(line));
    let userPoolId: string;
    let where: string;
    if (config.aws) {
      const aws = config.aws;
      client = new CognitoIdentityProviderClient({
        region: aws.region,
        ...(aws.cognitoEndpoint ? { endpoint: aws.cognitoEndpoint } : {}),
      });
      userPoolId = aws.userPoolId;
      where = `user pool ${userPoolId}`;
    } else if (config.local) {
      const local = config.local;
      try {
        stack = await startLocalStack({
          dataDir: local.dataDir,
          adminEmail: local.adminEmail,
          ...(local.adminPassword ? { adminPassword: local.adminPassword } : {}),
          corsOrigins: config.corsOrigins,
          log,
        });
        client = new CognitoIdentityProviderClient({
          region: stack.region,
          endpoint: stack.cognito.endpoint,
          credentials: { ...stack.cognito.credentials },
        });
        userPoolId = stack.cognito.userPoolId;
      } catch (err) {
        // `npm start` is running on this folder: use its Cognito rather than fail.
        const holder = err instanceof LocalStackInUseError ? err.holder : undefined;
        if (!holder?.cognitoEndpoint || !holder.userPoolId) throw err;
        client = new CognitoIdentityProviderClient({
          region: "us-east-1",
          endpoint: holder.cognitoEndpoint,
          credentials: { accessKeyId: "local", secretAccessKey: "local" },
        });
        userPoolId = holder.userPoolId;
      }
      where = `the local user pool ${userPoolId} (${local.dataDir})`;
    } else {
      throw new Error("No Cognito user pool configured");
    }

    const created = await createAdmin(client, userPoolId, {
      email,
      ...(name?.trim() ? { name } : {}),
    });
    io.out(
      `Created admin ${email.trim().toLowerCase()} (username ${created.username}) in ${where}.`,
    );
    io.out(`Temporary password: ${created.temporaryPassword ?? "(none)"}`);
    io.out(
      "This password is shown only once. It must be replaced at first sign-in: the admin is asked to choose a new password.",
    );
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) io.err(`create-admin: ${err.message}`);
    else {
      const error = err as { name?: string; message?: string };
      const hint =
        error.name === "ResourceNotFoundException"
          ? " (does the user pool exist? check COGNITO_USER_POOL_ID and AWS_REGION)"
          : error.name === "CredentialsProviderError"
            ? " (no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)"
            : "";
      io.err(`create-admin: ${error.message ?? String(err)}${hint}`);
    }
    return 1;
  } finally {
    client?.destroy();
    await stack?.stop().catch(() => undefined);
  }
}

if (require.main === module) {
  void runCreateAdmin(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
