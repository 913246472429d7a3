import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { S3Client } from "@aws-sdk/client-s3";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Backends } from "../aws/backends.js";
import { Sealer } from "../common/sealer.js";
import type { Logger } from "../log.js";
import {
  EmulatorProcess,
  EmulatorStartError,
  bundledChildScript,
  childScript,
  findFreePort,
} from "./emulator-process.js";
import { lockDataDir } from "./lock.js";
import { seedCognito } from "./seed.js";
import { readState, stateFile, writeState } from "./state.js";

export { LocalStackInUseError, readLock } from "./lock.js";
export type { LockInfo } from "./lock.js";

export interface LocalStackOptions {
  /** Absolute; created if missing; holds ALL local state. */
  dataDir: string;
  /** Seeded admin (lowercase). */
  adminEmail: string;
  /**
   * If unset: generated on first start, kept in dataDir, reused and returned on every later
   * start. If set and different from the kept one, the admin's password is set to it (and kept).
   */
  adminPassword?: string;
  /** Bucket CORS AllowedOrigins; empty = no CORS rule. */
  corsOrigins: readonly string[];
  log: Logger;
  /**
   * 0 or undefined: a free port on 127.0.0.1, preferring the one used last time on this dataDir
   * (so endpoints and the token issuer stay the same across restarts when possible).
   */
  cognitoPort?: number;
  /** Idem. */
  s3Port?: number;
  /** Idem. */
  sesPort?: number;
  /** Emulator request logs (to log.debug). Default: on when LOG_LEVEL=debug. */
  emulatorLogs?: boolean;
  /** How long to wait for each emulator to listen. Default 20 s. */
  readyTimeoutMs?: number;
}

export interface LocalStack {
  readonly dataDir: string;
  readonly region: string;
  readonly cognito: {
    endpoint: string;
    userPoolId: string;
    clientId: string;
    clientSecret: string;
    issuer: string;
    jwksUri: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  readonly s3: {
    endpoint: string;
    bucket: string;
    credentials: { accessKeyId: "S3RVER"; secretAccessKey: "S3RVER" };
  };
  /** The SES v2 stand-in: its API endpoint (also its web inbox) and the folder of .eml copies. */
  readonly ses: { endpoint: string; mailDir: string };
  readonly admin: { email: string; username: string; password: string };
  /** The server secret (kept in the data folder, generated on first start). */
  readonly sessionSecret: Buffer;
  /** Process ids of the running children (undefined when stopped). */
  childPids(): {
    cognito: number | undefined;
    s3: number | undefined;
    ses: number | undefined;
  };
  /** Restart on the SAME port (fault-injection tests use these). */
  stopCognito(): Promise<void>;
  startCognito(): Promise<void>;
  stopS3(): Promise<void>;
  startS3(): Promise<void>;
  stopSes(): Promise<void>;
  startSes(): Promise<void>;
  /** Stops both children, idempotent. */
  stop(): Promise<void>;
}

export const LOCAL_REGION = "us-east-1";
export const LOCAL_BUCKET = "portal-local";
const HOST = "127.0.0.1";
const COGNITO_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };
const S3_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;
/** The SES stand-in only checks that a request is signed at all. */
const SES_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

const xmlEscape = (s: string): string => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The bucket's CORS rule: what a browser needs for presigned PUT/GET. Null when no origins. */
export function corsXml(origins: readonly string[]): string | null {
  if (origins.length === 0) return null;
  return (
    "<CORSConfiguration><CORSRule>" +
    origins.map((o) => `<AllowedOrigin>${xmlEscape(o)}</AllowedOrigin>`).join("") +
    "<AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>" +
    "<AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds>" +
    "</CORSRule></CORSConfiguration>"
  );
}

const isAddrInUse = (err: unknown): boolean =>
  err instanceof EmulatorStartError && err.code === "EADDRINUSE";

/**
 * Starts cognito-local and s3rver, each in its own child process on 127.0.0.1, and seeds the
 * user pool, app client, groups and admin (idempotently). Call `stop()` when done; the children
 * also exit on their own if this process dies.
 */
