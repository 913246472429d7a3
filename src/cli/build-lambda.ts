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
 * dist/lambda/lambda.js, and zips it with its
 * source map and the built web app (dist/web/, when there is one, as web/ beside lambda.js) into
 * dist/lambda/lambda.zip for terraform/api.tf. The local stand-ins are not part of the bundle.
 *
 * A cold start pays for every byte of the bundle (V8 scans it all) and for every module it runs
 * while loading, so the bundle leaves out what the function never runs (LEFT_OUT, EMPTY) and
 * ships a source map of the project's own code only: with NODE_OPTIONS=--enable-source-maps,
 * Node reads the whole map when it loads the bundle, and the project's frames are the ones worth
 * mapping.
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
  "./playground/playground.js":
    "the GraphQL playground serves its files from node_modules, which the function does not have (GRAPHQL_PLAYGROUND is false in terraform/api.tf)",
};

/** Modules loaded when a dependency loads, but never used: replaced by an empty module. */
export const EMPTY: Readonly<Record<string, string>> = {
  yup: "graphql-shield loads it for inputRule, which the permission map does not use",
};

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const exact = (names: readonly string[]) => new RegExp(`^(${names.map(escapeRegExp).join("|")})$`);

/** The esbuild plugin that applies LEFT_OUT and EMPTY. */
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
 * graphql as one copy, the CommonJS build type-graphql, Apollo and graphql-shield load: an ES
 * module importing `graphql` (or `graphql/…/x.mjs`) gets the same files, or schemas built by one
 * copy are refused by the other ("another module or realm").
 */
function oneGraphql(): Plugin {
  return {
    name: "one-graphql",
    setup(build) {
      build.onResolve({ filter: /^graphql(\/.*)?$/ }, (args) => ({
        path: require.resolve(args.path.replace(/\.mjs$/, ".js")),
      }));
    },
  };
}

async function run(): Promise<void> {
  const root = path.resolve(__dirname, "..", "..");
  const outDir = path.join(root, "dist", "lambda");
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const outfile = path.join(outDir, "lambda.js");
  const started = Date.now();
  const result = await build({
    entryPoints: [path.join(root, "src", "lambda.ts")],
    // What went into the bundle, for tests (no development dependency may be in it).
    metafile: true,
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
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
    plugins: [lambdaModules(), oneGraphql()],
    logLevel: "warning",
  });
  writeFileSync(
    path.join(outDir, "inputs.json"),
    JSON.stringify(Object.keys(result.metafile.inputs).sort(), null, 1),
  );
  const map = `${outfile}.map`;
  writeFileSync(map, JSON.stringify(projectOnlySourceMap(JSON.parse(readFileSync(map, "utf8")))));
  const zipPath = path.join(outDir, "lambda.zip");
  const web = filesUnder(path.join(root, "dist", "web"), "web");
  writeFileSync(
    zipPath,
    zip([
      { name: "lambda.js", data: readFileSync(outfile) },
      { name: "lambda.js.map", data: readFileSync(`${outfile}.map`) },
      ...web,
    ]),
  );
  if (web.length === 0)
    process.stdout.write("no web app build (dist/web): the function serves the API only\n");
  const kib = (f: string) => Math.round(statSync(f).size / 1024);
  process.stdout.write(
    `built ${path.relative(root, outfile)} (${kib(outfile)} KiB) and ${path.relative(root, zipPath)} (${kib(zipPath)} KiB) in ${Date.now() - started} ms\n`,
  );
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

/**
 * The map without its mappings into node_modules (and without the names only they used): stack
 * frames in the project's own code still point at src/*.ts lines; frames inside a dependency
 * keep the bundle's own position.
 */
export function projectOnlySourceMap(map: SourceMapV3): SourceMapV3 {
  const keep = map.sources.map((s) => !s.split(/[\\/]/).includes("node_modules"));
  const sourceIndex = new Map<number, number>();
  const sources: string[] = [];
  map.sources.forEach((source, i) => {
    if (keep[i]) {
      sourceIndex.set(i, sources.length);
      sources.push(source);
    }
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
    const kept: string[] = [];
    for (const segment of line ? line.split(",") : []) {
      const decoded = decodeVlq(segment);
      genCol += decoded[0] ?? 0;
      if (decoded.length < 4) continue;
      src += decoded[1] ?? 0;
      srcLine += decoded[2] ?? 0;
      srcCol += decoded[3] ?? 0;
      if (decoded.length >= 5) name += decoded[4] ?? 0;
      const keptSrc = sourceIndex.get(src);
      if (keptSrc === undefined) continue;
      const fields = [genCol - outGenCol, keptSrc - outSrc, srcLine - outLine, srcCol - outCol];
      outGenCol = genCol;
      outSrc = keptSrc;
      outLine = srcLine;
      outCol = srcCol;
      if (decoded.length >= 5) {
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
