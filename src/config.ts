import path from "node:path";
import { normaliseEmail } from "./auth/email.js";
import { PASSWORD_POLICY_MESSAGE, meetsPasswordPolicy } from "./auth/password-policy.js";
import type { LogLevel } from "./log.js";

/**
 * Configuration, read from the environment once at start-up and validated as a whole:
 * a bad value stops start-up with one message that names every bad key and how to fix it.
 *
 * Mode: with none of COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID, S3_BUCKET, AWS_REGION set,
 * the API runs in `local` mode and starts its own stand-ins for Cognito and S3. Setting any
 * of them selects `aws` mode, where all four are required.
 */
export interface Config {
  readonly mode: "local" | "aws";
  readonly nodeEnv: string;
  readonly production: boolean;
  readonly host: string;
  readonly port: number;
  readonly logLevel: LogLevel;
  /** Origins allowed by CORS on the API (and, locally, on the bucket). */
  readonly corsOrigins: readonly string[];
  /** Largest GraphQL request body accepted, in bytes. */
  readonly bodyLimitBytes: number;
  /** Introspection on? Default: on unless NODE_ENV=production. */
  readonly introspection: boolean;
  /** Offline GraphQL playground at GET /graphql? Default: on unless NODE_ENV=production. */
  readonly playground: boolean;
  /** How long a verified viewer (enabled flag, attributes) is trusted before Cognito is asked again. */
  readonly userCacheTtlSeconds: number;
  readonly uploadMaxBytes: number;
  /** Largest file a multipart upload may assemble (S3's object limit: 5 TiB). */
  readonly multipartMaxBytes: number;
  /**
   * How long after its start a multipart upload can still get part URLs and be completed. Keep it
   * at most the bucket's abort-incomplete-multipart lifecycle rule (terraform multipart_abort_days).
   */
  readonly multipartWindowSeconds: number;
  readonly uploadUrlTtlSeconds: number;
  readonly downloadUrlTtlSeconds: number;
  /** Timeout of one AWS call, in milliseconds. */
  readonly awsTimeoutMs: number;
  /** Email and the account flows that use it. */
  readonly account: AccountConfig;
  /** Set in `aws` mode only. */
  readonly aws?: AwsConfig;
  /** Set in `local` mode only. */
  readonly local?: LocalConfig;
}

export interface AwsConfig {
  readonly region: string;
  readonly userPoolId: string;
  readonly clientId: string;
  readonly bucket: string;
  /**
   * The app client's secret (the client is confidential: only the API can run the password flow),
   * given directly or as the name of an SSM SecureString parameter read once at start.
   */
  readonly clientSecret: SecretSource;
  /** The server secret that seals sessions, links, cursors, ids and upload handles. */
  readonly sessionSecret: SecretSource;
  /** Optional endpoint overrides (another S3-compatible store, a Cognito emulator). */
  readonly cognitoEndpoint?: string;
  readonly s3Endpoint?: string;
  readonly s3ForcePathStyle: boolean;
}

export interface AccountConfig {
  /** The product's name, in emails and authenticator apps. */
  readonly appName: string;
  /**
   * Where the web app is: links in emails go to `${appUrl}/welcome#token=…` and `/reset#token=…`.
   * Default: the API's own origin (it serves the web app).
   */
  readonly appUrl?: string;
  /** Sender of invitation and reset emails; unset in AWS mode = no email (temporary passwords only). */
  readonly mailFrom?: string;
  /** SES endpoint override (another SES-compatible service, the local stand-in). */
  readonly sesEndpoint?: string;
  readonly invitationTtlHours: number;
  /** `required`: an admin without an authenticator app can do nothing but set one up. */
  readonly adminMfa: "required" | "optional";
  /**
   * requestPasswordReset's fixed answer time (default 1 s). Not read from the environment: only
   * test suites that call it dozens of times for other reasons shorten it.
   */
  readonly resetAnswerMs?: number;
}

/** A secret given in the environment, or the name of the SSM parameter that holds it. */
export type SecretSource = { readonly value: string } | { readonly parameter: string };

