import { readFileSync, readdirSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/**
 * What the product runs (a production install, `npm ci --omit=dev`, and the Lambda bundle) versus
 * what only the local stack, the tests and the build use. src/local runs only with `npm start`'s
 * local stand-ins, src/web and src/client are built into dist/, and the build scripts run before
 * anything else.
 */
const DEV_ONLY = [
  "src/local/",
  "src/web/",
  "src/client/",
  "src/cli/build.mjs",
  "src/cli/start.mjs",
  "src/cli/build-lambda.ts",
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const full = path.join(dir, n);
    return statSync(full).isDirectory() ? files(full) : [full];
  });
}

/** The packages a source file imports or requires at run time (bare specifiers, by package name). */
function packagesOf(code: string): string[] {
  // Type-only imports are erased at build: they need no installed package at run time.
  const source = code.replace(/(?:import|export)\s+type\s[^;]*?from\s*["'][^"']+["'];?/g, "");
  const specs = [
    ...source.matchAll(/(?:from|import)\s*\(?\s*["']([^"'./][^"']*)["']/g),
    ...source.matchAll(/require(?:\.resolve)?\(\s*["'`]([^"'`./$][^"'`$]*)/g),
  ].map((m) => m[1] as string);
  return specs
    .filter((s) => !s.startsWith("node:") && !builtinModules.includes(s))
    .map((s) =>
      s.startsWith("@") ? s.split("/").slice(0, 2).join("/") : (s.split("/")[0] as string),
    );
}

const product = files(path.join(ROOT, "src"))
  .map((f) => path.relative(ROOT, f).split(path.sep).join("/"))
  .filter((f) => /\.(ts|mts|cts|js|mjs|cjs)$/.test(f) && !DEV_ONLY.some((d) => f.startsWith(d)));

describe("the product carries only the product", () => {
  it("every package the product's code imports is a dependency (so a production install has it)", () => {
    const missing = product.flatMap((f) =>
      packagesOf(readFileSync(path.join(ROOT, f), "utf8"))
        .filter((p) => !(p in pkg.dependencies))
        .map((p) => `${f}: ${p}`),
    );
    expect(missing).toEqual([]);
  });

  it("every dependency is used by the product's code (nothing for the local stack, tests or build)", () => {
    const used = new Set(
      product.flatMap((f) => packagesOf(readFileSync(path.join(ROOT, f), "utf8"))),
    );
    // Peers of those are loaded by them (graphql-shield requires graphql-middleware).
    for (const p of [...used]) {
      const manifest = JSON.parse(
        readFileSync(path.join(ROOT, "node_modules", p, "package.json"), "utf8"),
      ) as { peerDependencies?: Record<string, string> };
      for (const peer of Object.keys(manifest.peerDependencies ?? {})) used.add(peer);
    }
    // The playground's files are served from these packages (src/playground reads them by name).
    for (const served of ["graphiql", "react", "react-dom"]) used.add(served);
    expect(Object.keys(pkg.dependencies).filter((d) => !used.has(d))).toEqual([]);
    for (const dev of ["cognito-local", "s3rver", "aws-ses-v2-local", "vite", "vitest", "esbuild"])
      expect(pkg.dependencies, dev).not.toHaveProperty(dev);
  });
});