export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  const started = Date.now();
  const dataDir = path.resolve(opts.dataDir);
  const log = opts.log;
  const cognitoDir = path.join(dataDir, "cognito");
  const s3Dir = path.join(dataDir, "s3");
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await mkdir(path.join(cognitoDir, ".cognito"), { recursive: true });
  await mkdir(s3Dir, { recursive: true });
  const mailDir = path.join(dataDir, "mail");

  const lock = lockDataDir(dataDir);
  const verbose = opts.emulatorLogs ?? process.env.LOG_LEVEL?.trim().toLowerCase() === "debug";
  const readyTimeoutMs = opts.readyTimeoutMs ?? 20_000;
  const cognitoProc = new EmulatorProcess({
    name: "cognito-local",
    script: childScript("cognito-child.cjs"),
    cwd: cognitoDir,
    env: {
      HOST,
      AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: "1",
      LOCAL_STACK_CHILD_VERBOSE: verbose ? "1" : "0",
    },
    execArgv: [],
    log: log.child({ emulator: "cognito-local" }),
    readyTimeoutMs,
  });
  const s3Proc = new EmulatorProcess({
    name: "s3rver",
    script: await bundledChildScript("s3-child.cjs", log),
    cwd: s3Dir,
    // s3rver cuts the first 16 characters off koa-logger's line, which only works on the
    // coloured form; the colours are stripped again before logging.
    env: verbose ? { FORCE_COLOR: "1" } : {},
    // s3rver's continuation tokens use DES: listings past 1,000 keys need the legacy provider.
    execArgv: ["--openssl-legacy-provider"],
    log: log.child({ emulator: "s3rver" }),
    readyTimeoutMs,
  });

  const sesProc = new EmulatorProcess({
    name: "aws-ses-v2-local",
    script: childScript("ses-child.cjs"),
    cwd: dataDir,
    env: {},
    execArgv: [],
    log: log.child({ emulator: "aws-ses-v2-local" }),
    readyTimeoutMs,
  });

  let cognitoPort = 0;
  let s3Port = 0;
  let sesPort = 0;
  const launchSes = (port: number) =>
    sesProc.start({ LOCAL_STACK_CHILD_OPTIONS: JSON.stringify({ host: HOST, port, mailDir }) });
  const launchCognito = async (port: number): Promise<void> => {
    // cognito-local reads its issuer (which includes the port) from config.json at start.
    const config = {
      UserPoolDefaults: { UsernameAttributes: [] },
      TokenConfig: { IssuerDomain: `http://${HOST}:${port}` },
    };
    await writeFile(
      path.join(cognitoDir, ".cognito", "config.json"),
      JSON.stringify(config, null, 2) + "\n",
    );
    await cognitoProc.start({ PORT: String(port) });
  };
  const launchS3 = async (port: number): Promise<number> =>
    s3Proc.start({
      LOCAL_STACK_CHILD_OPTIONS: JSON.stringify({
        host: HOST,
        port,
        directory: s3Dir,
        bucket: LOCAL_BUCKET,
        corsXml: corsXml(opts.corsOrigins),
        verbose,
      }),
    });

  try {
    const state = await readState(dataDir);
    const firstCognito = async (): Promise<void> => {
      if (opts.cognitoPort) {
        cognitoPort = opts.cognitoPort;
        return launchCognito(cognitoPort);
      }
      // The port must be known before start (it is part of the issuer): pick one, and pick
      // again if something grabs it in between.
      for (let attempt = 0; ; attempt++) {
        cognitoPort = await findFreePort(HOST, attempt === 0 ? (state.cognitoPort ?? 0) : 0);
        try {
          return await launchCognito(cognitoPort);
        } catch (err) {
          if (!isAddrInUse(err) || attempt >= 2) throw err;
        }
      }
    };
    const firstS3 = async (): Promise<void> => {
      if (opts.s3Port) {
        s3Port = await launchS3(opts.s3Port);
        return;
      }
      try {
        s3Port = await launchS3(state.s3Port ?? 0);
      } catch (err) {
        if (!isAddrInUse(err)) throw err;
        s3Port = await launchS3(0);
      }
    };
    const firstSes = async (): Promise<void> => {
      try {
        sesPort = await launchSes(opts.sesPort || (state.sesPort ?? 0));
      } catch (err) {
        if (opts.sesPort || !isAddrInUse(err)) throw err;
        sesPort = await launchSes(0);
      }
    };
    const launched = await Promise.allSettled([firstCognito(), firstS3(), firstSes()]);
    for (const result of launched) if (result.status === "rejected") throw result.reason;

    const cognitoEndpoint = `http://${HOST}:${cognitoPort}`;
    const s3Endpoint = `http://${HOST}:${s3Port}`;
    const client = new CognitoIdentityProviderClient({
      region: LOCAL_REGION,
      endpoint: cognitoEndpoint,
      credentials: { ...COGNITO_CREDENTIALS }, // the SDK writes into this object
    });
    let seeded;
    try {
      seeded = await seedCognito(client, state, {
        adminEmail: opts.adminEmail,
        ...(opts.adminPassword ? { adminPassword: opts.adminPassword } : {}),
        log,
      });
    } finally {
      client.destroy();
    }
    const sessionSecret = state.sessionSecret ?? Sealer.newSecret();
    await writeState(dataDir, {
      userPoolId: seeded.userPoolId,
      clientId: seeded.clientId,
      clientSecret: seeded.clientSecret,
      sessionSecret,
      adminUsername: seeded.adminUsername,
      adminPassword: seeded.adminPassword,
      cognitoPort,
      s3Port,
      sesPort,
    });
    lock.update({
      cognitoEndpoint,
      s3Endpoint,
      userPoolId: seeded.userPoolId,
      clientId: seeded.clientId,
    });

    let stopping: Promise<void> | undefined;
    const ensureOpen = () => {
      if (stopping) throw new Error("This local stack was stopped; start a new one");
    };
    const stack: LocalStack = {
      dataDir,
      region: LOCAL_REGION,
      cognito: {
        endpoint: cognitoEndpoint,
        userPoolId: seeded.userPoolId,
        clientId: seeded.clientId,
        clientSecret: seeded.clientSecret,
        issuer: `${cognitoEndpoint}/${seeded.userPoolId}`,
        jwksUri: `${cognitoEndpoint}/${seeded.userPoolId}/.well-known/jwks.json`,
        credentials: { ...COGNITO_CREDENTIALS },
      },
      s3: { endpoint: s3Endpoint, bucket: LOCAL_BUCKET, credentials: { ...S3_CREDENTIALS } },
      ses: { endpoint: `http://${HOST}:${sesPort}`, mailDir },
      admin: {
        email: opts.adminEmail.toLowerCase(),
        username: seeded.adminUsername,
        password: seeded.adminPassword,
      },
      sessionSecret: Buffer.from(sessionSecret, "base64"),
      childPids: () => ({ cognito: cognitoProc.pid, s3: s3Proc.pid, ses: sesProc.pid }),
      stopCognito: () => cognitoProc.stop(),
      startCognito: async () => {
        ensureOpen();
        if (!cognitoProc.running) await launchCognito(cognitoPort);
      },
      stopS3: () => s3Proc.stop(),
      stopSes: () => sesProc.stop(),
      startSes: async () => {
        ensureOpen();
        if (!sesProc.running) await launchSes(sesPort);
      },
      startS3: async () => {
        ensureOpen();
        if (!s3Proc.running) await launchS3(s3Port);
      },
      stop: () =>
        (stopping ??= Promise.all([cognitoProc.stop(), s3Proc.stop(), sesProc.stop()]).then(
          () => lock.release(),
          (err: unknown) => {
            lock.release();
            throw err;
          },
        )),
    };
    log.info("Local stack ready", {
      ms: Date.now() - started,
      dataDir,
      cognitoEndpoint,
      s3Endpoint,
      sesEndpoint: stack.ses.endpoint,
      mailDir,
      userPoolId: seeded.userPoolId,
      clientId: seeded.clientId,
      bucket: LOCAL_BUCKET,
      adminEmail: stack.admin.email,
      adminUsername: seeded.adminUsername,
      adminPasswordKeptIn: stateFile(dataDir),
    });
    return stack;
  } catch (err) {
    await Promise.allSettled([cognitoProc.stop(), s3Proc.stop(), sesProc.stop()]);
    lock.release();
    throw err;
  }
}

