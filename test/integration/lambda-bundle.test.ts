import { awsModeEnv } from "../helpers/stack.js";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { buildSchema, isIntrospectionType } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packagesOf } from "../../src/cli/build-lambda.js";
import { startTestApp } from "../helpers/app.js";
import type { TestApp } from "../helpers/app.js";

const ROOT = path.resolve(__dirname, "../..");
const BUNDLE = path.join(ROOT, "dist", "lambda", "lambda.mjs");

/**
 * Loads the bundle in a fresh Node process as Lambda's Node runtime loads an .mjs handler (import(),
 * with the function's NODE_OPTIONS) and
 * sends it one event: QUERY as a GraphQL request, or, with BROKEN set, an event without its
 * request context (the handler then fails inside src/lambda.ts).
 */
const INVOKE = `
const started = Date.now();
const event = {
  version: "2.0", rawPath: "/graphql", rawQueryString: "", isBase64Encoded: false,
  headers: { "content-type": "application/json", authorization: "Bearer " + process.env.TOKEN },
  ...(process.env.BROKEN ? {} : { requestContext: { requestId: "bundle-1", http: { method: "POST", path: "/graphql" } } }),
  body: JSON.stringify({ query: process.env.QUERY }),
};
import(require("node:url").pathToFileURL(process.env.BUNDLE).href).then(({ handler }) => handler(event)).then((r) => {
  const body = r.isBase64Encoded ? Buffer.from(r.body, "base64").toString("utf8") : r.body;
  process.stdout.write(JSON.stringify({ statusCode: r.statusCode, isBase64Encoded: r.isBase64Encoded, body, ms: Date.now() - started }));
}, (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
`;