export interface LocalConfig {
  /** Absolute folder that holds every piece of local state. */
  readonly dataDir: string;
  readonly adminEmail: string;
  /** When unset, a password is generated on first start and kept in the data folder. */
  readonly adminPassword?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

export const GIB = 1024 ** 3;
/** S3's limit for a single PUT. */
export const S3_SINGLE_PUT_MAX_BYTES = 5 * GIB;
/** S3's limit for one object (a multipart upload). */
export const S3_OBJECT_MAX_BYTES = 5 * 1024 * GIB;

const AWS_KEYS = ["COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID", "S3_BUCKET", "AWS_REGION"] as const;
const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error", "silent"];

type Env = Readonly<Record<string, string | undefined>>;

export function readConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const problems: string[] = [];
  const str = (key: string): string | undefined => {
    const value = env[key];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  };
  const int = (key: string, def: number, min: number, max: number): number => {
    const raw = str(key);
    if (raw === undefined) return def;
    const parsed = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      problems.push(`${key}=${JSON.stringify(raw)}: expected a whole number from ${min} to ${max}`);
      return def;
    }
    return parsed;
  };
  const bool = (key: string, def: boolean): boolean => {
    const raw = str(key)?.toLowerCase();
    if (raw === undefined) return def;
    if (["1", "true", "yes", "on"].includes(raw)) return true;
    if (["0", "false", "no", "off"].includes(raw)) return false;
    problems.push(`${key}=${JSON.stringify(raw)}: expected true or false`);
    return def;
  };
  const url = (key: string): string | undefined => {
    const raw = str(key);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("protocol");
      return raw.replace(/\/+$/, "");
    } catch {
      problems.push(
        `${key}=${JSON.stringify(raw)}: expected an http(s) URL such as https://host:port`,
      );
      return undefined;
    }
  };

  const nodeEnv = str("NODE_ENV") ?? "development";
  const production = nodeEnv === "production";

  const anyAws = AWS_KEYS.some((k) => str(k) !== undefined);
  const mode: Config["mode"] = anyAws ? "aws" : "local";

  const logLevelRaw = (str("LOG_LEVEL") ?? "info").toLowerCase();
  let logLevel: LogLevel = "info";
  if ((LOG_LEVELS as readonly string[]).includes(logLevelRaw)) logLevel = logLevelRaw as LogLevel;
  else
    problems.push(
      `LOG_LEVEL=${JSON.stringify(logLevelRaw)}: expected one of ${LOG_LEVELS.join(", ")}`,
    );

  const corsRaw = str("CORS_ORIGINS");
  const corsOrigins: string[] = [];
  if (corsRaw !== undefined) {
    for (const origin of corsRaw
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)) {
      let ok = false;
      try {
        const parsed = new URL(origin);
        ok =
          (parsed.protocol === "http:" || parsed.protocol === "https:") && parsed.origin === origin;
      } catch {
        ok = false;
      }
      if (ok) corsOrigins.push(origin);
      else
        problems.push(
          `CORS_ORIGINS: ${JSON.stringify(origin)} is not an origin; write scheme://host[:port] with no path or trailing slash`,
        );
    }
  } else if (mode === "local") {
    // The usual dev-server origins of a React app (Vite, Create React App / Next).
    corsOrigins.push("http://localhost:5173", "http://localhost:3000");
  }

  const uploadMaxBytes = int(
    "UPLOAD_MAX_BYTES",
    S3_SINGLE_PUT_MAX_BYTES,
    1,
    S3_SINGLE_PUT_MAX_BYTES,
  );

  let aws: AwsConfig | undefined;
  let local: LocalConfig | undefined;
  if (mode === "aws") {
    const missing = AWS_KEYS.filter((k) => str(k) === undefined);
    for (const key of missing)
      problems.push(
        `${key} is missing: in AWS mode set all of ${AWS_KEYS.join(", ")} (the Terraform outputs), or unset them all for the local stack`,
      );
    const region = str("AWS_REGION");
    if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
      problems.push(
        `AWS_REGION=${JSON.stringify(region)}: expected a Region code such as eu-west-1`,
      );
    const userPoolId = str("COGNITO_USER_POOL_ID");
    if (userPoolId !== undefined && !/^[\w-]+_[0-9a-zA-Z]+$/.test(userPoolId))
      problems.push(
        `COGNITO_USER_POOL_ID=${JSON.stringify(userPoolId)}: expected a pool id such as eu-west-1_AbCdEf123`,
      );
    const bucket = str("S3_BUCKET");
    if (bucket !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
      problems.push(
        `S3_BUCKET=${JSON.stringify(bucket)}: expected an S3 bucket name (3-63 lowercase letters, digits, dots, dashes)`,
      );
    if (corsRaw === undefined)
      problems.push(
        "CORS_ORIGINS is missing: in AWS mode name the web app's origins, e.g. https://portal.example.com",
      );
    const secret = (key: string): SecretSource => {
      const value = env[key];
      const parameter = str(`${key}_PARAMETER`);
      if (value && parameter) problems.push(`Set ${key} or ${key}_PARAMETER, not both`);
      if (parameter) return { parameter };
      if (value) return { value };
      problems.push(
        `${key} is missing: in AWS mode set ${key}_PARAMETER to the SSM SecureString parameter that holds it (the Terraform output), or ${key} itself`,
      );
      return { value: "" };
    };
    const clientSecret = secret("COGNITO_CLIENT_SECRET");
    const sessionSecret = secret("SESSION_SECRET");
    if (
      "value" in sessionSecret &&
      sessionSecret.value &&
      Buffer.from(sessionSecret.value, "base64").length < 32
    )
      problems.push(
        "SESSION_SECRET: expected at least 32 random bytes, base64-encoded (openssl rand -base64 32)",
      );
    const cognitoEndpoint = url("COGNITO_ENDPOINT");
    const s3Endpoint = url("S3_ENDPOINT");
    aws = {
      region: region ?? "",
      userPoolId: userPoolId ?? "",
      clientId: str("COGNITO_CLIENT_ID") ?? "",
      bucket: bucket ?? "",
      clientSecret,
      sessionSecret,
      ...(cognitoEndpoint ? { cognitoEndpoint } : {}),
      ...(s3Endpoint ? { s3Endpoint } : {}),
      s3ForcePathStyle: bool("S3_FORCE_PATH_STYLE", s3Endpoint !== undefined),
    };
  } else {
    const rawEmail = str("LOCAL_ADMIN_EMAIL") ?? "admin@example.com";
    const adminEmail = normaliseEmail(rawEmail);
    if (!adminEmail)
      problems.push(`LOCAL_ADMIN_EMAIL=${JSON.stringify(rawEmail)}: expected an email address`);
    const adminPassword = env.LOCAL_ADMIN_PASSWORD;
    if (adminPassword !== undefined && adminPassword !== "" && !meetsPasswordPolicy(adminPassword))
      problems.push(`LOCAL_ADMIN_PASSWORD: ${PASSWORD_POLICY_MESSAGE}`);
    local = {
      dataDir: path.resolve(cwd, str("LOCAL_DATA_DIR") ?? ".data"),
      adminEmail: adminEmail ?? rawEmail,
      ...(adminPassword ? { adminPassword } : {}),
    };
  }

  const mailFromRaw = str("MAIL_FROM");
  const mailFrom = mailFromRaw === undefined ? undefined : normaliseEmail(mailFromRaw);
  if (mailFromRaw !== undefined && !mailFrom)
    problems.push(`MAIL_FROM=${JSON.stringify(mailFromRaw)}: expected the sender's email address`);
  const appUrl = url("APP_URL");
  if (mode === "aws" && mailFrom && !appUrl)
    problems.push(
      "APP_URL is missing: with MAIL_FROM set, emails link to the web app; give its origin, e.g. https://portal.example.com",
    );
  const adminMfaRaw = (
    str("ADMIN_MFA") ?? (mode === "aws" ? "required" : "optional")
  ).toLowerCase();
  if (adminMfaRaw !== "required" && adminMfaRaw !== "optional")
    problems.push(`ADMIN_MFA=${JSON.stringify(adminMfaRaw)}: expected required or optional`);
  const sesEndpoint = url("SES_ENDPOINT");
  const account: AccountConfig = {
    appName: str("APP_NAME") ?? "Customer File Portal",
    ...(appUrl ? { appUrl } : {}),
    // Locally the SES stand-in takes any sender.
    ...(mailFrom ? { mailFrom } : mode === "local" ? { mailFrom: "portal@localhost.test" } : {}),
    ...(sesEndpoint ? { sesEndpoint } : {}),
    invitationTtlHours: int("INVITATION_TTL_HOURS", 72, 1, 24 * 30),
    adminMfa: adminMfaRaw === "required" ? "required" : "optional",
  };

  const config: Config = {
    mode,
    nodeEnv,
    production,
    host: str("HOST") ?? (mode === "local" ? "127.0.0.1" : "0.0.0.0"),
    port: int("PORT", 4000, 0, 65535),
    logLevel,
    corsOrigins,
    bodyLimitBytes: int("BODY_LIMIT_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024),
    introspection: bool("GRAPHQL_INTROSPECTION", !production),
    playground: bool("GRAPHQL_PLAYGROUND", !production),
    userCacheTtlSeconds: int("USER_CACHE_TTL_SECONDS", 60, 0, 3600),
    uploadMaxBytes,
    multipartMaxBytes: int("MULTIPART_MAX_BYTES", S3_OBJECT_MAX_BYTES, 1, S3_OBJECT_MAX_BYTES),
    multipartWindowSeconds: int("MULTIPART_WINDOW_SECONDS", 7 * 24 * 3600, 3600, 365 * 24 * 3600),
    uploadUrlTtlSeconds: int("UPLOAD_URL_TTL_SECONDS", 900, 60, 7 * 24 * 3600),
    downloadUrlTtlSeconds: int("DOWNLOAD_URL_TTL_SECONDS", 300, 10, 7 * 24 * 3600),
    awsTimeoutMs: int("AWS_TIMEOUT_MS", 5000, 100, 120_000),
    account,
    ...(aws ? { aws } : {}),
    ...(local ? { local } : {}),
  };
  if (problems.length) throw new ConfigError(problems);
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
