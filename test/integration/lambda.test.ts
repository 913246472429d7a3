import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLambdaHandler } from "../../src/lambda.js";
import type { LambdaHandler } from "../../src/lambda.js";
import { readFileSync } from "node:fs";
import path from "node:path";
import { startTestApp } from "../helpers/app.js";
import { buildWebAppOnce } from "../helpers/web-build.js";
import type { TestApp } from "../helpers/app.js";

function event(
  method: string,
  rawPath: string,
  body?: unknown,
  token?: string,
): APIGatewayProxyEventV2 {
  return {
    version: "2.0",
    routeKey: `${method} ${rawPath}`,
    rawPath,
    rawQueryString: "",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: "api.example.com",
      domainPrefix: "api",
      http: {
        method,
        path: rawPath,
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: "test",
      },
      requestId: "lambda-req-1",
      routeKey: `${method} ${rawPath}`,
      stage: "$default",
      time: "24/Nov/2026:14:00:00 +0000",
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  };
}

/** A Lambda result's body (always base64, so binary files pass API Gateway unchanged). */
const bodyOf = (r: { body?: string; isBase64Encoded?: boolean }) =>
  r.isBase64Encoded ? Buffer.from(r.body ?? "", "base64").toString("utf8") : (r.body ?? "");

describe("Lambda handler: API Gateway HTTP API (payload 2.0) events, in-process, against the local stand-ins", () => {
  let t: TestApp;
  let handler: LambdaHandler;
  let webDir: string;
  beforeAll(async () => {
    // The web app built for this file: no other test's build output is relied on.
    webDir = await buildWebAppOnce();
    t = await startTestApp({ settings: { webDir } });
    handler = createLambdaHandler(Promise.resolve(t.app));
  });
  afterAll(() => t?.stop());

  it("answers `me` for a signed-in admin and refuses a missing token", async () => {
    const token = await t.adminToken();
    const r = await handler(event("POST", "/graphql", { query: "{ me { role email } }" }, token));
    expect(r.statusCode).toBe(200);
    expect(JSON.parse(bodyOf(r))).toEqual({
      data: { me: { role: "ADMIN", email: t.stack.admin.email } },
    });
    expect(r.headers?.["x-request-id"]).toBe("lambda-req-1");
    const anon = await handler(event("POST", "/graphql", { query: "{ me { role } }" }));
    expect(JSON.parse(bodyOf(anon)).errors[0].extensions.code).toBe("UNAUTHENTICATED");
  });

  it("answers `files` with an upload made through a ticket", async () => {
    const token = await t.adminToken();
    const ticket = await handler(
      event(
        "POST",
        "/graphql",
        {
          query: `mutation($i: RequestUploadInput!) { requestUpload(input: $i) { url headers { name value } } }`,
          variables: {
            i: { filename: "lambda.txt", contentType: "text/plain", size: 5, scope: "GENERAL" },
          },
        },
        token,
      ),
    );
    const { url, headers } = JSON.parse(bodyOf(ticket)).data.requestUpload as {
      url: string;
      headers: { name: string; value: string }[];
    };
    const put = await fetch(url, {
      method: "PUT",
      headers: Object.fromEntries(headers.map((h) => [h.name, h.value])),
      body: "hello",
    });
    expect(put.status).toBe(200);
    const r = await handler(
      event(
        "POST",
        "/graphql",
        { query: "{ files(scope: GENERAL) { edges { node { name size } } } }" },
        token,
      ),
    );
    expect(JSON.parse(bodyOf(r)).data.files.edges).toEqual([
      { node: { name: "lambda.txt", size: 5 } },
    ]);
  });

  it("serves the web app through the same route table: the app's HTML for its routes, its files as they are", async () => {
    const html = await handler({
      ...event("GET", "/files"),
      headers: { accept: "text/html" },
    });
    expect(html.statusCode).toBe(200);
    // Text travels as text; other files (images, fonts) base64.
    expect(html.isBase64Encoded).toBe(false);
    expect(html.headers?.["content-type"]).toMatch(/^text\/html/);
    expect(html.headers?.["content-security-policy"]).toContain("frame-ancestors 'none'");
    const page = bodyOf(html);
    expect(page).toContain('<div id="root">');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page)?.[1];
    expect(script).toBeDefined();
    const js = await handler(event("GET", script!));
    expect(js.headers?.["content-type"]).toMatch(/^text\/javascript/);
    expect(js.headers?.["cache-control"]).toContain("immutable");
    expect(js.isBase64Encoded).toBe(false);
    expect(bodyOf(js).length).toBeGreaterThan(1000);
    // A file without a text charset (an image) goes base64, byte for byte.
    const icon = await handler(event("GET", "/favicon.svg"));
    expect(icon.headers?.["content-type"]).toBe("image/svg+xml");
    expect(icon.isBase64Encoded).toBe(true);
    expect(Buffer.from(icon.body ?? "", "base64")).toEqual(
      readFileSync(path.join(webDir, "favicon.svg")),
    );
  });

  it("serves /healthz and /readyz, 404 elsewhere, 413 over the body limit, 400 on bad JSON", async () => {
    expect((await handler(event("GET", "/healthz"))).statusCode).toBe(200);
    expect((await handler(event("GET", "/readyz"))).statusCode).toBe(200);
    expect((await handler(event("GET", "/nope"))).statusCode).toBe(404);
    const big = await handler(
      event("POST", "/graphql", { query: "{ me { id } }", pad: "x".repeat(1024 * 1024) }),
    );
    expect(big.statusCode).toBe(413);
    const bad = { ...event("POST", "/graphql"), body: "{not json" };
    expect((await handler(bad)).statusCode).toBe(400);
  });
});
