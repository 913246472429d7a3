import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { CreateBucketCommand, PutBucketCorsCommand, S3Client } from "@aws-sdk/client-s3";
import type { CORSRule } from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { Sealer } from "../../src/common/sealer.js";
import { seedCognito } from "../../src/local/seed.js";
import { silentLogger } from "../../src/log.js";
import { startLocalStack } from "../../src/local/stack.js";
import type { LocalStack, LocalStackOptions } from "../../src/local/stack.js";

export const TEST_ADMIN_EMAIL = "admin@example.test";
export const TEST_CORS_ORIGIN = "http://localhost:5173";

/** Fresh temporary data folder for a test stack. */
export function makeTestDataDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), "portal-stack-"));
}

/** An http URL on loopback where nothing listens: a connection to it is refused at once. */
export async function refusingUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/** Deletes a test stack's data folder (call after stop()). */
export async function removeTestStackDir(stack: Pick<LocalStack, "dataDir">): Promise<void> {
  await rm(stack.dataDir, { recursive: true, force: true });
}

/** What a running stack is, as plain data: how test files reach the run's shared stack. */
export interface StackAddress {
  readonly dataDir: string;
  readonly region: string;
  readonly cognito: LocalStack["cognito"];
  readonly s3: LocalStack["s3"];
  readonly ses: LocalStack["ses"];
  readonly admin: LocalStack["admin"];
  /** base64 */
  readonly sessionSecret: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    /** The stack test/global-setup.ts started for the whole run (projects that use it). */
    sharedStack: StackAddress | undefined;
  }
}

export function addressOf(stack: LocalStack): StackAddress {
  const { dataDir, region, cognito, s3, ses, admin } = stack;
  return {
    dataDir,
    region,
    cognito,
    s3,
    ses,
    admin,
    sessionSecret: stack.sessionSecret.toString("base64"),
  };
}

const notOwned = (what: string) => () =>
  Promise.reject(
    new Error(`${what}: the shared test stack is not this file's; use startPrivateTestStack()`),
  );

/**
 * This test file's place on the run's shared local stack (started once by test/global-setup.ts),
 * when the project has one: the same stand-in processes, but a user pool (app client, groups,
 * admin) and a bucket of the file's own, so no file sees another's users, files or admin
 * changes. Its stop() leaves the processes running; stopping or restarting a stand-in is refused
 * (fault tests start a private stack).
 */
async function placeOnSharedStack(
  corsOrigins: readonly string[] = [TEST_CORS_ORIGIN],
): Promise<LocalStack | undefined> {
  // Loaded here, not at the top: the benchmark (no vitest) imports this module too.
  const { inject } = await import("vitest");
  const address = inject("sharedStack");
  if (!address) return undefined;
  const cognito = new CognitoIdentityProviderClient({
    region: address.region,
    endpoint: address.cognito.endpoint,
    credentials: { ...address.cognito.credentials },
  });
  const s3 = new S3Client({
    region: address.region,
    endpoint: address.s3.endpoint,
    forcePathStyle: true,
    credentials: { ...address.s3.credentials },
  });
  try {
    const bucket = `test-${randomBytes(8).toString("hex")}`;
    const [seeded] = await Promise.all([
      seedCognito(cognito, {}, { adminEmail: TEST_ADMIN_EMAIL, log: silentLogger }),
      s3.send(new CreateBucketCommand({ Bucket: bucket })).then(() =>
        s3.send(
          new PutBucketCorsCommand({
            Bucket: bucket,
            CORSConfiguration: { CORSRules: [corsRule([...corsOrigins])] },
          }),
        ),
      ),
    ]);
    const issuer = `${address.cognito.endpoint}/${seeded.userPoolId}`;
    return {
      dataDir: address.dataDir,
      region: address.region,
      cognito: {
        ...address.cognito,
        userPoolId: seeded.userPoolId,
        clientId: seeded.clientId,
        clientSecret: seeded.clientSecret,
        issuer,
        jwksUri: `${issuer}/.well-known/jwks.json`,
      },
      s3: { ...address.s3, bucket },
      ses: address.ses,
      admin: {
        email: TEST_ADMIN_EMAIL,
        username: seeded.adminUsername,
        password: seeded.adminPassword,
      },
      sessionSecret: Buffer.from(Sealer.newSecret(), "base64"),
      childPids: () => ({ cognito: undefined, s3: undefined, ses: undefined }),
      stopCognito: notOwned("stopCognito"),
      startCognito: notOwned("startCognito"),
      stopS3: notOwned("stopS3"),
      startS3: notOwned("startS3"),
      stopSes: notOwned("stopSes"),
      startSes: notOwned("startSes"),
      stop: () => Promise.resolve(),
    };
  } finally {
    cognito.destroy();
    s3.destroy();
  }
}

/** The bucket CORS rule a browser needs for presigned PUT/GET from `origins`. */
export function corsRule(origins: string[]): CORSRule {
  return {
    AllowedOrigins: origins,
    AllowedMethods: ["GET", "PUT", "HEAD"],
    AllowedHeaders: ["*"],
    ExposeHeaders: ["ETag"],
    MaxAgeSeconds: 3000,
  };
}

/**
 * A local stack for a test file: its own place on the run's shared stand-ins when the project
 * has them and no options but the bucket's CORS origins are given, else a private stack (see
 * startPrivateTestStack).
 */
export async function startTestStack(
  overrides: Partial<LocalStackOptions> = {},
): Promise<LocalStack> {
  const { corsOrigins, ...others } = overrides;
  return (
    (Object.keys(others).length === 0 ? await placeOnSharedStack(corsOrigins) : undefined) ??
    startPrivateTestStack(overrides)
  );
}

/**
 * A local stack on random ports in a fresh temp folder, silent, admin admin@example.test, for
 * this test file alone. Registers nothing global: call `afterAll(() => stack.stop())`. When the
 * helper created the folder (no `dataDir` given), stop() also deletes it.
 */
export async function startPrivateTestStack(
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
