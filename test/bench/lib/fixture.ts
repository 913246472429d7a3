import { ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import type { S3Client } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { createApp } from "../../../src/app.js";
import type { App, AppSettings } from "../../../src/app.js";
import { buildKey } from "../../../src/files/keys.js";
import type { Context } from "../../../src/auth/context.js";
import { createLocalS3Client } from "../../../src/local/stack.js";
import type { LocalStack } from "../../../src/local/stack.js";
import { createLogger } from "../../../src/log.js";
import type { Logger } from "../../../src/log.js";
import { localBackends } from "../../../src/local/stack.js";
import { startPrivateTestStack } from "../../helpers/stack.js";
import { countAwsCalls } from "./aws-counter.js";

export const BENCH_SETTINGS: AppSettings = {
  corsOrigins: ["http://localhost:5173"],
  bodyLimitBytes: 1024 * 1024,
  introspection: false,
  playground: false,
  userCacheTtlSeconds: 300,
  uploadMaxBytes: 5 * 1024 ** 3,
  uploadUrlTtlSeconds: 900,
  downloadUrlTtlSeconds: 300,
  account: {
    appName: "Customer File Portal",
    invitationTtlHours: 72,
    adminMfa: "optional",
  },
};

export const PASSWORD = "Bench!Passw0rd-1";

/**
 * A logger that formats every line like production (JSON.stringify per line) and drops it, so
 * the figures include logging's CPU cost but not a terminal's.
 */
export function discardingLogger(): Logger {
  return createLogger("info", { service: "portal-api" }, () => undefined);
}

export interface BenchCustomer {
  readonly id: string;
  readonly token: string;
}

export interface Fixture {
  readonly stack: LocalStack;
  readonly app: App;
  readonly url: string;
  readonly adminToken: string;
  /** Customers with `small` and `big` files in their folders. */
  readonly small: BenchCustomer;
  readonly big: BenchCustomer;
  readonly generalFiles: number;
  readonly counter: ReturnType<typeof countAwsCalls>;
  /** Executes in-process through app.context (the real token path) and Apollo. */
  exec(query: string, variables?: Record<string, unknown>, token?: string): Promise<GqlReply>;
  stop(): Promise<void>;
}

export interface GqlReply {
  data?: Record<string, unknown> | null;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
}

export async function execWith(
  app: App,
  contextValue: Context,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GqlReply> {
  const res = await app.apollo.executeOperation(
    { query, ...(variables ? { variables } : {}) },
    { contextValue },
  );
  if (res.body.kind !== "single") throw new Error("incremental delivery not expected");
  return res.body.singleResult as GqlReply;
}

export function dataOf<T>(r: GqlReply): T {
  if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data as T;
}

/** Runs `task` over the items, `concurrency` at a time. */
export async function pool<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await task(items[i] as T, i);
      }
    }),
  );
}

const SEED_BODY = "%PDF-1.4 bench\n";

/**
 * Puts `count` small objects into a folder (customer id, or null for general/), oldest first.
 * Up to 300 go through PutObject; larger folders are written straight into s3rver's folder in
 * its own on-disk format (object, .md5, metadata JSON), which is what PutObject leaves behind:
 * 20,000 PUTs would take minutes on a loaded two-core machine. Checked by the caller with a
 * listing through the S3 API.
 */
export async function seedFiles(
  s3: S3Client,
  stack: LocalStack,
  customerId: string | null,
  count: number,
  uploadedBy: string,
): Promise<void> {
  const base = Date.now() - 100_000_000;
  const keys = Array.from({ length: count }, (_, i) =>
    buildKey(
      customerId ? "CUSTOMER" : "GENERAL",
      customerId,
      `report-${String(i).padStart(5, "0")}.pdf`,
      base + i * 1000,
    ),
  );
  const metadata = {
    "original-name": "report.pdf",
    "uploaded-by": encodeURIComponent(uploadedBy),
  };
  if (count <= 300) {
    await pool(keys, 16, async (key) => {
      await s3.send(
        new PutObjectCommand({
          Bucket: stack.s3.bucket,
          Key: key,
          Body: SEED_BODY,
          ContentType: "application/pdf",
          Metadata: metadata,
        }),
      );
    });
    return;
  }
  const md5 = createHash("md5").update(SEED_BODY).digest("hex");
  const meta = JSON.stringify({
    "content-type": "application/pdf",
    ...Object.fromEntries(Object.entries(metadata).map(([k, v]) => [`x-amz-meta-${k}`, v])),
  });
  const root = path.join(stack.dataDir, "s3", stack.s3.bucket);
  await pool(keys, 64, async (key) => {
    const parts = key.split("/");
    const name = parts.pop() as string;
    const dir = path.join(root, ...parts);
    await mkdir(dir, { recursive: true });
    const file = (suffix: string) => path.join(dir, `${name}._S3rver_${suffix}`);
    await writeFile(file("object"), SEED_BODY);
    await writeFile(file("object.md5"), md5);
    await writeFile(file("metadata.json"), meta);
  });
}

