import { build } from "esbuild";
import type { Plugin } from "esbuild";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { crc32, deflateRawSync } from "node:zlib";

/**
 * `npm run build:lambda`: bundles the API (src/lambda.ts) with all its dependencies into
 * dist/lambda/lambda.mjs (an ES module, with the files it loads on demand beside it), and zips
 * them with their source maps and the built web app (dist/web/, when there is one, as web/ beside
 * lambda.mjs) into dist/lambda/lambda.zip for terraform/api.tf. The local stand-ins are not part
 * of the bundle.
 *
 * A cold start pays for every byte of the bundle (V8 scans it all) and for every module it runs
 * while loading, so the bundle leaves out what the function never runs (LEFT_OUT, PARTS,
 * REPLACED, EMPTY, and the AWS SDK schemas of operations the API never sends: smallSchemas), and
 * its source maps are small (compactSourceMap) and only for the files that hold project code.
 */

/**
 * Modules the function never runs, replaced by a stand-in that fails with the reason if
 * anything ever reaches it (so a change that starts using one cannot go unnoticed).
 */
export const LEFT_OUT: Readonly<Record<string, string>> = {
  "class-validator":
    "type-graphql loads it only to validate arguments, and the schema is built with validate: false (src/schema.ts)",
  "@apollo/usage-reporting-protobuf":
    "only Apollo's usage reporting and inline trace plugins (GraphOS) load it, and the API configures neither",
  "@apollo/utils.usagereporting":
    "only Apollo's usage reporting plugin (GraphOS) loads it, and the API configures none; its CommonJS helpers would make the bundle keep every export of graphql",
  "@graphql-tools/schema":
    "Apollo Server builds a schema with it only from typeDefs and resolvers; the API hands it the schema type-graphql built",
  "./playground/playground.js":
    "the GraphQL playground serves its files from node_modules, which the function does not have (GRAPHQL_PLAYGROUND is false in terraform/api.tf)",
};

/**
 * Packages whose index loads much more than the function uses, replaced by the parts it uses
 * (export name → file); any other name fails with the reason, as LEFT_OUT does.
 */
export const PARTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  // Its index loads every store it supports (Redis, MongoDB, PostgreSQL, DynamoDB, …).
  "rate-limiter-flexible": {
    RateLimiterMemory: "rate-limiter-flexible/lib/RateLimiterMemory.js",
    RateLimiterRes: "rate-limiter-flexible/lib/RateLimiterRes.js",
  },
};

/**
 * Modules replaced by what they do outside a bundle (module → [why, CommonJS source]).
 */
export const REPLACED: Readonly<Record<string, readonly [string, string]>> = {
  "@apollo/utils.createhash": [
    "it hashes with Node's crypto only when it sees `module.require`, which a bundle hides, and otherwise with sha.js (JavaScript, slower, and a tree of packages to load)",
    'exports.createHash = (kind) => require("node:crypto").createHash(kind);',
  ],
  semver: [
    "only type-graphql loads it, to check that graphql satisfies its peer range (^x.y.z); the whole package is parsed and run at every cold start for that one comparison",
    `exports.satisfies = (version, range) => {
  const want = /^\\^([1-9]\\d*)\\.(\\d+)\\.(\\d+)$/.exec(range);
  const have = /^(\\d+)\\.(\\d+)\\.(\\d+)$/.exec(version);
  if (!want) throw new Error("semver in the Lambda bundle compares ^x.y.z ranges only (REPLACED in src/cli/build-lambda.ts), not " + range);
  if (!have) return false;
  const [a, b, c] = want.slice(1).map(Number);
  const [x, y, z] = have.slice(1).map(Number);
  return x === a && (y > b || (y === b && z >= c));
};`,
  ],
};

/** Modules loaded when a dependency loads, but never used: replaced by an empty module. */
export const EMPTY: Readonly<Record<string, string>> = {
  yup: "graphql-shield loads it for inputRule, which the permission map does not use",
};

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const exact = (names: readonly string[]) => new RegExp(`^(${names.map(escapeRegExp).join("|")})$`);

