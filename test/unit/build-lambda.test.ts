import { build } from "esbuild";
import type { BuildOptions } from "esbuild";
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { SourceMap } from "node:module";
import os from "node:os";
import path from "node:path";
import { inflateRawSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EMPTY,
  LEFT_OUT,
  PARTS,
  REPLACED,
  filesUnder,
  lambdaModules,
  literalSchemaKeys,
  compactSourceMap,
  zip,
} from "../../src/cli/build-lambda.js";

const ROOT = path.resolve(__dirname, "../..");

/** Reads a ZIP archive back from its central directory: name -> content. */
function unzip(archive: Buffer): Map<string, Buffer> {
  const end = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = archive.readUInt16LE(end + 10);
  let at = archive.readUInt32LE(end + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(archive.readUInt32LE(at)).toBe(0x02014b50);
    const size = archive.readUInt32LE(at + 20);
    const nameLength = archive.readUInt16LE(at + 28);
    const extra = archive.readUInt16LE(at + 30) + archive.readUInt16LE(at + 32);
    const local = archive.readUInt32LE(at + 42);
    const name = archive.subarray(at + 46, at + 46 + nameLength).toString("utf8");
    const dataAt = local + 30 + archive.readUInt16LE(local + 26) + archive.readUInt16LE(local + 28);
    out.set(name, inflateRawSync(archive.subarray(dataAt, dataAt + size)));
    at += 46 + nameLength + extra;
  }
  return out;
}

describe("build:lambda packaging", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "portal-build-"));
    await mkdir(path.join(dir, "web", "assets"), { recursive: true });
    await writeFile(path.join(dir, "web", "index.html"), "<!doctype html><title>Portal</title>");
    await writeFile(path.join(dir, "web", "assets", "index-abc123.js"), "console.log(1)");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("takes every file of the web app build under web/, and nothing when there is none", () => {
    expect(filesUnder(path.join(dir, "web"), "web").map((f) => f.name)).toEqual([
      "web/assets/index-abc123.js",
      "web/index.html",
    ]);
    expect(filesUnder(path.join(dir, "missing"), "web")).toEqual([]);
  });

  it("zips the bundle, its source map and the web app so that they read back byte for byte", () => {
    const files = [
      { name: "lambda.js", data: Buffer.from("exports.handler = async () => ({});\n") },
      { name: "lambda.js.map", data: Buffer.from('{"version":3}') },
      ...filesUnder(path.join(dir, "web"), "web"),
    ];
    const back = unzip(zip(files));
    expect([...back.keys()]).toEqual(files.map((f) => f.name));
    for (const f of files) expect(back.get(f.name)?.equals(f.data), f.name).toBe(true);
  });
});