/** How many keys the S3 API lists under a prefix (pages of 1,000). */
export async function countKeys(s3: S3Client, bucket: string, prefix: string): Promise<number> {
  let n = 0;
  let token: string | undefined;
  do {
    const r = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    n += r.KeyCount ?? 0;
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (token);
  return n;
}

export interface FixtureOptions {
  /** Files in the `small` and `big` customers' folders. */
  readonly smallFolder: number;
  readonly bigFolder: number;
  readonly generalFiles: number;
  /** Customers in the pool besides the two above (for the customers page). */
  readonly extraCustomers: number;
  /**
   * The stand-ins, when the caller has them (the test run's shared ones, a user pool and bucket
   * of this fixture's own); else a local stack of its own in a temporary folder, both gone when
   * the fixture stops.
   */
  readonly startStack?: () => Promise<LocalStack>;
  readonly log: (line: string) => void;
}

/** Local stack + app + customers + files. */
export async function startFixture(o: FixtureOptions): Promise<Fixture> {
  const t0 = Date.now();
  const stack = o.startStack
    ? await o.startStack()
    : await startPrivateTestStack({
        adminEmail: "admin@bench.test",
        corsOrigins: BENCH_SETTINGS.corsOrigins,
      });
  const app = await createApp(BENCH_SETTINGS, localBackends(stack, 10_000), discardingLogger());
  const url = await app.listen(0, "127.0.0.1");
  const counter = countAwsCalls(app.clients);
  const exec: Fixture["exec"] = async (query, variables, token) =>
    execWith(
      app,
      await app.context({ authorization: token ? `Bearer ${token}` : undefined }),
      query,
      variables,
    );
  const signIn = async (email: string, password: string, newPassword?: string) => {
    const r = dataOf<{ signIn: { accessToken?: string; session?: string } }>(
      await exec(
        `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) {
          ... on AuthTokens { accessToken } ... on NewPasswordRequired { session } } }`,
        { e: email, p: password },
      ),
    );
    if (r.signIn.accessToken) return r.signIn.accessToken;
    const c = dataOf<{ completeNewPassword: { accessToken: string } }>(
      await exec(
        `mutation($e: String!, $s: String!, $n: String!) { completeNewPassword(email: $e, session: $s, newPassword: $n) { accessToken } }`,
        { e: email, s: r.signIn.session, n: newPassword },
      ),
    );
    return c.completeNewPassword.accessToken;
  };
  const adminToken = await signIn(stack.admin.email, stack.admin.password);
  const create = async (id: string) =>
    dataOf<{ createCustomer: { temporaryPassword: string } }>(
      await exec(
        `mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { customer { id } temporaryPassword } }`,
        { i: { id, email: `${id}@bench.test`, name: `Customer ${id}` } },
        adminToken,
      ),
    ).createCustomer.temporaryPassword;
  const customer = async (id: string): Promise<BenchCustomer> => {
    const temp = await create(id);
    return { id, token: await signIn(`${id}@bench.test`, temp, PASSWORD) };
  };
  const small = await customer("bench-small");
  const big = await customer("bench-big");
  const extra = Array.from(
    { length: o.extraCustomers },
    (_, i) => `cust-${String(i).padStart(4, "0")}`,
  );
  await pool(extra, 8, async (id) => {
    await create(id);
  });
  o.log(`  stack + ${extra.length + 2} customers ready in ${Date.now() - t0} ms`);
  const t1 = Date.now();
  const s3 = createLocalS3Client(stack);
  await seedFiles(s3, stack, null, o.generalFiles, stack.admin.email);
  await seedFiles(s3, stack, small.id, o.smallFolder, stack.admin.email);
  await seedFiles(s3, stack, big.id, o.bigFolder, stack.admin.email);
  for (const [id, want] of [
    [small.id, o.smallFolder],
    [big.id, o.bigFolder],
  ] as const) {
    const got = await countKeys(s3, stack.s3.bucket, `customers/${id}/`);
    if (got !== want)
      throw new Error(`seeding ${id}: the S3 API lists ${got} keys, expected ${want}`);
  }
  s3.destroy();
  o.log(`  ${o.generalFiles + o.smallFolder + o.bigFolder} files seeded in ${Date.now() - t1} ms`);
  return {
    stack,
    app,
    url,
    adminToken,
    small,
    big,
    generalFiles: o.generalFiles,
    counter,
    exec,
    async stop() {
      await app.close();
      await stack.stop();
    },
  };
}
