import { filterValue } from "../src/aws/cognito-users.js";
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  DeleteUserPoolCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  InitiateAuthCommand,
  ListGroupsCommand,
  ListUsersCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import type { S3Client } from "@aws-sdk/client-s3";
import { execFileSync, spawn } from "node:child_process";
import { readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMINS_GROUP,
  ADMIN_USERNAME_RE,
  CUSTOMERS_GROUP,
  createAdmin,
  generatePassword,
  newAdminUsername,
} from "../src/auth/admins.js";
import { runCreateAdmin } from "../src/cli/create-admin.js";
import { meetsPasswordPolicy } from "../src/auth/password-policy.js";
import {
  bundledChildScript,
  childScript,
  sanitiseChildLine,
} from "../src/local/emulator-process.js";
import {
  LocalStackInUseError,
  createLocalCognitoClient,
  createLocalS3Client,
  startLocalStack,
} from "../src/local/stack.js";
import type { LocalStack, LocalStackOptions } from "../src/local/stack.js";
import { createLogger, silentLogger } from "../src/log.js";
import { stateFile } from "../src/local/state.js";
import {
  TEST_ADMIN_EMAIL,
  TEST_CORS_ORIGIN,
  makeTestDataDir,
  startPrivateTestStack,
} from "./helpers/stack.js";
import { putObjectsOnDisk } from "./helpers/s3-disk.js";

function decodeJwt(token: string): Record<string, unknown> {
  const payload = token.split(".")[1];
  if (!payload) throw new Error("not a JWT");
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
}

async function signIn(
  cognito: CognitoIdentityProviderClient,
  stack: LocalStack,
  username: string,
  password: string,
) {
  const out = await cognito.send(
    new InitiateAuthCommand({
      ClientId: stack.cognito.clientId,
      AuthFlow: "USER_PASSWORD_AUTH",
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }),
  );
  return out;
}

function preflight(stack: LocalStack, origin: string): Promise<Response> {
  return fetch(`${stack.s3.endpoint}/${stack.s3.bucket}/uploads/x.txt`, {
    method: "OPTIONS",
    headers: {
      Origin: origin,
      "Access-Control-Request-Method": "PUT",
      "Access-Control-Request-Headers": "content-type",
    },
  });
}

function isGone(pid: number | undefined): boolean {
  if (pid === undefined) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

async function waitUntil(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe("admin helpers", () => {
  it("generates passwords that meet the policy, all different", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const pw = generatePassword();
      expect(pw).toHaveLength(20);
      expect(meetsPasswordPolicy(pw)).toBe(true);
      seen.add(pw);
    }
    expect(seen.size).toBe(500);
    expect(meetsPasswordPolicy(generatePassword(12))).toBe(true);
    expect(() => generatePassword(8)).toThrow(RangeError);
  });

  it("makes admin usernames that can never be customer ids", () => {
    const u = newAdminUsername();
    expect(u).toMatch(ADMIN_USERNAME_RE);
    expect(u).not.toMatch(/^[a-z0-9-]+$/);
    expect(newAdminUsername()).not.toBe(u);
  });

  it("escapes ListUsers filter values", () => {
    expect(filterValue('a"b\\c@x.y')).toBe('"a\\"b\\\\c@x.y"');
  });

  it("keeps tokens and presigned signatures out of emulator log lines", () => {
    const pino = JSON.stringify({
      level: 20,
      msg: "request completed",
      req: {
        method: "POST",
        url: "/",
        headers: {
          "x-amz-target": "AWSCognitoIdentityProviderService.GetUser",
          authorization: "Bearer abc",
        },
      },
      res: { statusCode: 200 },
    });
    const a = sanitiseChildLine(pino);
    expect(a.msg).toBe("request completed");
    expect(a.fields).toMatchObject({
      target: "AWSCognitoIdentityProviderService.GetUser",
      status: 200,
    });
    expect(JSON.stringify(a)).not.toContain("Bearer");
    const b = sanitiseChildLine(
      "\x1b[32minfo\x1b[39m: PUT /b/k?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=deadbeef 200",
    );
    expect(b.msg).toBe("info: PUT /b/k?X-Amz-Credential=[redacted]&X-Amz-Signature=[redacted] 200");
  });
});

