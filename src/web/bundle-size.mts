import { readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

/** The most JavaScript the first page may load, gzipped (issue 16: 250 KB). */
export const INITIAL_JS_BUDGET_BYTES = 250_000;

export interface InitialJs {
  /** Each script index.html loads or preloads, with its size raw and gzipped (level 9). */
  readonly files: readonly { path: string; bytes: number; gzipBytes: number }[];
  readonly gzipBytes: number;
}

/**
 * What a first visit downloads before the app can run: the module scripts and module preloads
 * that the built index.html names (lazy chunks load later and are not counted).
 */
export function measureInitialJs(outDir: string): InitialJs {
  const html = readFileSync(path.join(outDir, "index.html"), "utf8");
  const refs = new Set<string>();
  for (const m of html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)) refs.add(m[1] as string);
  for (const m of html.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+)"/g))
    refs.add(m[1] as string);
  if (refs.size === 0) throw new Error(`${outDir}/index.html loads no script`);
  const files = [...refs].sort().map((ref) => {
    const body = readFileSync(path.join(outDir, ref.replace(/^\//, "")));
    return { path: ref, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
  });
  return { files, gzipBytes: files.reduce((n, f) => n + f.gzipBytes, 0) };
}

/** "123.4 KB" (1 KB = 1,000 bytes, as the budget is written). */
export const kb = (bytes: number): string => `${(bytes / 1000).toFixed(1)} KB`;
