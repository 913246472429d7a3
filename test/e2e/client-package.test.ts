import { build } from "esbuild";
import { execFile } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "../..");
// The compiler `npm run typecheck` uses (TypeScript 7).
const TSC = path.join(ROOT, "node_modules", "typescript-native", "bin", "tsc");

/**
 * The React snippet of docs/client.md (its one `tsx` block): Apollo Client 4 with the generated
 * documents. Read from the page, so what readers copy is what is type-checked.
 */
function reactSnippet(markdown: string): string {
  const blocks = [...markdown.matchAll(/^```tsx\n([\s\S]*?)^```$/gm)].map((b) => b[1] ?? "");
  if (blocks.length !== 1)
    throw new Error(`docs/client.md: expected one tsx block, found ${blocks.length}`);
  return blocks[0] ?? "";
}
const REACT_APP = reactSnippet(readFileSync(path.join(ROOT, "docs", "client.md"), "utf8"));

/** Misuses the documents: the types must catch each one. */
const WRONG = `import { useQuery } from "@apollo/client/react";
import { FilesDocument } from "customer-file-portal/client";
import type { FileQuery, FilesQuery } from "customer-file-portal/client";

export function Wrong(files: FilesQuery, file: FileQuery) {
  useQuery(FilesDocument, { variables: { first: "twenty" } });
  return [files.files.edges[0]?.node.uploadedBy, file.file?.sizeInBytes];
}
`;

/**
 * The package as a React app gets it: `customer-file-portal/client` resolved through package.json
 * "exports" from an installed copy (client compiled by src/client/build.mjs, as `npm run build` does),
 * the snippet of docs/client.md type-checked against it the way Vite/TypeScript apps resolve modules, the
 * ES module picked by a bundler, and the module loaded by Node (require and import).
 */
describe("customer-file-portal/client as an installed package", () => {
  let dir: string;
  let tscOutput = "";

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "portal-client-"));
    const pkg = path.join(dir, "node_modules", "customer-file-portal");
    await mkdir(pkg, { recursive: true });
    await cp(path.join(ROOT, "package.json"), path.join(pkg, "package.json"));
    // The same step `npm run build` runs.
    await run(process.execPath, [
      path.join(ROOT, "src", "client", "build.mjs"),
      path.join(pkg, "dist", "client"),
    ]);
    // Everything else the app needs (Apollo Client, React types, graphql) from this project.
    for (const entry of await readdir(path.join(ROOT, "node_modules"))) {
      if (entry === ".bin" || entry.startsWith(".")) continue;
      await symlink(path.join(ROOT, "node_modules", entry), path.join(dir, "node_modules", entry));
    }
    await writeFile(path.join(dir, "app.tsx"), REACT_APP);
    await writeFile(path.join(dir, "wrong.tsx"), WRONG);
    await writeFile(
      path.join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          lib: ["ES2022", "DOM"],
          module: "ESNext",
          moduleResolution: "Bundler",
          jsx: "react-jsx",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ["app.tsx", "wrong.tsx"],
      }),
    );
    tscOutput = await run(process.execPath, [TSC, "-p", "."], { cwd: dir }).then(
      (r) => r.stdout,
      (err: { stdout?: string }) => err.stdout ?? String(err),
    );
  }, 90_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("type-checks the React snippet of docs/client.md: useQuery(FilesDocument) is fully typed", () => {
    const errors = tscOutput.split("\n").filter((l) => / error TS\d+/.test(l));
    // Every error is one of the deliberate ones in wrong.tsx; none in the snippet.
    expect(errors.filter((l) => !l.startsWith("wrong.tsx("))).toEqual([]);
    expect(errors.length).toBeGreaterThan(0);
  });

  it("rejects wrong variables and fields the document did not ask for", () => {
    const inWrong = tscOutput
      .split("\n")
      .filter((l) => l.startsWith("wrong.tsx"))
      .map((l) => /^wrong\.tsx\((\d+),\d+\): error (TS\d+)/.exec(l)?.slice(1, 3).join(" "));
    // first: "twenty" is no Int; uploadedBy and sizeInBytes are not in the documents.
    expect(inWrong).toEqual(["6 TS2769", "7 TS2339", "7 TS2339"]);
  });

  it("loads in Node through the exports map, with require and with import", async () => {
    const cjs = await run(
      process.execPath,
      [
        "-e",
        "const c = require('customer-file-portal/client'); console.log(c.FilesDocument.definitions[0].name.value, Object.keys(c).filter((k) => k.endsWith('Document')).length)",
      ],
      { cwd: dir },
    );
    // One document per operation in src/client/operations.
    const operations = readdirSync(path.join(ROOT, "src", "client", "operations"))
      .filter((f) => f.endsWith(".graphql"))
      .flatMap(
        (f) =>
          readFileSync(path.join(ROOT, "src", "client", "operations", f), "utf8").match(
            /^(query|mutation) /gm,
          ) ?? [],
      );
    expect(cjs.stdout.trim()).toBe(`Files ${operations.length}`);
    const esm = await run(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        "import { SignInDocument } from 'customer-file-portal/client'; console.log(SignInDocument.definitions[0].operation, import.meta.resolve('customer-file-portal/client').split('/').pop())",
      ],
      { cwd: dir },
    );
    expect(esm.stdout.trim()).toBe("mutation index.mjs");
  });

  it("gives bundlers (Vite, esbuild) the ES module, so a browser build needs no CommonJS shim", async () => {
    await writeFile(
      path.join(dir, "entry.js"),
      'import { FilesDocument } from "customer-file-portal/client";\nconsole.log(FilesDocument);\n',
    );
    const result = await build({
      absWorkingDir: dir,
      entryPoints: ["entry.js"],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    expect(Object.keys(result.metafile.inputs).sort()).toEqual([
      "entry.js",
      "node_modules/customer-file-portal/dist/client/index.mjs",
    ]);
  });
});
