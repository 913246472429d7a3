// Compiles the typed client for the package's "./client" export into dist/client (or the folder
// given as the first argument): CommonJS and declarations with TypeScript 7 (tsconfig.client.json), plus
// one ES module (index.mjs, esbuild) that bundlers such as Vite and `import` pick.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..", "..");
const out = path.resolve(process.argv[2] ?? path.join(root, "dist", "client"));

const tsc = spawnSync(
  process.execPath,
  [
    path.join(root, "node_modules", "typescript-native", "bin", "tsc"),
    "-p",
    path.join(root, "tsconfig.client.json"),
    "--outDir",
    out,
  ],
  { stdio: "inherit" },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

await build({
  entryPoints: [path.join(root, "src", "client", "index.ts")],
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  outfile: path.join(out, "index.mjs"),
  logLevel: "warning",
});
