import { build } from "esbuild";
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
 * `npm run build:lambda`: bundles the compiled API (dist/lambda.js, built by tsc so decorator
 * metadata is kept) with all its dependencies into dist/lambda/lambda.js, and zips it with its
 * source map and the built web app (dist/web/, when there is one, as web/ beside lambda.js) into
 * dist/lambda/lambda.zip for terraform/api.tf. The local stand-ins are not part of the bundle.
 */
async function run(): Promise<void> {
  const root = path.resolve(__dirname, "..", "..");
  const outDir = path.join(root, "dist", "lambda");
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const outfile = path.join(outDir, "lambda.js");
  const started = Date.now();
  await build({
    entryPoints: [path.join(root, "dist", "lambda.js")],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    // type-graphql names GraphQL types after their classes: minified names would rename the schema.
    keepNames: true,
    sourcemap: "linked",
    // Only `npm start` loads the local stand-ins (dynamic import in main.ts); keep them out.
    external: ["cognito-local", "s3rver", "./local/stack.js"],
    logLevel: "warning",
  });
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
  for (const f of files) {
    const name = Buffer.from(f.name, "utf8");
    const body = deflateRawSync(f.data, { level: 9 });
    const crc = crc32(f.data);
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    head.writeUInt16LE(20, 4); // version needed
    head.writeUInt16LE(0x0800, 6); // UTF-8 names
    head.writeUInt16LE(8, 8); // deflate
    head.writeUInt32LE(0x00210000, 10); // 1980-01-01 00:00, so builds are reproducible
    head.writeUInt32LE(crc, 14);
    head.writeUInt32LE(body.length, 18);
    head.writeUInt32LE(f.data.length, 22);
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
    entry.writeUInt32LE(f.data.length, 24);
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
