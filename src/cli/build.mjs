// `npm run build`: the server (esbuild: src → dist, dependencies left in node_modules), the web app
// (Vite: src/web → dist/web) and the typed client package (src/client → dist/client).
//
//   node src/cli/build.mjs [--only server,web,client] [--if-stale]
//
// --if-stale skips a part whose output is newer than all of its sources (what `npm start` uses, so
// a restart does not build again). Type checking is not part of building: `npm test` runs tsc.
// esbuild emits no decorator metadata; every type-graphql decorator names its type explicitly, and
// `npm run check:schema` proves the built schema equals schema.graphql.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..", "..");
const src = path.join(root, "src");
const dist = path.join(root, "dist");

/** What each part is built from and what it writes. */
const PARTS = {
  server: {
    inputs: [src],
    skip: [path.join(src, "web"), path.join(src, "client")],
    output: path.join(dist, "main.js"),
    build: buildServer,
  },
  web: {
    inputs: [path.join(src, "web"), path.join(src, "client")],
    skip: [],
    output: path.join(dist, "web", "index.html"),
    build: buildWeb,
  },
  client: {
    inputs: [path.join(src, "client")],
    skip: [],
    output: path.join(dist, "client", "index.js"),
    build: buildClient,
  },
  /** `npm run bench` only (not part of a plain build). */
  bench: {
    inputs: [src, path.join(root, "test", "bench")],
    skip: [path.join(src, "web"), path.join(src, "client")],
    output: path.join(dist, "bench", "run.js"),
    build: buildBench,
  },
};

/** What a plain `npm run build` builds. */
const DEFAULT_PARTS = ["server", "web", "client"];

/** Entry points of the server build: the API, the Lambda handler and the operator commands. */
const SERVER_ENTRIES = [
  "main.ts",
  "lambda.ts",
  "cli/create-admin.ts",
  "cli/emit-schema.ts",
  "cli/smoke.ts",
  "cli/build-lambda.ts",
];

/** esbuild options shared by the server and the benchmark. */
const NODE_BUNDLE = {
  bundle: true,
  // Dependencies load from node_modules at run time (the Lambda build bundles them itself).
  packages: "external",
  platform: "node",
  target: "node20",
  format: "cjs",
  // type-graphql names GraphQL types after their classes.
  keepNames: true,
  sourcemap: "linked",
  logLevel: "warning",
};

async function buildBench() {
  const { build, stop } = await import("esbuild");
  await build({
    ...NODE_BUNDLE,
    entryPoints: [path.join(root, "test", "bench", "run.ts")],
    outfile: path.join(dist, "bench", "run.js"),
  });
  await stop();
}

async function buildServer() {
  const { build, stop } = await import("esbuild");
  await build({
    ...NODE_BUNDLE,
    entryPoints: SERVER_ENTRIES.map((e) => path.join(src, e)),
    outbase: src,
    outdir: dist,
  });
  // esbuild keeps a helper process for further builds; `npm start` runs on for hours.
  await stop();
}

async function buildWeb() {
  const { build } = await import("vite");
  await build({ configFile: path.join(src, "web", "vite.config.mts") });
}

async function buildClient() {
  const result = spawnSync(process.execPath, [path.join(src, "client", "build.mjs")], {
    stdio: "inherit",
  });
  if (result.status !== 0) throw new Error(`the client build failed (exit ${result.status})`);
}

/** The newest modification time under the given folders (files only). */
function newest(dirs, skip) {
  let latest = 0;
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (skip.includes(full)) continue;
      const st = statSync(full);
      if (st.isDirectory()) walk(full);
      else latest = Math.max(latest, st.mtimeMs);
    }
  };
  for (const dir of dirs) if (existsSync(dir)) walk(dir);
  return latest;
}

export function isStale(name) {
  const part = PARTS[name];
  return (
    !existsSync(part.output) ||
    statSync(part.output).mtimeMs < newest(part.inputs, part.skip) ||
    // A dependency installed or updated since.
    statSync(part.output).mtimeMs < statSync(path.join(root, "package-lock.json")).mtimeMs
  );
}

export async function buildParts(names, { ifStale = false, log = () => {} } = {}) {
  for (const name of names) {
    if (ifStale && !isStale(name)) continue;
    const started = Date.now();
    await PARTS[name].build();
    log(`built ${name} in ${Date.now() - started} ms`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const only = args.find((a) => a.startsWith("--only"));
  const names = only
    ? (only.includes("=") ? only.split("=")[1] : args[args.indexOf(only) + 1]).split(",")
    : DEFAULT_PARTS;
  for (const name of names)
    if (!(name in PARTS)) {
      process.stderr.write(`build: unknown part "${name}" (${Object.keys(PARTS).join(", ")})\n`);
      process.exit(2);
    }
  await buildParts(names, {
    ifStale: args.includes("--if-stale"),
    log: (line) => process.stdout.write(`${line}\n`),
  });
}
