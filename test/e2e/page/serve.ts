import { build } from "esbuild";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

export interface StaticSite {
  /** e.g. http://127.0.0.1:40123 — a distinct browser origin for CORS. */
  readonly origin: string;
  close(): Promise<void>;
}

/** Bundles page/app.ts (Apollo Client + the generated documents) for the browser. */
export async function buildTestPage(): Promise<Map<string, { type: string; body: Buffer }>> {
  const result = await build({
    entryPoints: [path.join(__dirname, "app.ts")],
    bundle: true,
    platform: "browser",
    format: "iife",
    target: "chrome120",
    write: false,
    logLevel: "silent",
    define: { "process.env.NODE_ENV": '"production"' },
  });
  const js = result.outputFiles[0];
  if (!js) throw new Error("esbuild wrote no bundle");
  return new Map([
    [
      "/index.html",
      {
        type: "text/html; charset=utf-8",
        body: await readFile(path.join(__dirname, "index.html")),
      },
    ],
    ["/app.js", { type: "text/javascript; charset=utf-8", body: Buffer.from(js.contents) }],
  ]);
}

/** Serves the files on 127.0.0.1 at a random port. */
export async function serveStatic(
  files: ReadonlyMap<string, { type: string; body: Buffer }>,
): Promise<StaticSite> {
  const server = createServer((req, res) => {
    const file = files.get(new URL(req.url ?? "/", "http://x").pathname);
    if (!file || req.method !== "GET") {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader("content-type", file.type);
    res.setHeader("cache-control", "no-store");
    res.end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
