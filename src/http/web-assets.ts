import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

/**
 * The web app (src/web, built by Vite into dist/web), served by the API process at `/`.
 * Independent of node:http: it maps (method, path, Accept) to a status, headers and a body, so
 * the HTTP server and a Lambda handler can share it.
 *
 * - Exact file paths answer with the file and its content type. Vite names the files under
 *   assets/ after a hash of their content: they never change, so browsers keep them a year.
 * - Any other GET that accepts text/html (the app's routes: /, /files, /customers/…) answers
 *   index.html, uncached, so a deploy is picked up at the next navigation.
 * - Everything else: undefined (the caller answers as it always did, a 404 in JSON).
 */
export interface WebResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface WebAssets {
  /** The answer for a request, or undefined when the web app has none. */
  respond(method: string, pathname: string, accept: string | undefined): WebResponse | undefined;
}

export interface WebAssetsOptions {
  /** The built app (index.html and assets/). */
  readonly dir: string;
  /** Origins the app talks to besides its own: the S3 endpoint(s) of presigned PUT and GET. */
  readonly connectOrigins: readonly string[];
}

/** URL path prefix of Vite's content-hashed files. */
const HASHED_PREFIX = "/assets/";

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * The app's policy: scripts, styles, fonts and images from this origin only (no inline script or
 * style element), API calls to this origin, uploads and downloads to the storage origins, and
 * no framing by any other page.
 */
export function contentSecurityPolicy(connectOrigins: readonly string[]): string {
  const connect = ["'self'", ...new Set(connectOrigins)].join(" ");
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connect}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * The origin(s) presigned S3 URLs point at, from the S3 client settings: the endpoint itself
 * when path-style (local stand-in, S3-compatible stores), the bucket's virtual host otherwise.
 * On AWS without an endpoint, the SDK's regional virtual host; path-style for bucket names with
 * dots (they break TLS on virtual hosts, so the SDK does the same).
 */
export function s3Origins(s3: {
  readonly bucket: string;
  readonly region: string;
  readonly endpoint?: string;
  readonly forcePathStyle: boolean;
}): string[] {
  if (s3.endpoint) {
    const endpoint = new URL(s3.endpoint);
    if (s3.forcePathStyle) return [endpoint.origin];
    return [`${endpoint.protocol}//${s3.bucket}.${endpoint.host}`];
  }
  const regional = `s3.${s3.region}.amazonaws.com`;
  if (s3.forcePathStyle || s3.bucket.includes(".")) return [`https://${regional}`];
  return [`https://${s3.bucket}.${regional}`];
}

interface Loaded {
  readonly type: string;
  readonly body: Buffer;
  readonly hashed: boolean;
}

function walk(dir: string, base = dir, out = new Map<string, Loaded>()): Map<string, Loaded> {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) walk(full, base, out);
    else {
      const urlPath = "/" + path.relative(base, full).split(path.sep).join("/");
      const type = TYPES[path.extname(name).toLowerCase()];
      // Source maps and unknown kinds stay on disk.
      if (!type) continue;
      out.set(urlPath, {
        type,
        body: readFileSync(full),
        hashed: urlPath.startsWith(HASHED_PREFIX),
      });
    }
  }
  return out;
}

/**
 * Reads the built app once. Undefined when `dir` holds no index.html (the app was not built:
 * the API runs as before and `/` answers 404).
 */
export function loadWebAssets(options: WebAssetsOptions): WebAssets | undefined {
  let files: Map<string, Loaded>;
  try {
    if (!statSync(path.join(options.dir, "index.html")).isFile()) return undefined;
    files = walk(options.dir);
  } catch {
    return undefined;
  }
  const index = files.get("/index.html");
  if (!index) return undefined;
  const csp = contentSecurityPolicy(options.connectOrigins);
  const common = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
  };
  const html: WebResponse = {
    status: 200,
    headers: {
      ...common,
      "content-type": index.type,
      "cache-control": "no-cache",
      "content-security-policy": csp,
      "x-frame-options": "DENY",
    },
    body: index.body,
  };
  return {
    respond(method, pathname, accept) {
      if (method !== "GET" && method !== "HEAD") return undefined;
      if (pathname === "/index.html") return html;
      const file = files.get(pathname);
      if (file)
        return {
          status: 200,
          headers: {
            ...common,
            "content-type": file.type,
            "cache-control": file.hashed
              ? "public, max-age=31536000, immutable"
              : "public, max-age=3600",
          },
          body: file.body,
        };
      // A missing hashed file is an old deploy's asset: a 404, never the app's HTML.
      if (pathname.startsWith(HASHED_PREFIX)) return undefined;
      if ((accept ?? "").includes("text/html")) return html;
      return undefined;
    },
  };
}