describe("build:lambda bundling", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "portal-bundle-"));
    // A project file and a dependency, each throwing from a known line.
    await mkdir(path.join(dir, "node_modules", "dep"), { recursive: true });
    await writeFile(
      path.join(dir, "node_modules", "dep", "index.js"),
      'exports.fail = function fail() {\n  throw new Error("from dep");\n};\n',
    );
    // A project module bundled before the dependency: on the minified line, the dependency's
    // code follows project code.
    await writeFile(
      path.join(dir, "first.js"),
      'exports.first = function first() {\n  throw new Error("from first");\n};\n',
    );
    await writeFile(
      path.join(dir, "app.js"),
      [
        'const { first } = require("./first.js");',
        'const dep = require("dep");',
        "exports.mine = function mine() {",
        '  throw new Error("from app");',
        "};",
        "exports.theirs = () => dep.fail();",
        "exports.first = first;",
        'exports.leftOut = () => require("class-validator").validateOrReject({});',
        'exports.empty = () => require("yup");',
        "",
      ].join("\n"),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function bundle(): Promise<{ js: string; map: ReturnType<typeof compactSourceMap> }> {
    const { outfile } = await bundleCjs(path.join(dir, "app.js"), {
      minify: true,
      sourcemap: "linked",
      sourcesContent: false,
      nodePaths: [path.join(dir, "node_modules"), path.join(ROOT, "node_modules")],
    });
    const map = compactSourceMap(JSON.parse(await readFile(`${outfile}.map`, "utf8")));
    return { js: await readFile(outfile, "utf8"), map };
  }

  it("maps the project's code line by line, a dependency to its own file, and no sources' content", async () => {
    const { js, map } = await bundle();
    expect(map.sources.some((s) => s.endsWith("app.js"))).toBe(true);
    expect(map.sourcesContent).toBeUndefined();
    const sm = new SourceMap(map as never);
    const at = (needle: string) => {
      const offset = js.indexOf(needle);
      expect(offset, needle).toBeGreaterThan(-1);
      const before = js.slice(0, offset).split("\n");
      return sm.findEntry(before.length - 1, (before.at(-1) ?? "").length);
    };
    // The throws in project files still map to their lines (4 in app.js, 2 in first.js)...
    expect(at('Error("from app")')).toMatchObject({
      originalSource: expect.stringMatching(/app\.js$/),
      originalLine: 3,
    });
    expect(at('Error("from first")')).toMatchObject({
      originalSource: expect.stringMatching(/first\.js$/),
      originalLine: 1,
    });
    // ...and the dependency's throw names the dependency's file, never the project code that
    // precedes it on the minified line.
    expect(js.indexOf('Error("from first")')).toBeLessThan(js.indexOf('Error("from dep")'));
    expect(at('Error("from dep")')).toMatchObject({
      originalSource: expect.stringMatching(/node_modules\/dep\/index\.js$/),
    });
    // The dependency keeps one mapping where its code starts, none per line of it.
    expect(map.sources.filter((s) => s.includes("node_modules"))).toEqual([
      expect.stringMatching(/node_modules\/dep\/index\.js$/),
    ]);
  });

  it("replaces a left-out module by a stand-in that fails with the reason when reached", async () => {
    const { js } = await bundle();
    const mod = { exports: loadCjs(js) };
    expect(() => mod.exports.leftOut!()).toThrow(
      `class-validator is left out of the Lambda bundle: ${LEFT_OUT["class-validator"]}`,
    );
    expect(mod.exports.empty!()).toEqual({});
    expect(Object.keys(EMPTY)).toEqual(["yup"]);
    // yup is empty in the bundle: nothing in src/ may use graphql-shield's inputRule.
    const src = filesUnder(path.join(ROOT, "src"), "src").filter(
      (f) => f.name.endsWith(".ts") && f.name !== "src/cli/build-lambda.ts",
    );
    expect(
      src.filter((f) => f.data.toString("utf8").includes("inputRule")).map((f) => f.name),
    ).toEqual([]);
  });

  it("keeps of a package only the PARTS the function uses; any other name fails with the reason", async () => {
    await writeFile(
      path.join(dir, "limits.js"),
      [
        'const { RateLimiterMemory } = require("rate-limiter-flexible");',
        "exports.limiter = () => new RateLimiterMemory({ points: 1, duration: 60 });",
        'exports.redis = () => require("rate-limiter-flexible").RateLimiterRedis;',
        "",
      ].join("\n"),
    );
    const { outfile, metafile } = await bundleCjs(path.join(dir, "limits.js"), {
      nodePaths: [path.join(ROOT, "node_modules")],
    });
    // The memory store and what it needs; none of the other stores.
    expect(Object.keys(metafile.inputs).filter((f) => /Redis|Mongo|Postgres/.test(f))).toEqual([]);
    const mod = { exports: loadCjs(await readFile(outfile, "utf8")) };
    const limiter = mod.exports.limiter!() as { consume(key: string): Promise<unknown> };
    await expect(limiter.consume("k")).resolves.toMatchObject({ remainingPoints: 0 });
    await expect(limiter.consume("k")).rejects.toMatchObject({ remainingPoints: 0 });
    expect(() => mod.exports.redis!()).toThrow(
      "rate-limiter-flexible: only RateLimiterMemory, RateLimiterRes are in the Lambda bundle",
    );
    expect(Object.keys(PARTS["rate-limiter-flexible"] ?? {})).toEqual([
      "RateLimiterMemory",
      "RateLimiterRes",
    ]);
  });
});

/** Bundles `entry` beside itself (`<entry>.out.js`) as the Lambda build does: CommonJS for Node, with its plugin. */
async function bundleCjs(entry: string, options: BuildOptions) {
  const outfile = entry.replace(/\.js$/, ".out.js");
  const { metafile } = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    plugins: [lambdaModules()],
    logLevel: "silent",
    metafile: true,
    ...options,
  });
  if (!metafile) throw new Error("esbuild wrote no metafile");
  return { outfile, metafile };
}

/** Runs CommonJS source; its exports. */
function loadCjs(js: string): Record<string, (...args: string[]) => unknown> {
  const mod = { exports: {} as Record<string, (...args: string[]) => unknown> };
  new Function("module", "exports", "require", js)(mod, mod.exports, require);
  return mod.exports;
}

/** A REPLACED module's source, loaded as CommonJS. */
const replaced = (name: string) => loadCjs(REPLACED[name]?.[1] ?? "");