describe("local stack", () => {
  let stack: LocalStack;
  let cognito: CognitoIdentityProviderClient;
  let s3: S3Client;
  let startMs = 0;

  beforeAll(async () => {
    const t0 = Date.now();
    stack = await startPrivateTestStack();
    startMs = Date.now() - t0;
    cognito = createLocalCognitoClient(stack);
    s3 = createLocalS3Client(stack);
  });
  afterAll(async () => {
    cognito?.destroy();
    s3?.destroy();
    await stack?.stop();
  });

  it("starts within a few seconds on 127.0.0.1", () => {
    expect(startMs).toBeLessThan(10_000);
    expect(stack.cognito.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stack.s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stack.region).toBe("us-east-1");
    expect(stack.s3.bucket).toBe("portal-local");
  });

  it("runs s3rver from its one-file bundle under node_modules/.cache, named by a hash of its inputs", () => {
    const args = execFileSync("ps", ["-o", "args=", "-p", String(stack.childPids().s3)], {
      encoding: "utf8",
    });
    expect(args).toMatch(
      /--openssl-legacy-provider \S*node_modules\/\.cache\/portal-local\/s3-child\.[0-9a-f]{16}\.cjs/,
    );
  });

  it("starts s3rver from its script when the bundle cannot be built, and says why in a debug line", async () => {
    const lines: string[] = [];
    // A cache folder under a file: it cannot be made.
    const notAFolder = path.join(stateFile(stack.dataDir), "cache");
    const script = await bundledChildScript(
      "s3-child.cjs",
      createLogger("debug", {}, (line) => lines.push(line)),
      notAFolder,
    );
    expect(script).toBe(childScript("s3-child.cjs"));
    expect(lines.map((l) => JSON.parse(l) as { msg: string; child: string })).toEqual([
      expect.objectContaining({
        msg: "stand-in bundle not built: the child loads its packages one by one",
        child: "s3-child.cjs",
      }),
    ]);
  });

  it("seeds the pool, app client and groups", async () => {
    const { UserPool } = await cognito.send(
      new DescribeUserPoolCommand({ UserPoolId: stack.cognito.userPoolId }),
    );
    const customerId = UserPool?.SchemaAttributes?.find((a) => a.Name === "custom:customer_id");
    expect(customerId).toMatchObject({
      AttributeDataType: "String",
      Mutable: false,
      StringAttributeConstraints: { MinLength: "3", MaxLength: "63" },
    });
    expect(UserPool?.UsernameConfiguration?.CaseSensitive).toBe(false);
    expect(UserPool?.UsernameAttributes ?? []).toEqual([]);

    const { UserPoolClient } = await cognito.send(
      new DescribeUserPoolClientCommand({
        UserPoolId: stack.cognito.userPoolId,
        ClientId: stack.cognito.clientId,
      }),
    );
    // Only the API runs the password flow: the client is confidential (its secret stays in the
    // data folder and the API), has no SRP, and lets users write no attribute the API relies on.
    expect(UserPoolClient?.ClientSecret).toBe(stack.cognito.clientSecret);
    expect(UserPoolClient?.ClientSecret?.length).toBeGreaterThan(20);
    expect(new Set(UserPoolClient?.ExplicitAuthFlows)).toEqual(
      new Set(["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]),
    );
    for (const relied of [
      "email",
      "email_verified",
      "name",
      "custom:customer_id",
      "custom:revoked_at",
      "custom:link_hash",
    ])
      expect(UserPoolClient?.WriteAttributes ?? [], relied).not.toContain(relied);
    expect(UserPoolClient?.WriteAttributes?.length).toBeGreaterThan(0); // none listed = all, on AWS
    expect(UserPoolClient?.ReadAttributes).toContain("custom:customer_id");
    expect(UserPoolClient?.ReadAttributes).not.toContain("custom:link_hash");
    // Sessions can be ended, links are one-time: the attributes that hold both exist, mutable.
    for (const name of ["custom:revoked_at", "custom:link_hash"])
      expect(UserPool?.SchemaAttributes?.find((a) => a.Name === name)).toMatchObject({
        AttributeDataType: "String",
        Mutable: true,
      });
    // TOTP MFA is available. (That a user's own email change waits for verification is shown in
    // test/security/identity.test.ts: the stand-in does not report the setting.)
    expect(UserPool?.MfaConfiguration).toBe("OPTIONAL");

    const { Groups } = await cognito.send(
      new ListGroupsCommand({ UserPoolId: stack.cognito.userPoolId }),
    );
    expect((Groups ?? []).map((g) => g.GroupName).sort()).toEqual([ADMINS_GROUP, CUSTOMERS_GROUP]);
  });

  it("keeps its state in an owner-only file, with a generated admin password", async () => {
    const file = path.join(stack.dataDir, "local-stack.json");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const state = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
    expect(state).toMatchObject({
      userPoolId: stack.cognito.userPoolId,
      clientId: stack.cognito.clientId,
      adminUsername: stack.admin.username,
      adminPassword: stack.admin.password,
    });
    expect(meetsPasswordPolicy(stack.admin.password)).toBe(true);
    expect(stack.admin).toMatchObject({ email: TEST_ADMIN_EMAIL });
    expect(stack.admin.username).toMatch(ADMIN_USERNAME_RE);
  });

  it("lets the admin sign in with USER_PASSWORD_AUTH and puts Admins in the tokens", async () => {
    const out = await signIn(cognito, stack, stack.admin.username, stack.admin.password);
    expect(out.ChallengeName).toBeUndefined();
    const idToken = out.AuthenticationResult?.IdToken;
    const accessToken = out.AuthenticationResult?.AccessToken;
    if (!idToken || !accessToken) throw new Error("no tokens");
    const id = decodeJwt(idToken);
    expect(id["cognito:groups"]).toContain(ADMINS_GROUP);
    expect(id.iss).toBe(stack.cognito.issuer);
    expect(id.email).toBe(TEST_ADMIN_EMAIL);
    expect(id.aud).toBe(stack.cognito.clientId);
    expect(decodeJwt(accessToken)["cognito:groups"]).toContain(ADMINS_GROUP);

    const jwks = (await (await fetch(stack.cognito.jwksUri)).json()) as { keys: unknown[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
  });

  it("createAdmin refuses a duplicate email and creates a new admin with a temporary password", async () => {
    await expect(
      createAdmin(cognito, stack.cognito.userPoolId, { email: "Admin@Example.TEST" }),
    ).rejects.toThrow(/already exists/);

    const created = await createAdmin(cognito, stack.cognito.userPoolId, {
      email: "Second.Admin@example.test",
      name: "Second Admin",
    });
    expect(created.username).toMatch(ADMIN_USERNAME_RE);
    expect(meetsPasswordPolicy(created.temporaryPassword ?? "")).toBe(true);
    const user = await cognito.send(
      new AdminGetUserCommand({ UserPoolId: stack.cognito.userPoolId, Username: created.username }),
    );
    expect(user.UserStatus).toBe("FORCE_CHANGE_PASSWORD");
    const attrs = Object.fromEntries((user.UserAttributes ?? []).map((a) => [a.Name, a.Value]));
    expect(attrs).toMatchObject({
      email: "second.admin@example.test",
      email_verified: "true",
      name: "Second Admin",
    });
    const groups = await cognito.send(
      new AdminListGroupsForUserCommand({
        UserPoolId: stack.cognito.userPoolId,
        Username: created.username,
      }),
    );
    expect(groups.Groups?.map((g) => g.GroupName)).toEqual([ADMINS_GROUP]);
    const auth = await signIn(cognito, stack, created.username, created.temporaryPassword ?? "");
    expect(auth.ChallengeName).toBe("NEW_PASSWORD_REQUIRED");
  });

  it("allows a CORS preflight from a configured origin and refuses another", async () => {
    const ok = await preflight(stack, TEST_CORS_ORIGIN);
    expect(ok.status).toBe(200);
    // s3rver answers preflights with "*"; AWS echoes the origin. Either lets the browser through.
    expect([TEST_CORS_ORIGIN, "*"]).toContain(ok.headers.get("access-control-allow-origin"));
    expect(ok.headers.get("access-control-allow-methods")).toContain("PUT");

    const refused = await preflight(stack, "https://evil.example");
    expect(refused.status).toBe(403);
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();

    // The actual request: origin echoed, ETag readable by the page (multipart needs it).
    await s3.send(new PutObjectCommand({ Bucket: stack.s3.bucket, Key: "cors/x.txt", Body: "x" }));
    const get = await fetch(`${stack.s3.endpoint}/${stack.s3.bucket}/cors/x.txt`, {
      headers: { Origin: TEST_CORS_ORIGIN },
    });
    expect(get.headers.get("access-control-allow-origin")).toBe(TEST_CORS_ORIGIN);
    expect(get.headers.get("access-control-expose-headers")).toContain("ETag");
    expect(get.headers.get("access-control-max-age")).toBe("3000");
  });

  it("lists past 1,000 keys (continuation tokens work)", async () => {
    const keys = Array.from({ length: 1001 }, (_, i) => `bulk/${String(i).padStart(4, "0")}`);
    // Into s3rver's store directly (its own code; PutObject through HTTP is tested above and
    // below): 1,001 requests would be most of this file's time.
    await putObjectsOnDisk(
      stack,
      keys.map((key) => ({ key, body: "x" })),
    );
    const page1 = await s3.send(
      new ListObjectsV2Command({ Bucket: stack.s3.bucket, Prefix: "bulk/" }),
    );
    expect(page1.KeyCount).toBe(1000);
    expect(page1.IsTruncated).toBe(true);
    const page2 = await s3.send(
      new ListObjectsV2Command({
        Bucket: stack.s3.bucket,
        Prefix: "bulk/",
        ContinuationToken: page1.NextContinuationToken,
      }),
    );
    expect(page2.Contents?.map((o) => o.Key)).toEqual(["bulk/1000"]);
    expect(page2.IsTruncated).toBe(false);
  });

  it("restarts Cognito on the same port with its data", async () => {
    const before = stack.childPids().cognito;
    await stack.stopCognito();
    expect(stack.childPids().cognito).toBeUndefined();
    expect(isGone(before)).toBe(true);
    await expect(fetch(`${stack.cognito.endpoint}/health`)).rejects.toThrow();
    await stack.stopCognito(); // idempotent

    await stack.startCognito();
    expect(stack.childPids().cognito).not.toBe(before);
    const out = await signIn(cognito, stack, stack.admin.username, stack.admin.password);
    expect(decodeJwt(out.AuthenticationResult?.IdToken ?? "x.e30.x").iss).toBe(
      stack.cognito.issuer,
    );
  });

  it("keeps a change answered just before Cognito stops: on disk when it has stopped, there after a restart", async () => {
    // The stand-in answers from memory and writes the pool's file up to 20 ms later; a stop
    // (SIGTERM) right after the answer must still find the change written.
    const username = `late-${Date.now().toString(36)}`;
    await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: stack.cognito.userPoolId,
        Username: username,
        MessageAction: "SUPPRESS",
      }),
    );
    await stack.stopCognito();
    const file = path.join(
      stack.dataDir,
      "cognito",
      ".cognito",
      "db",
      `${stack.cognito.userPoolId}.json`,
    );
    const onDisk = JSON.parse(await readFile(file, "utf8")) as { Users?: Record<string, unknown> };
    expect(Object.keys(onDisk.Users ?? {})).toContain(username);
    await stack.startCognito();
    const again = await cognito.send(
      new AdminGetUserCommand({ UserPoolId: stack.cognito.userPoolId, Username: username }),
    );
    expect(again.Username).toBe(username);
  });

  it("restarts S3 on the same port with its data", async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: stack.s3.bucket, Key: "keep/me.txt", Body: "kept" }),
    );
    const before = stack.childPids().s3;
    await stack.stopS3();
    expect(isGone(before)).toBe(true);
    await expect(fetch(stack.s3.endpoint)).rejects.toThrow();
    await stack.startS3();
    const got = await s3.send(
      new GetObjectCommand({ Bucket: stack.s3.bucket, Key: "keep/me.txt" }),
    );
    expect(await got.Body?.transformToString()).toBe("kept");
    expect((await preflight(stack, TEST_CORS_ORIGIN)).status).toBe(200);
  });

  it("refuses a second stack on the same data folder", async () => {
    await expect(
      startLocalStack({
        dataDir: stack.dataDir,
        adminEmail: TEST_ADMIN_EMAIL,
        corsOrigins: [],
        log: silentLogger,
      }),
    ).rejects.toBeInstanceOf(LocalStackInUseError);
    // The running stack is unharmed.
    const res = await fetch(`${stack.cognito.endpoint}/health`);
    expect(res.status).toBe(200);
  });

  it("stop() ends both children and is idempotent", async () => {
    const { cognito: c, s3: s } = stack.childPids();
    expect(c).toBeTypeOf("number");
    expect(s).toBeTypeOf("number");
    await Promise.all([stack.stop(), stack.stop()]);
    expect(isGone(c)).toBe(true);
    expect(isGone(s)).toBe(true);
    await stack.stop();
    await expect(stack.startCognito()).rejects.toThrow(/stopped/);
  });
});

