import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, rename, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");

declare module "vitest" {
  export interface ProvidedContext {
    /** The web app built once for the run (test/web/global-setup.ts). */
    webDir: string | undefined;
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/**
 * The web app built by Vite with its own config (src/web/vite.config.mts, budget check
 * included) into a temporary folder named after a hash of its inputs: built again only when a
 * source changed.
 */
export async function buildWebAppOnce(): Promise<string> {
  const inputs = [
    ...(await filesUnder(path.join(ROOT, "src", "web"))),
    ...(await filesUnder(path.join(ROOT, "src", "client"))),
  ];
  const hash = createHash("sha256");
  for (const f of inputs) hash.update(f).update(await readFile(f));
  const out = path.join(os.tmpdir(), `portal-web-${hash.digest("hex").slice(0, 16)}`);
  const ready = await stat(path.join(out, "index.html")).then(
    () => true,
    () => false,
  );
  if (ready) return out;
  const tmp = `${out}.${process.pid}.tmp`;
  const { build } = await import("vite");
  // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await build({
      configFile: path.join(ROOT, "src", "web", "vite.config.mts"),
      mode: "production",
      logLevel: "silent",
      build: { outDir: tmp, emptyOutDir: true },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  await mkdir(path.dirname(out), { recursive: true });
  try {
    await rename(tmp, out);
  } catch {
    // Another test file finished the same build first.
    await rm(tmp, { recursive: true, force: true });
  }
  return out;
}
