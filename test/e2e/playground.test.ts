import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp } from "../helpers/app.js";
import type { TestApp } from "../helpers/app.js";
import { startTestStack } from "../helpers/stack.js";
import type { LocalStack } from "../../src/local/stack.js";

/** What a browser gets over HTTP; the Chromium test (browser.test.ts) drives the page itself. */
describe("the offline playground over HTTP", () => {
  let stack: LocalStack;
  let on: TestApp;
  let off: TestApp;

  beforeAll(async () => {
    stack = await startTestStack();
    on = await startTestApp({ stack, settings: { playground: true } });
    off = await startTestApp({ stack, settings: { playground: false } });
  });
  afterAll(async () => {
    await on?.stop();
    await off?.stop();
    await stack?.stop();
  });

  const page = (t: TestApp) => fetch(`${t.url}/graphql`, { headers: { accept: "text/html" } });

  it("serves the page and every file it loads from the API itself, none from elsewhere", async () => {
    const res = await page(on);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await res.text();
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const files = [...html.matchAll(/(?:src|href)="(\/playground\/[^"]+)"/g)].map((m) => m[1]!);
    expect(files.sort()).toEqual([
      "/playground/graphiql.min.css",
      "/playground/graphiql.min.js",
      "/playground/init.js",
      "/playground/react-dom.production.min.js",
      "/playground/react.production.min.js",
    ]);
    let total = 0;
    for (const file of files) {
      const asset = await fetch(on.url + file);
      expect(asset.status, file).toBe(200);
      expect(asset.headers.get("content-type"), file).toMatch(
        file.endsWith(".css") ? /^text\/css/ : /^text\/javascript/,
      );
      const body = await asset.text();
      // No stylesheet or font pulled from a CDN at run time.
      expect(body, file).not.toMatch(/@import\s+url\(|url\(["']?https?:/);
      total += body.length;
    }
    expect(total).toBeGreaterThan(1_000_000);
  });

  it("leaves GraphQL requests to the same URL alone, and never serves Apollo's CDN landing page", async () => {
    const search = `/graphql?query=${encodeURIComponent("{ __typename }")}`;
    const get = await fetch(on.url + search, {
      headers: { accept: "application/json", "apollo-require-preflight": "1" },
    });
    expect(await get.json()).toEqual({ data: { __typename: "Query" } });
    const post = await on.http("{ __typename }");
    expect(post.body).toEqual({ data: { __typename: "Query" } });
    for (const t of [on, off]) {
      const html = await fetch(t.url + search, { headers: { accept: "text/html" } });
      expect(html.headers.get("content-type")).toMatch(/^application\/json/);
    }
  });

  it("is absent when the playground setting is off", async () => {
    const res = await page(off);
    expect(res.headers.get("content-type")).not.toMatch(/text\/html/);
    expect((await fetch(`${off.url}/playground/graphiql.min.js`)).status).toBe(404);
  });
});