describe("local stack restarts on the same data folder", () => {
  let dataDir: string;
  const options = (extra: Partial<LocalStackOptions> = {}): LocalStackOptions => ({
    dataDir,
    adminEmail: TEST_ADMIN_EMAIL,
    corsOrigins: [TEST_CORS_ORIGIN],
    log: silentLogger,
    ...extra,
  });
  let first: LocalStack | undefined;
  let current: LocalStack | undefined;

  beforeAll(async () => {
    dataDir = await makeTestDataDir();
    first = await startLocalStack(options());
    current = first;
    const s3 = createLocalS3Client(first);
    await s3.send(new PutObjectCommand({ Bucket: first.s3.bucket, Key: "a/b.txt", Body: "hello" }));
    s3.destroy();
    // A customer in a group: cognito-local's CreateGroup on an existing group would drop it.
    const cognito = createLocalCognitoClient(first);
    await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: first.cognito.userPoolId,
        Username: "acme",
        MessageAction: "SUPPRESS",
        TemporaryPassword: generatePassword(),
      }),
    );
    await cognito.send(
      new AdminAddUserToGroupCommand({
        UserPoolId: first.cognito.userPoolId,
        Username: "acme",
        GroupName: CUSTOMERS_GROUP,
      }),
    );
    cognito.destroy();
    const pids = first.childPids();
    await first.stop();
    expect(isGone(pids.cognito) && isGone(pids.s3)).toBe(true);
    current = undefined;
  });
  afterAll(async () => {
    await current?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function restart(extra: Partial<LocalStackOptions> = {}): Promise<LocalStack> {
    await current?.stop();
    current = undefined;
    current = await startLocalStack(options(extra));
    return current;
  }

  it("keeps pool, client, admin, password, memberships and objects; applies new CORS origins", async () => {
    if (!first) throw new Error("no first stack");
    const again = await restart({ corsOrigins: ["http://localhost:3000"] });
    expect(again.cognito.userPoolId).toBe(first.cognito.userPoolId);
    expect(again.cognito.clientId).toBe(first.cognito.clientId);
    expect(again.admin).toEqual(first.admin);
    // The last run's ports were free again, so the endpoints (and token issuer) stayed put.
    expect(again.cognito.issuer).toBe(first.cognito.issuer);

    const cognito = createLocalCognitoClient(again);
    const s3 = createLocalS3Client(again);
    try {
      const users = await cognito.send(
        new ListUsersCommand({
          UserPoolId: again.cognito.userPoolId,
          Filter: `email = "${TEST_ADMIN_EMAIL}"`,
        }),
      );
      expect(users.Users?.map((u) => u.Username)).toEqual([first.admin.username]);
      const groups = await cognito.send(
        new AdminListGroupsForUserCommand({
          UserPoolId: again.cognito.userPoolId,
          Username: again.admin.username,
        }),
      );
      expect(groups.Groups?.map((g) => g.GroupName)).toContain(ADMINS_GROUP);
      const customerGroups = await cognito.send(
        new AdminListGroupsForUserCommand({
          UserPoolId: again.cognito.userPoolId,
          Username: "acme",
        }),
      );
      expect(customerGroups.Groups?.map((g) => g.GroupName)).toEqual([CUSTOMERS_GROUP]);
      const auth = await signIn(cognito, again, again.admin.username, again.admin.password);
      expect(auth.AuthenticationResult?.IdToken).toBeTruthy();

      const got = await s3.send(new GetObjectCommand({ Bucket: again.s3.bucket, Key: "a/b.txt" }));
      expect(await got.Body?.transformToString()).toBe("hello");

      expect((await preflight(again, "http://localhost:3000")).status).toBe(200);
      expect((await preflight(again, TEST_CORS_ORIGIN)).status).toBe(403);
    } finally {
      cognito.destroy();
      s3.destroy();
    }
  });

  it("applies and keeps a LOCAL admin password override", async () => {
    if (!first) throw new Error("no first stack");
    const override = "Override-Passw0rd!";
    const withOverride = await restart({ adminPassword: override });
    expect(withOverride.admin.password).toBe(override);
    expect(withOverride.admin.username).toBe(first.admin.username);
    const cognito = createLocalCognitoClient(withOverride);
    try {
      const ok = await signIn(cognito, withOverride, withOverride.admin.username, override);
      expect(ok.AuthenticationResult?.AccessToken).toBeTruthy();
      await expect(
        signIn(cognito, withOverride, withOverride.admin.username, first.admin.password),
      ).rejects.toThrow();
    } finally {
      cognito.destroy();
    }
    // Unset again: the kept password is the admin's current one.
    const later = await restart();
    expect(later.admin.password).toBe(override);
  });

  it("seeds again when the recorded pool is gone", async () => {
    if (!first) throw new Error("no first stack");
    const before = current ?? (await restart());
    const cognito = createLocalCognitoClient(before);
    await cognito.send(new DeleteUserPoolCommand({ UserPoolId: before.cognito.userPoolId }));
    cognito.destroy();
    const reseeded = await restart();
    expect(reseeded.cognito.userPoolId).not.toBe(first.cognito.userPoolId);
    expect(reseeded.admin.username).not.toBe(first.admin.username);
    const c2 = createLocalCognitoClient(reseeded);
    try {
      const auth = await signIn(c2, reseeded, reseeded.admin.username, reseeded.admin.password);
      expect(
        decodeJwt(auth.AuthenticationResult?.IdToken ?? "x.e30.x")["cognito:groups"],
      ).toContain(ADMINS_GROUP);
    } finally {
      c2.destroy();
    }
  });
});

