import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, readConfig } from "../../src/config.js";

const AWS = {
  COGNITO_USER_POOL_ID: "eu-west-1_AbCdEf123",
  COGNITO_CLIENT_ID: "1example23456789",
  S3_BUCKET: "portal-files-prod",
  AWS_REGION: "eu-west-1",
  CORS_ORIGINS: "https://portal.example.com",
  COGNITO_CLIENT_SECRET_PARAMETER: "/portal-prod/cognito-client-secret",
  SESSION_SECRET_PARAMETER: "/portal-prod/session-secret",
};

function problems(env: Record<string, string>): string[] {
  try {
    readConfig(env, "/srv/app");
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe("config: read and validated once", () => {
  it("takes each AWS secret directly or as an SSM parameter name, not both, and a session secret of 32+ bytes", () => {
    const direct = readConfig(
      {
        ...AWS,
        COGNITO_CLIENT_SECRET_PARAMETER: "",
        SESSION_SECRET_PARAMETER: "",
        COGNITO_CLIENT_SECRET: "abc",
        SESSION_SECRET: Buffer.alloc(32, 1).toString("base64"),
      },
      "/srv/app",
    );
    expect(direct.aws?.clientSecret).toEqual({ value: "abc" });
    expect(problems({ ...AWS, SESSION_SECRET: "c2hvcnQ=" })).toEqual([
      "Set SESSION_SECRET or SESSION_SECRET_PARAMETER, not both",
    ]);
    expect(
      problems({ ...AWS, SESSION_SECRET_PARAMETER: "", SESSION_SECRET: "c2hvcnQ=" }).join(),
    ).toMatch(/at least 32 random bytes/);
  });

  it("runs the local stack when no AWS setting is present", () => {
    const c = readConfig({}, "/srv/app");
    expect(c.mode).toBe("local");
    expect(c.port).toBe(4000);
    expect(c.local).toEqual({
      dataDir: path.resolve("/srv/app/.data"),
      adminEmail: "admin@example.com",
    });
    expect(c.aws).toBeUndefined();
    expect(c.introspection).toBe(true);
    expect(Object.isFrozen(c) && Object.isFrozen(c.corsOrigins)).toBe(true);
  });

  it("serves AWS when the settings are all there", () => {
    const c = readConfig({ ...AWS, NODE_ENV: "production" }, "/srv/app");
    expect(c.mode).toBe("aws");
    expect(c.aws).toMatchObject({
      region: "eu-west-1",
      bucket: "portal-files-prod",
      s3ForcePathStyle: false,
      clientSecret: { parameter: "/portal-prod/cognito-client-secret" },
      sessionSecret: { parameter: "/portal-prod/session-secret" },
    });
    expect(c.introspection).toBe(false);
    expect(c.playground).toBe(false);
    expect(c.host).toBe("0.0.0.0");
  });

  it("names every bad key at once, with how to fix it", () => {
    const p = problems({
      S3_BUCKET: "Bad_Bucket",
      PORT: "http",
      LOG_LEVEL: "loud",
      UPLOAD_MAX_BYTES: "-1",
    });
    const text = p.join("\n");
    for (const key of [
      "COGNITO_USER_POOL_ID is missing",
      "COGNITO_CLIENT_ID is missing",
      "AWS_REGION is missing",
      "S3_BUCKET=",
      "PORT=",
      "LOG_LEVEL=",
      "UPLOAD_MAX_BYTES=",
      "CORS_ORIGINS is missing",
      "COGNITO_CLIENT_SECRET is missing",
      "SESSION_SECRET is missing",
    ])
      expect(text).toContain(key);
    expect(p.length).toBe(10);
  });

  it("refuses malformed origins, booleans and a weak local admin password", () => {
    expect(problems({ CORS_ORIGINS: "https://ok.example,https://bad.example/path" })).toEqual([
      expect.stringContaining('"https://bad.example/path" is not an origin'),
    ]);
    expect(problems({ GRAPHQL_INTROSPECTION: "maybe" })).toEqual([
      expect.stringContaining("expected true or false"),
    ]);
    expect(problems({ LOCAL_ADMIN_PASSWORD: "short" })).toEqual([
      expect.stringContaining("LOCAL_ADMIN_PASSWORD"),
    ]);
    expect(problems({ UPLOAD_MAX_BYTES: String(6 * 1024 ** 3) })).toEqual([
      expect.stringContaining("UPLOAD_MAX_BYTES"),
    ]);
  });
});