/** Backends pointing at the local stand-ins. */
export function localBackends(stack: LocalStack, timeoutMs: number): Backends {
  const { credentials, endpoint, userPoolId, clientId, clientSecret, issuer, jwksUri } =
    stack.cognito;
  return {
    region: stack.region,
    cognito: {
      userPoolId,
      clientId,
      clientSecret,
      issuer,
      jwksUri,
      endpoint,
      credentials,
      globalSignOut: false,
    },
    s3: {
      bucket: stack.s3.bucket,
      endpoint: stack.s3.endpoint,
      forcePathStyle: true,
      credentials: stack.s3.credentials,
    },
    ses: { endpoint: stack.ses.endpoint, credentials: { ...SES_CREDENTIALS } },
    sessionSecret: stack.sessionSecret,
    timeoutMs,
  };
}

/** A Cognito client for the local pool (callers destroy() it). */
export function createLocalCognitoClient(stack: LocalStack): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    region: stack.region,
    endpoint: stack.cognito.endpoint,
    // Copies: the SDK writes into the credentials object it is given.
    credentials: { ...stack.cognito.credentials },
  });
}

/**
 * An S3 client for the local bucket. Path-style, and checksums only when required: with the
 * SDK default, a streamed PutObject is stored by s3rver with its aws-chunked framing inside.
 */
export function createLocalS3Client(stack: LocalStack): S3Client {
  return new S3Client({
    region: stack.region,
    endpoint: stack.s3.endpoint,
    credentials: { ...stack.s3.credentials },
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}
