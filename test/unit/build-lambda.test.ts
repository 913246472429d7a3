import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { inflateRawSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { filesUnder, zip } from "../../src/cli/build-lambda.js";

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