describe("create-admin CLI (local mode)", () => {
  function capture() {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
  }

  it("needs --email and rejects unknown options", async () => {
    const a = capture();
    expect(await runCreateAdmin([], {}, a.io)).toBe(1);
    expect(a.err.join("\n")).toMatch(/--email is required/);
    const b = capture();
    expect(await runCreateAdmin(["--email", "a@b.c", "--bogus"], {}, b.io)).toBe(1);
    expect(b.err.join("\n")).toMatch(/bogus/);
  });

  it("creates an admin in the local pool, printing the temporary password once", async () => {
    const dir = await makeTestDataDir();
    try {
      const env = { LOCAL_DATA_DIR: dir, LOCAL_ADMIN_EMAIL: TEST_ADMIN_EMAIL, LOG_LEVEL: "silent" };
      const a = capture();
      expect(
        await runCreateAdmin(["--email", "New.Admin@example.test", "--name", "N A"], env, a.io),
      ).toBe(0);
      const text = a.out.join("\n");
      const pw = /Temporary password: (\S+)/.exec(text)?.[1] ?? "";
      expect(meetsPasswordPolicy(pw)).toBe(true);
      expect(text.split(pw)).toHaveLength(2); // printed exactly once
      expect(text).toMatch(/must be replaced at first sign-in/);
      expect(text).toMatch(/new\.admin@example\.test \(username admin\.[0-9a-f]{16}\)/);

      // The stack it started is stopped again, and the admin is in the pool for the next start.
      const stack = await startPrivateTestStack({ dataDir: dir });
      const cognito = createLocalCognitoClient(stack);
      try {
        // While that stack runs, the CLI uses it rather than failing on the lock.
        const b = capture();
        expect(await runCreateAdmin(["--email", "new.admin@example.test"], env, b.io)).toBe(1);
        expect(b.err.join("\n")).toMatch(/already exists/);

        const users = await cognito.send(
          new ListUsersCommand({
            UserPoolId: stack.cognito.userPoolId,
            Filter: 'email = "new.admin@example.test"',
          }),
        );
        expect(users.Users).toHaveLength(1);
        expect(users.Users?.[0]?.UserStatus).toBe("FORCE_CHANGE_PASSWORD");
      } finally {
        cognito.destroy();
        await stack.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("emulator children", () => {
  it("exit when their parent is killed with SIGKILL", async () => {
    const dir = await makeTestDataDir();
    // A bare parent that forks both children and prints their pids once they are ready.
    const parentSource = `
      const { fork } = require("node:child_process");
      const path = require("node:path");
      const fs = require("node:fs");
      const dir = ${JSON.stringify(dir)};
      fs.mkdirSync(path.join(dir, "cognito", ".cognito"), { recursive: true });
      fs.writeFileSync(path.join(dir, "cognito", ".cognito", "config.json"), "{}");
      const opts = { host: "127.0.0.1", port: 0, directory: path.join(dir, "s3"), bucket: "b", corsXml: null };
      const kids = [
        fork(${JSON.stringify(childScript("cognito-child.cjs"))}, [], { cwd: path.join(dir, "cognito"), env: { ...process.env, PORT: "0", HOST: "127.0.0.1" }, stdio: ["ignore", "ignore", "ignore", "ipc"] }),
        fork(${JSON.stringify(childScript("s3-child.cjs"))}, [], { env: { ...process.env, LOCAL_STACK_CHILD_OPTIONS: JSON.stringify(opts) }, execArgv: ["--openssl-legacy-provider"], stdio: ["ignore", "ignore", "ignore", "ipc"] }),
      ];
      let ready = 0;
      for (const k of kids) k.on("message", (m) => { if (m.type === "ready" && ++ready === 2) console.log(JSON.stringify(kids.map((c) => c.pid))); });
    `;
    const parent = spawn(process.execPath, ["-e", parentSource], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const pids = await new Promise<number[]>((resolve, reject) => {
        let out = "";
        parent.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          if (out.includes("\n")) resolve(JSON.parse(out) as number[]);
        });
        parent.once("exit", (code) => reject(new Error(`parent exited early (${code})`)));
      });
      expect(pids).toHaveLength(2);
      expect(pids.every((p) => !isGone(p))).toBe(true);
      parent.kill("SIGKILL");
      expect(await waitUntil(() => pids.every(isGone), 5000)).toBe(true);
    } finally {
      parent.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    }
  });
});