/** The esbuild plugin that applies LEFT_OUT, PARTS, REPLACED and EMPTY. */
export function lambdaModules(): Plugin {
  return {
    name: "lambda-modules",
    setup(build) {
      build.onResolve({ filter: exact(Object.keys(LEFT_OUT)) }, (args) => ({
        path: args.path,
        namespace: "left-out",
      }));
      build.onLoad({ filter: /.*/, namespace: "left-out" }, (args) => ({
        loader: "js",
        contents: `const fail = () => { throw new Error(${JSON.stringify(`${args.path} is left out of the Lambda bundle: ${LEFT_OUT[args.path] ?? ""}`)}); };
// Listing or probing the stand-in (what ES-module interop does on import) finds nothing; using
// anything of it fails with the reason.
module.exports = new Proxy({}, {
  get: (_, key) => (key === "__esModule" || typeof key === "symbol" ? undefined : fail()),
  has: () => false,
  ownKeys: () => [],
});`,
      }));
      build.onResolve({ filter: exact(Object.keys(PARTS)) }, (args) => ({
        path: args.path,
        namespace: "parts",
      }));
      build.onLoad({ filter: /.*/, namespace: "parts" }, (args) => {
        const parts = Object.entries(PARTS[args.path] ?? {});
        return {
          loader: "js",
          // The project root (dist/cli/ or src/cli/ → ../..), where node_modules is.
          resolveDir: path.resolve(__dirname, "..", ".."),
          contents: `const parts = { ${parts.map(([name, file]) => `${name}: require(${JSON.stringify(file)})`).join(", ")} };
module.exports = new Proxy(parts, {
  get: (target, key) => {
    if (key in target || key === "__esModule" || typeof key === "symbol") return target[key];
    throw new Error(${JSON.stringify(`${args.path}: only ${parts.map(([name]) => name).join(", ")} are in the Lambda bundle (PARTS in src/cli/build-lambda.ts), not `)} + String(key));
  },
});`,
        };
      });
      build.onResolve({ filter: exact(Object.keys(REPLACED)) }, (args) => ({
        path: args.path,
        namespace: "replaced",
      }));
      build.onLoad({ filter: /.*/, namespace: "replaced" }, (args) => ({
        loader: "js",
        contents: REPLACED[args.path]?.[1] ?? "",
      }));
      build.onResolve({ filter: exact(Object.keys(EMPTY)) }, (args) => ({
        path: args.path,
        namespace: "empty",
      }));
      build.onLoad({ filter: /.*/, namespace: "empty" }, () => ({
        loader: "js",
        contents: "module.exports = {};",
      }));
    },
  };
}
/**
 * graphql as one copy, its ES module build, whoever loads it (a CommonJS package's require too):
 * two copies would refuse each other's schemas ("another module or realm"), and the ES module
 * build lets the bundle keep only the parts of graphql that are used.
 */
function oneGraphql(): Plugin {
  return {
    name: "one-graphql",
    setup(build) {
      build.onResolve({ filter: /^graphql(\/.*)?$/ }, (args) => ({
        path: require.resolve(args.path).replace(/\.js$/, ".mjs"),
      }));
    },
  };
}

/**
 * The AWS SDK clients' schema files (every operation of the service, its shapes and errors)
 * with each object key written `[_name]:` — a computed key naming one of the file's string
 * constants — written as the string itself. esbuild keeps any statement with a computed key whose
 * value it cannot see (it might run code), and through their references every schema of every
 * operation; with literal keys the schemas of operations the API never sends are left out.
 */
