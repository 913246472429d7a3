import path from "node:path";
import { defineConfig } from "vite";
import type { Plugin } from "vite";
import { INITIAL_JS_BUDGET_BYTES, kb, measureInitialJs } from "./bundle-size.mjs";

const root = import.meta.dirname;

/** Fails the build when the first page's JavaScript is over budget; prints the figure. */
function initialJsBudget(): Plugin {
  let outDir = "";
  return {
    name: "initial-js-budget",
    apply: "build",
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const m = measureInitialJs(outDir);
      const line = `initial JS ${kb(m.gzipBytes)} gzipped (budget ${kb(INITIAL_JS_BUDGET_BYTES)})`;
      if (m.gzipBytes > INITIAL_JS_BUDGET_BYTES)
        throw new Error(
          `${line}: over budget\n` +
            m.files.map((f) => `  ${f.path} ${kb(f.gzipBytes)}`).join("\n"),
        );
      process.stdout.write(`web app: ${line}\n`);
    },
  };
}

/** The web app: src/web → dist/web, served by the API at `/` (src/http/web-assets.ts). */
export default defineConfig({
  root,
  base: "/",
  publicDir: path.join(root, "public"),
  logLevel: "warn",
  build: {
    outDir: path.resolve(root, "..", "..", "dist", "web"),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    // Everything as files: the Content-Security-Policy allows no inline script or style.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  plugins: [initialJsBudget()],
});