describe("the deployable Lambda bundle (npm run build:lambda), loaded as Lambda loads it", () => {
  let t: TestApp;
  beforeAll(async () => {
    const build = spawnSync("npm", ["run", "--silent", "build:lambda"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    if (build.status !== 0)
      throw new Error(`build:lambda failed:\n${build.stdout}\n${build.stderr}`);
    t = await startTestApp();
  }, 180_000);
  afterAll(() => t?.stop());

  function invoke(env: Record<string, string>) {
    return spawnSync(process.execPath, ["-e", INVOKE], {
      cwd: path.dirname(BUNDLE),
      encoding: "utf8",
      env: {
        PATH: process.env.PATH,
        BUNDLE,
        // As terraform/api.tf sets it.
        NODE_OPTIONS: "--enable-source-maps",
        AWS_LAMBDA_FUNCTION_NAME: "portal-api-test",
        NODE_ENV: "production",
        LOG_LEVEL: "silent",
        ...awsModeEnv(t.stack),
        CORS_ORIGINS: "http://localhost:5173",
        ...env,
      },
    });
  }

  it("initialises from its environment and answers `me`", async () => {
    expect(existsSync(BUNDLE)).toBe(true);
    const run = invoke({ TOKEN: await t.adminToken(), QUERY: "{ me { role email } }" });
    expect(run.status, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout) as {
      statusCode: number;
      isBase64Encoded: boolean;
      body: string;
    };
    expect(r.statusCode).toBe(200);
    // A JSON answer travels as text (only binary files go base64).
    expect(r.isBase64Encoded).toBe(false);
    expect(JSON.parse(r.body)).toEqual({
      data: { me: { role: "ADMIN", email: t.stack.admin.email } },
    });
  });

  it("sends S3's requests from the bundle: lists, describes and presigns a file; a missing one is null", async () => {
    // The bundle carries only the S3 schemas of the operations the API sends (smallSchemas in
    // src/cli/build-lambda.ts): a listing, a HEAD that finds the file and one that does not
    // (S3's NotFound parsed), and a presigned GET, in one invocation.
    const token = await t.adminToken();
    const name = `bundle-${Date.now()}.txt`;
    const id = await t.upload(
      token,
      { filename: name, contentType: "text/plain", scope: "GENERAL" },
      "from the bundle",
    );
    const run = invoke({
      // An admin's file requests need MFA on AWS by default; this stack's admin has none.
      ADMIN_MFA: "optional",
      TOKEN: token,
      QUERY: `{
        files(scope: GENERAL, first: 100) { edges { node { id name size contentType downloadUrl } } }
        missing: file(id: ${JSON.stringify(t.ids.of("general/never-uploaded.txt"))}) { name }
      }`,
    });
    expect(run.status, run.stderr).toBe(0);
    type Node = {
      id: string;
      name: string;
      size: number;
      contentType: string;
      downloadUrl: string;
    };
    const r = JSON.parse((JSON.parse(run.stdout) as { body: string }).body) as {
      data: { files: { edges: { node: Node }[] }; missing: null } | null;
      errors?: unknown;
    };
    expect(r.errors).toBeUndefined();
    expect(r.data?.missing).toBeNull();
    const node = r.data?.files.edges.map((edge) => edge.node).find((file) => file.name === name);
    expect(node).toMatchObject({ id, size: 15, contentType: "text/plain" });
    expect(await (await fetch(node?.downloadUrl ?? "")).text()).toBe("from the bundle");
    const deleted = await t.exec("mutation($id: ID!) { deleteFile(id: $id) }", { id }, token);
    expect(deleted.errors).toBeUndefined();
  });

  it("builds the same schema as schema.graphql (every type keeps its name in the minified bundle)", async () => {
    const run = invoke({
      TOKEN: await t.adminToken(),
      GRAPHQL_INTROSPECTION: "true",
      QUERY: "{ __schema { types { name kind } } }",
    });
    expect(run.status, run.stderr).toBe(0);
    const body = JSON.parse((JSON.parse(run.stdout) as { body: string }).body) as {
      data: { __schema: { types: { name: string }[] } };
    };
    const served = body.data.__schema.types.map((x) => x.name).filter((n) => !n.startsWith("__"));
    const committed = Object.values(
      buildSchema(readFileSync(path.join(ROOT, "schema.graphql"), "utf8")).getTypeMap(),
    )
      .filter((x) => !isIntrospectionType(x))
      .map((x) => x.name);
    expect(served.sort()).toEqual(committed.sort());
  });

  it("with NODE_OPTIONS=--enable-source-maps, a stack trace names the src/*.ts line", async () => {
    const run = invoke({ TOKEN: "x", QUERY: "{ me { id } }", BROKEN: "1" });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/TypeError/);
    expect(run.stderr).toMatch(/src\/lambda\.ts:\d+:\d+/);
  });

  it("a failure inside a dependency names the dependency's file, not project code beside it", () => {
    // Nothing listens on port 9: fetching the JWKS fails inside aws-jwt-verify, and the app logs
    // the error with its stack (mapped by the bundle's source map) as a warning.
    const run = invoke({
      TOKEN: "x",
      QUERY: "{ me { id } }",
      COGNITO_ENDPOINT: "http://127.0.0.1:9",
      LOG_LEVEL: "warn",
    });
    const warning = run.stdout
      .split("\n")
      .filter((line) => line.includes("JWKS not loaded yet"))
      .map((line) => JSON.parse(line) as { err: { stack: string } })[0];
    expect(warning, run.stdout + run.stderr).toBeDefined();
    const frames = (warning?.err.stack ?? "").split("\n").filter((l) => l.trim().startsWith("at "));
    // The failure is raised in aws-jwt-verify's fetcher, from a socket event: every frame in the
    // bundle names aws-jwt-verify's file (src/ names only the project's code).
    const theirs = frames.filter((l) => !/\(node:/.test(l));
    expect(theirs.length, frames.join("\n")).toBeGreaterThan(0);
    for (const frame of theirs) expect(frame).toContain("node_modules/aws-jwt-verify/");
  });

  it("reads at a cold start only what answering a request needs; the rest loads on demand", () => {
    const start = JSON.parse(
      readFileSync(path.join(ROOT, "dist", "lambda", "start.json"), "utf8"),
    ) as { files: number; bytes: number; allBytes: number; packages: string[] };
    for (const later of [
      "@aws-sdk/client-sesv2", // the first email
      "@aws-sdk/client-ssm", // a secret named as a parameter
      "@aws-sdk/nested-clients", // credentials other than the function's environment
      "@aws-sdk/credential-provider-ini",
      "@aws-sdk/credential-provider-sso",
      "@apollo/utils.usagereporting", // left out: GraphOS reporting is not configured
      "semver", // replaced (REPLACED in src/cli/build-lambda.ts)
      "sha.js",
      "@graphql-tools/schema", // left out: Apollo builds a schema with it only from typeDefs
    ])
      expect(start.packages, later).not.toContain(later);
    for (const needed of [
      "graphql",
      "type-graphql",
      "@apollo/server",
      "aws-jwt-verify",
      "@aws-sdk/client-cognito-identity-provider",
      "@aws-sdk/client-s3",
    ])
      expect(start.packages, needed).toContain(needed);
    expect(start.bytes).toBeLessThan(start.allBytes);
  });

  it("carries no development dependency (the local stand-ins, test and build tools)", () => {
    // npm marks in the lockfile what only development needs (a production install omits it).
    const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const inputs = JSON.parse(
      readFileSync(path.join(ROOT, "dist", "lambda", "inputs.json"), "utf8"),
    ) as string[];
    const packages = packagesOf(inputs);
    expect(packages.length).toBeGreaterThan(10);
    expect(packages.filter((p) => lock.packages[`node_modules/${p}`]?.dev === true)).toEqual([]);
  });

  it("leaves out what the function never runs, and maps the project's code line by line", () => {
    const dir = path.dirname(BUNDLE);
    const js = readdirSync(dir)
      .filter((f) => f.endsWith(".mjs"))
      .map((f) => readFileSync(path.join(dir, f), "utf8"))
      .join("\n");
    for (const gone of ["libphonenumber", "IsPhoneNumber", "isCreditCard", "graphiql"])
      expect(js.includes(gone), gone).toBe(false);
    // The SDK clients' schemas of operations the API never sends are left out (smallSchemas);
    // those of the operations it sends stay.
    for (const gone of [
      "WriteGetObjectResponse$=",
      "PutBucketLifecycleConfiguration$=",
      "CreateUserPool$=",
    ])
      expect(js.includes(gone), gone).toBe(false);
    for (const kept of ["ListObjectsV2Request$=", "HeadObject$=", "AdminGetUser$="])
      expect(js.includes(kept), kept).toBe(true);
    expect(js).toContain("is left out of the Lambda bundle");
    const map = JSON.parse(readFileSync(`${BUNDLE}.map`, "utf8")) as {
      sources: string[];
      sourcesContent?: unknown;
    };
    expect(map.sourcesContent).toBeUndefined();
    expect(map.sources.some((x) => x.endsWith("src/lambda.ts"))).toBe(true);
    // Files holding dependencies only carry no map (Node would read it at every start).
    const maps = readdirSync(dir).filter((f) => f.endsWith(".mjs.map"));
    const modules = readdirSync(dir).filter((f) => f.endsWith(".mjs"));
    expect(maps.length).toBeLessThan(modules.length);
    // The deployment zip carries every module and every map (names are stored as written).
    const zip = readFileSync(path.join(dir, "lambda.zip"));
    for (const name of [...modules, ...maps])
      expect(zip.includes(Buffer.from(name)), name).toBe(true);
  });
});