export function literalSchemaKeys(source: string): string {
  const constants = new Map<string, string>();
  for (const match of source.matchAll(/^const (_[A-Za-z0-9_]*) = ("[^"\\\n]*");$/gm))
    constants.set(match[1] as string, match[2] as string);
  return source.replace(
    /([{,]\s*)\[(_[A-Za-z0-9_]*)\]:/g,
    (whole, before: string, name: string) => {
      const value = constants.get(name);
      // `{ "__proto__": v }` would set the prototype where `{ ["__proto__"]: v }` sets a key.
      return value === undefined || value === '"__proto__"' ? whole : `${before}${value}:`;
    },
  );
}

function smallSchemas(): Plugin {
  return {
    name: "small-schemas",
    setup(build) {
      build.onLoad(
        { filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ },
        (args) => ({
          loader: "js",
          contents: literalSchemaKeys(readFileSync(args.path, "utf8")),
        }),
      );
    },
  };
}

/**
 * What every file of the ES module bundle starts with: the CommonJS names that bundled CommonJS
 * packages use (`require` for Node's built-in modules, `__dirname`), under names no package
 * declares; `define` points the free identifiers at them.
 */
const ESM_PRELUDE = [
  'import { createRequire as __lambdaCreateRequire } from "node:module";',
  'import { fileURLToPath as __lambdaFileURLToPath } from "node:url";',
  "const require = __lambdaCreateRequire(import.meta.url);",
  "const __lambdaFilename = __lambdaFileURLToPath(import.meta.url);",
  'const __lambdaDirname = __lambdaFileURLToPath(new URL(".", import.meta.url));',
].join("\n");

async function run(): Promise<void> {
  const root = path.resolve(__dirname, "..", "..");
  const outDir = path.join(root, "dist", "lambda");
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const outfile = path.join(outDir, "lambda.mjs");
  const started = Date.now();
  const result = await build({
    entryPoints: { lambda: path.join(root, "src", "lambda.ts") },
    // What went into the bundle, for tests (no development dependency may be in it).
    metafile: true,
    outdir: outDir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    target: "node20",
    // An ES module split at every dynamic import(): what the function loads only when it needs it
    // (the SES client at the first email, SSM when a secret is a parameter, the SDK's credential
    // providers other than the environment's, Apollo's optional plugins) is a file of its own
    // that a cold start does not read.
    format: "esm",
    splitting: true,
    banner: { js: ESM_PRELUDE },
    define: { __dirname: "__lambdaDirname", __filename: "__lambdaFilename" },
    // Whitespace and syntax minified, identifiers kept: type-graphql names GraphQL types after
    // their classes, and keeping every name as written costs less than keepNames' __name() call
    // for each function and class.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: "linked",
    sourcesContent: false,
    legalComments: "none",
    // Packages' ES module builds first: the AWS SDK's (dist-es) tree-shake to the commands the
    // API sends, where its CommonJS builds carry every command and copy their exports at load.
    mainFields: ["module", "main"],
    // Only `npm start` loads the local stand-ins (dynamic import in main.ts); keep them out.
    external: ["cognito-local", "s3rver", "./local/stack.js"],
    plugins: [lambdaModules(), oneGraphql(), smallSchemas()],
    logLevel: "warning",
  });
  writeFileSync(
    path.join(outDir, "inputs.json"),
    JSON.stringify(Object.keys(result.metafile.inputs).sort(), null, 1),
  );
  // The metafile names files relative to the working directory.
  const outputs = Object.keys(result.metafile.outputs)
    .map((file) => path.resolve(file))
    .filter((file) => file.endsWith(".mjs"))
    .sort();
  for (const file of outputs) {
    const map = compactSourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8")));
    if (map.sources.some(isProjectSource)) writeFileSync(`${file}.map`, JSON.stringify(map));
    else {
      // Dependencies only: no map, and no comment naming one (Node would read it at every start).
      rmSync(`${file}.map`);
      writeFileSync(
        file,
        readFileSync(file, "utf8").replace(/\n\/\/# sourceMappingURL=\S+\n?$/, "\n"),
      );
    }
  }
  const zipPath = path.join(outDir, "lambda.zip");
  const web = filesUnder(path.join(root, "dist", "web"), "web");
  writeFileSync(
    zipPath,
    zip([
      ...outputs.flatMap((file) => [
        { name: path.basename(file), data: readFileSync(file) },
        ...(existsSync(`${file}.map`)
          ? [{ name: `${path.basename(file)}.map`, data: readFileSync(`${file}.map`) }]
          : []),
      ]),
      ...web,
    ]),
  );
  if (web.length === 0)
    process.stdout.write("no web app build (dist/web): the function serves the API only\n");
  const loadedAtStart = staticClosure(result.metafile.outputs, path.relative(".", outfile));
  const startBytes = [...loadedAtStart].reduce(
    (sum, file) => sum + (result.metafile.outputs[file]?.bytes ?? 0),
    0,
  );
  if (process.env.LAMBDA_METAFILE)
    writeFileSync(process.env.LAMBDA_METAFILE, JSON.stringify(result.metafile));
  // What a cold start reads, for the benchmark's table and for tests.
  writeFileSync(
    path.join(outDir, "start.json"),
    JSON.stringify(
      {
        files: loadedAtStart.size,
        bytes: startBytes,
        allFiles: outputs.length,
        allBytes: outputs.reduce((sum, file) => sum + statSync(file).size, 0),
        packages: packagesOf(
          [...loadedAtStart].flatMap((file) =>
            Object.keys(result.metafile.outputs[file]?.inputs ?? {}),
          ),
        ),
      },
      null,
      1,
    ),
  );
  const kib = (bytes: number) => Math.round(bytes / 1024);
  process.stdout.write(
    `built ${path.relative(root, outfile)} (${kib(startBytes)} KiB loaded at start in ${loadedAtStart.size} files, ${outputs.length} files in all) and ${path.relative(root, zipPath)} (${kib(statSync(zipPath).size)} KiB) in ${Date.now() - started} ms\n`,
  );
}

/** The npm packages the given bundled files come from, sorted. */
export function packagesOf(files: readonly string[]): string[] {
  const names = files.flatMap((file) => {
    const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
    return match ? [match[1] as string] : [];
  });
  return [...new Set(names)].sort();
}

/** The output files a start loads: the entry and what it imports statically, transitively. */
export function staticClosure(
  outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }>,
  entry: string,
): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file) || !outputs[file]) return;
    seen.add(file);
    for (const imported of outputs[file].imports)
      if (imported.kind === "import-statement" && !imported.external) visit(imported.path);
  };
  visit(entry);
  return seen;
}

