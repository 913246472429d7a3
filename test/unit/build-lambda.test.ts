import { build } from "esbuild";
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { SourceMap } from "node:module";
import os from "node:os";
import path from "node:path";
import { inflateRawSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EMPTY,
  LEFT_OUT,
  filesUnder,
  lambdaModules,
  projectOnlySourceMap,
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
    await writeFile(
      path.join(dir, "app.js"),
      [
        'const dep = require("dep");',
        "exports.mine = function mine() {",
        '  throw new Error("from app");',
        "};",
        "exports.theirs = () => dep.fail();",
        'exports.leftOut = () => require("class-validator").validateOrReject({});',
        'exports.empty = () => require("yup");',
        "",
      ].join("\n"),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function bundle(): Promise<{ js: string; map: ReturnType<typeof projectOnlySourceMap> }> {
    const outfile = path.join(dir, "out.js");
    await build({
      entryPoints: [path.join(dir, "app.js")],
      outfile,
      bundle: true,
      platform: "node",
      format: "cjs",
      minify: true,
      sourcemap: "linked",
      sourcesContent: false,
      nodePaths: [path.join(dir, "node_modules"), path.join(ROOT, "node_modules")],
      plugins: [lambdaModules()],
      logLevel: "silent",
    });
    const map = projectOnlySourceMap(JSON.parse(await readFile(`${outfile}.map`, "utf8")));
    return { js: await readFile(outfile, "utf8"), map };
  }

  it("keeps source mappings of the project's own code only, and no sources' content", async () => {
    const { js, map } = await bundle();
    expect(map.sources.some((s) => s.includes("node_modules"))).toBe(false);
    expect(map.sources.some((s) => s.endsWith("app.js"))).toBe(true);
    expect(map.sourcesContent).toBeUndefined();
    // The throw in app.js still maps to its line (3); the dependency's throw maps nowhere.
    const sm = new SourceMap(map as never);
    const at = (needle: string) => {
      const offset = js.indexOf(needle);
      const before = js.slice(0, offset).split("\n");
      return sm.findEntry(before.length - 1, (before.at(-1) ?? "").length);
    };
    expect(at('Error("from app")')).toMatchObject({ originalLine: 2 });
    expect(at('Error("from dep")')).toEqual({});
  });

  it("replaces a left-out module by a stand-in that fails with the reason when reached", async () => {
    const { js } = await bundle();
    const mod = { exports: {} as Record<string, () => unknown> };
    new Function("module", "exports", "require", js)(mod, mod.exports, require);
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
});
