import { S3Client, PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RequestUploadDocument } from "../../src/client/index.js";
import { contentSecurityPolicy, s3Origins } from "../../src/http/web-assets.js";
import { startWebStack } from "./support.js";
import type { WebStack } from "./support.js";

/** The web app as the API serves it: routes, caching, security headers, size. */
describe("the web app served by the API at /", () => {
  let w: WebStack;
  let webDir: string;

  beforeAll(async () => {
    w = await startWebStack();
    webDir = w.webDir;
  });
  afterAll(async () => {
    await w?.stop();
  });

  const get = (p: string, accept = "text/html,application/xhtml+xml") =>
    fetch(w.t.url + p, { headers: { accept } });

  it("answers the app's routes with index.html, uncached, with the security headers", async () => {
    const index = await readFile(path.join(webDir, "index.html"), "utf8");
    for (const route of [
      "/",
      "/files",
      "/customers",
      "/customers/acme",
      "/general",
      "/welcome",
      "/reset",
    ]) {
      const res = await get(route);
      expect(res.status, route).toBe(200);
      expect(res.headers.get("content-type"), route).toBe("text/html; charset=utf-8");
      expect(res.headers.get("cache-control"), route).toBe("no-cache");
      expect(res.headers.get("x-content-type-options"), route).toBe("nosniff");
      expect(res.headers.get("referrer-policy"), route).toBe("no-referrer");
      expect(res.headers.get("x-frame-options"), route).toBe("DENY");
      expect(await res.text(), route).toBe(index);
    }
    const csp = (await get("/")).headers.get("content-security-policy") ?? "";
    const directives = Object.fromEntries(
      csp.split(";").map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values.join(" ")];
      }),
    );
    expect(directives).toMatchObject({
      "default-src": "'none'",
      "script-src": "'self'",
      "style-src": "'self'",
      "frame-ancestors": "'none'",
      "base-uri": "'none'",
      "connect-src": `'self' ${w.stack.s3.endpoint}`,
    });
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    // No inline script or style in the page the policy protects.
    expect(index).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(index).not.toMatch(/<style|style="/);
  });

  it("serves hashed assets a year, immutable, with their type; other files an hour", async () => {
    const assets = await readdir(path.join(webDir, "assets"));
    expect(assets.some((a) => a.endsWith(".js"))).toBe(true);
    expect(assets.some((a) => a.endsWith(".css"))).toBe(true);
    for (const a of assets) {
      const res = await get(`/assets/${a}`, "*/*");
      expect(res.status, a).toBe(200);
      expect(res.headers.get("cache-control"), a).toBe("public, max-age=31536000, immutable");
      expect(res.headers.get("content-type"), a).toBe(
        a.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8",
      );
      expect(
        Buffer.from(await res.arrayBuffer()).equals(await readFile(path.join(webDir, "assets", a))),
      ).toBe(true);
    }
    const icon = await get("/favicon.svg", "image/*");
    expect(icon.headers.get("content-type")).toBe("image/svg+xml");
    expect(icon.headers.get("cache-control")).toBe("public, max-age=3600");
  });

  it("keeps today's 404 JSON for everything else; the API and the playground are unchanged", async () => {
    const notFound = async (res: Response) => {
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(
        ((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions
          .code,
      ).toBe("NOT_FOUND");
    };
    await notFound(await get("/assets/index-gone.js")); // an old deploy's asset: never the HTML
    await notFound(await get("/files", "application/json")); // not a browser navigation
    await notFound(
      await fetch(`${w.t.url}/files`, { method: "POST", headers: { accept: "text/html" } }),
    );
    expect((await w.t.http("{ __typename }")).body).toEqual({ data: { __typename: "Query" } });
    const playground = await get("/graphql");
    expect(await playground.text()).toContain('id="signin"');
    expect((await fetch(`${w.t.url}/healthz`)).status).toBe(200);
  });

  it("the policy allows the origin of the upload URLs the API hands out, locally and on AWS", async () => {
    const admin = await w.t.adminToken();
    const ticket = await w.t.exec(
      RequestUploadDocument,
      { input: { filename: "a.txt", contentType: "text/plain", size: 1, scope: "GENERAL" } },
      admin,
    );
    const url = ticket.data?.requestUpload.url ?? "";
    expect(
      s3Origins({
        bucket: w.stack.s3.bucket,
        region: "us-east-1",
        endpoint: w.stack.s3.endpoint,
        forcePathStyle: true,
      }),
    ).toEqual([new URL(url).origin]);
    // AWS: the SDK's own presigned URL, signed offline with dummy credentials.
    for (const [bucket, region] of [
      ["portal-files-prod", "eu-west-1"],
      ["portal.files.example", "us-east-2"],
    ] as const) {
      const client = new S3Client({
        region,
        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "x" },
      });
      const signed = await getSignedUrl(
        client,
        new PutObjectCommand({ Bucket: bucket, Key: "k" }),
        { expiresIn: 60 },
      );
      expect(s3Origins({ bucket, region, forcePathStyle: false }), bucket).toEqual([
        new URL(signed).origin,
      ]);
      client.destroy();
    }
    expect(contentSecurityPolicy(["https://b.s3.eu-west-1.amazonaws.com"])).toContain(
      "connect-src 'self' https://b.s3.eu-west-1.amazonaws.com;",
    );
  });

  it("initial JavaScript is at most 250 KB gzipped (the build fails above it)", async () => {
    // An ES module (the Vite config uses it too): loaded with import() from this CommonJS test.
    const { INITIAL_JS_BUDGET_BYTES, kb, measureInitialJs } =
      await import("../../src/web/bundle-size.mjs");
    const m = measureInitialJs(webDir);
    console.log(
      `web app initial JS: ${kb(m.gzipBytes)} gzipped (budget ${kb(INITIAL_JS_BUDGET_BYTES)}) — ` +
        m.files.map((f) => `${f.path} ${kb(f.bytes)} raw`).join(", "),
    );
    expect(m.files.length).toBeGreaterThan(0);
    expect(m.gzipBytes).toBeLessThanOrEqual(INITIAL_JS_BUDGET_BYTES);
  });
});