interface SourceMapV3 {
  version: number;
  sources: string[];
  names: string[];
  mappings: string;
  sourcesContent?: (string | null)[];
  [key: string]: unknown;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function decodeVlq(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = B64.indexOf(ch);
    if (digit < 0) throw new Error(`invalid source map character ${JSON.stringify(ch)}`);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

function encodeVlq(values: readonly number[]): string {
  let out = "";
  for (const value of values) {
    let rest = value < 0 ? (-value << 1) | 1 : value << 1;
    do {
      let digit = rest & 31;
      rest >>>= 5;
      if (rest) digit |= 32;
      out += B64[digit];
    } while (rest);
  }
  return out;
}

/** A source map's source is the project's own code (not under node_modules). */
function isProjectSource(source: string): boolean {
  return !source.split(/[\\/]/).includes("node_modules");
}

/**
 * The map, small: the project's own code mapped segment by segment (stack frames point at
 * src/*.ts lines), a dependency's code by one mapping where each stretch of it starts (its frames
 * name the dependency's file, not the project code before it on the minified line), no names
 * only dependencies used, no sources' content. With NODE_OPTIONS=--enable-source-maps, Node
 * reads the whole map when it loads the bundle.
 */
export function compactSourceMap(map: SourceMapV3): SourceMapV3 {
  const sourceIndex = new Map<number, number>();
  const sources: string[] = [];
  const sourceAt = (i: number) => {
    let at = sourceIndex.get(i);
    if (at === undefined) {
      at = sources.length;
      sourceIndex.set(i, at);
      sources.push(map.sources[i] ?? "");
    }
    return at;
  };
  // The project's files first, in the bundle's order; dependencies as their code is met.
  map.sources.forEach((source, i) => {
    if (isProjectSource(source)) sourceAt(i);
  });
  const nameIndex = new Map<number, number>();
  const names: string[] = [];
  // Absolute values of the fields that are relative to the previous segment.
  let src = 0;
  let srcLine = 0;
  let srcCol = 0;
  let name = 0;
  let outSrc = 0;
  let outLine = 0;
  let outCol = 0;
  let outName = 0;
  const lines = map.mappings.split(";").map((line) => {
    let genCol = 0;
    let outGenCol = 0;
    // The dependency whose stretch of code this line is in (one mapping per stretch and line).
    let stretch: number | null = null;
    const kept: string[] = [];
    for (const segment of line ? line.split(",") : []) {
      const decoded = decodeVlq(segment);
      genCol += decoded[0] ?? 0;
      if (decoded.length < 4) continue;
      src += decoded[1] ?? 0;
      srcLine += decoded[2] ?? 0;
      srcCol += decoded[3] ?? 0;
      if (decoded.length >= 5) name += decoded[4] ?? 0;
      const project = isProjectSource(map.sources[src] ?? "");
      if (!project && stretch === src) continue;
      stretch = project ? null : src;
      const outSource = sourceAt(src);
      const fields = [genCol - outGenCol, outSource - outSrc, srcLine - outLine, srcCol - outCol];
      outGenCol = genCol;
      outSrc = outSource;
      outLine = srcLine;
      outCol = srcCol;
      if (project && decoded.length >= 5) {
        let keptName = nameIndex.get(name);
        if (keptName === undefined) {
          keptName = names.length;
          nameIndex.set(name, keptName);
          names.push(map.names[name] ?? "");
        }
        fields.push(keptName - outName);
        outName = keptName;
      }
      kept.push(encodeVlq(fields));
    }
    return kept.join(",");
  });
  const { sourcesContent: _dropped, ...rest } = map;
  return { ...rest, sources, names, mappings: lines.join(";") };
}

/** Every file under `dir` (none when it does not exist), named `prefix/<relative path>`, sorted. */
export function filesUnder(dir: string, prefix: string): { name: string; data: Buffer }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort()
    .map((file) => ({
      name: `${prefix}/${path.relative(dir, file).split(path.sep).join("/")}`,
      data: readFileSync(file),
    }));
}

/** A minimal ZIP archive (deflate, no directories): enough for a Lambda deployment package. */
export function zip(files: { name: string; data: Buffer }[]): Buffer {
  const local: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const name = Buffer.from(file.name, "utf8");
    const body = deflateRawSync(file.data, { level: 9 });
    const crc = crc32(file.data);
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    head.writeUInt16LE(20, 4); // version needed
    head.writeUInt16LE(0x0800, 6); // UTF-8 names
    head.writeUInt16LE(8, 8); // deflate
    head.writeUInt32LE(0x00210000, 10); // 1980-01-01 00:00, so builds are reproducible
    head.writeUInt32LE(crc, 14);
    head.writeUInt32LE(body.length, 18);
    head.writeUInt32LE(file.data.length, 22);
    head.writeUInt16LE(name.length, 26);
    local.push(head, name, body);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(0x031e, 4); // made by: Unix
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(0x0800, 8);
    entry.writeUInt16LE(8, 10);
    entry.writeUInt32LE(0x00210000, 12);
    entry.writeUInt32LE(crc, 16);
    entry.writeUInt32LE(body.length, 20);
    entry.writeUInt32LE(file.data.length, 24);
    entry.writeUInt16LE(name.length, 28);
    entry.writeUInt32LE((0o100644 << 16) >>> 0, 38); // file mode rw-r--r--
    entry.writeUInt32LE(offset, 42);
    central.push(entry, name);
    offset += head.length + name.length + body.length;
  }
  const centralSize = central.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...local, ...central, end]);
}

if (require.main === module) {
  run().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