describe("build:lambda schema files (literalSchemaKeys)", () => {
  // Shaped as the AWS SDK's dist-es/schemas/schemas_0.js: short string constants, then one array
  // per shape and operation whose traits are objects with computed keys.
  const source = [
    'const _h = "http";',
    'const _hH = "httpHeader";',
    'const _q = "with \\"quote\\"";',
    'const n0 = "com.example";',
    'export var Used$ = [3, n0, "Used", { [_h]: ["GET", "/", 200] }, [{ [_hH]: "x-amz-a" }]];',
    'export var Unused$ = [3, n0, "Unused", { [_h]: ["PUT", "/", 200], [_q]: 1, [n0]: 2 }, []];',
    "",
  ].join("\n");

  it("writes a key naming a string constant as that string; any other computed key stays", () => {
    const out = literalSchemaKeys(source);
    expect(out).toContain('{ "http": ["GET", "/", 200] }');
    expect(out).toContain('[{ "httpHeader": "x-amz-a" }]');
    // Not a plain string constant (escapes), or not named _…: left as written.
    expect(out).toContain("[_q]: 1, [n0]: 2");
    // A literal "__proto__" key would set the prototype: that one keeps its brackets.
    expect(literalSchemaKeys('export var P$ = [{ [_p]: 1 }];\nconst _p = "__proto__";')).toContain(
      "[_p]: 1",
    );
  });

  it("lets the bundler leave out the schemas nothing uses, with the same values for those it keeps", async () => {
    // An entry that uses Used$ from the schema file, bundled as build:lambda bundles.
    const bundled = async (text: string) => {
      const result = await build({
        stdin: { contents: 'import { Used$ } from "schemas"; globalThis.used = Used$;' },
        bundle: true,
        write: false,
        format: "esm",
        minifySyntax: true,
        plugins: [
          {
            name: "schemas",
            setup(b) {
              b.onResolve({ filter: /^schemas$/ }, () => ({ path: "schemas", namespace: "s" }));
              b.onLoad({ filter: /.*/, namespace: "s" }, () => ({ contents: text, loader: "js" }));
            },
          },
        ],
      });
      return result.outputFiles[0]?.text ?? "";
    };
    const plain = source.replace("[_q]: 1, [n0]: 2", "");
    expect(await bundled(plain)).toContain("Unused");
    const shaken = await bundled(literalSchemaKeys(plain));
    expect(shaken).not.toContain("Unused");
    // The same arrays, key for key, for what is kept.
    const used = (text: string) =>
      new Function(`${text.replace(/^export /gm, "")}\nreturn Used$;`)() as unknown;
    expect(used(literalSchemaKeys(plain))).toEqual(used(plain));
  });
});

describe("build:lambda replacements answer as the modules they replace", () => {
  it("semver: the same verdict as semver on type-graphql's graphql range; other ranges refused", async () => {
    const semver = (await import("semver")).default;
    // type-graphql's own check, the one use of semver in the bundle.
    const check = await readFile(
      path.join(
        ROOT,
        "node_modules",
        "type-graphql",
        "build",
        "esm",
        "utils",
        "graphql-version.js",
      ),
      "utf8",
    );
    const range = /graphQLPeerDependencyVersion = "([^"]+)"/.exec(check)?.[1] ?? "";
    expect(check).toContain("semVer.satisfies(graphql.version, graphQLPeerDependencyVersion)");
    const satisfies = replaced("semver").satisfies!;
    const [major, minor, patch] = range.slice(1).split(".").map(Number) as [number, number, number];
    const versions = [
      `${major}.${minor}.${patch}`,
      `${major}.${minor}.${patch + 1}`,
      `${major}.${minor + 1}.0`,
      `${major}.${minor}.${patch - 1 < 0 ? 0 : patch - 1}`,
      `${major}.${minor - 1}.9`,
      `${major + 1}.0.0`,
      `${major - 1}.99.0`,
      `${major}.${minor}.${patch}-rc.1`,
      (await import("graphql")).version,
    ];
    for (const version of versions)
      expect(satisfies(version, range), version).toBe(semver.satisfies(version, range));
    expect(satisfies((await import("graphql")).version, range)).toBe(true);
    for (const other of [">=16", "~16.1.0", "^0.4.0", "16.x"])
      expect(() => satisfies("16.12.0", other)).toThrow("compares ^x.y.z ranges only");
  });

  it("@apollo/utils.createhash: Node's crypto, the same digests", async () => {
    const { createHash } = await import("@apollo/utils.createhash");
    const ours = replaced("@apollo/utils.createhash").createHash! as (kind: string) => {
      update(s: string): { digest(e: "hex"): string };
    };
    for (const text of ["", "query Me { me { id } }", "ü".repeat(1000)])
      expect(ours("sha256").update(text).digest("hex")).toBe(
        createHash("sha256").update(text).digest("hex"),
      );
  });
});
