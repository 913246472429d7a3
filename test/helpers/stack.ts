import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { silentLogger } from "../../src/log.js";
import { startLocalStack } from "../../src/local/stack.js";
import type { LocalStack, LocalStackOptions } from "../../src/local/stack.js";

export const TEST_ADMIN_EMAIL = "admin@example.test";
export const TEST_CORS_ORIGIN = "http://localhost:5173";

/** Fresh temporary data folder for a test stack. */
export function makeTestDataDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), "portal-stack-"));
}

/** Deletes a test stack's data folder (call after stop()). */
export async function removeTestStackDir(stack: Pick<LocalStack, "dataDir">): Promise<void> {
  await rm(stack.dataDir, { recursive: true, force: true });
}

/**
 * A local stack on random ports in a fresh temp folder, silent, admin admin@example.test.
 * Registers nothing global: call `afterAll(() => stack.stop())`. When the helper created the
 * folder (no `dataDir` given), stop() also deletes it.
 */
export async function startTestStack(
  overrides: Partial<LocalStackOptions> = {},
): Promise<LocalStack> {
  const ownDir = overrides.dataDir === undefined;
  const dataDir = overrides.dataDir ?? (await makeTestDataDir());
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      dataDir,
      adminEmail: TEST_ADMIN_EMAIL,
      corsOrigins: [TEST_CORS_ORIGIN],
      log: silentLogger,
      cognitoPort: 0,
      s3Port: 0,
      ...overrides,
    });
  } catch (err) {
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  if (!ownDir) return stack;
  const stopStack = stack.stop;
  let stopped: Promise<void> | undefined;
  return {
    ...stack,
    stop: () => (stopped ??= stopStack().then(() => removeTestStackDir(stack))),
  };
}

/**
 * The environment that runs the API in AWS mode against a local stack's stand-ins (the AWS code
 * path: SSM-free secrets given directly, endpoints overridden).
 */
export function awsModeEnv(stack: LocalStack): Record<string, string> {
  return {
    AWS_REGION: stack.region,
    // s3rver checks the key id; cognito-local takes any.
    AWS_ACCESS_KEY_ID: stack.s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: stack.s3.credentials.secretAccessKey,
    COGNITO_USER_POOL_ID: stack.cognito.userPoolId,
    COGNITO_CLIENT_ID: stack.cognito.clientId,
    COGNITO_CLIENT_SECRET: stack.cognito.clientSecret,
    COGNITO_ENDPOINT: stack.cognito.endpoint,
    SESSION_SECRET: stack.sessionSecret.toString("base64"),
    S3_BUCKET: stack.s3.bucket,
    S3_ENDPOINT: stack.s3.endpoint,
  };
}
