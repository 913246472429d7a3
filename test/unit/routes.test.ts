import type { ApolloServer } from "@apollo/server";
import { describe, expect, it } from "vitest";
import type { Context } from "../../src/auth/context.js";
import { respond } from "../../src/http/routes.js";
import type { HttpRequest, RouterOptions } from "../../src/http/routes.js";
import { createLogger } from "../../src/log.js";

/** The route table on its own (no server, no Lambda): what both transports share. */
function setup(execute: () => Promise<unknown>) {
  const lines: Record<string, unknown>[] = [];
  const o: RouterOptions = {
    apollo: { executeHTTPGraphQLRequest: execute } as unknown as ApolloServer<Context>,
    context: () => Promise.reject(new Error("not reached")),
    corsOrigins: ["https://app.example"],
    bodyLimitBytes: 100,
    log: createLogger("info", {}, (l) => lines.push(JSON.parse(l) as Record<string, unknown>)),
    readiness: { check: async () => ({ ok: false, checks: { cognito: false } }) },
  };
  const req = (over: Partial<HttpRequest>): HttpRequest => ({
    method: "POST",
    path: "/graphql",
    search: "",
    headers: new Map([["content-type", "application/json"]]),
    body: async () => '{"query":"{ me { id } }"}',
    source: "203.0.113.9",
    requestId: "req-1",
    ...over,
  });
  return { o, req, lines };
}

const jsonOf = (body: unknown) =>
  JSON.parse(String(body)) as {
    errors: { message: string; extensions: Record<string, unknown> }[];
  };

describe("http/routes: one table for the Node server and Lambda", () => {
  it("an unexpected failure is a 500 INTERNAL_SERVER_ERROR with the request id, never its message", async () => {
    const { o, req, lines } = setup(() => Promise.reject(new Error("boom: secret detail")));
    const r = await respond(o, req({}));
    expect(r.status).toBe(500);
    expect(jsonOf(r.body).errors[0]!.extensions).toEqual({
      code: "INTERNAL_SERVER_ERROR",
      requestId: "req-1",
    });
    expect(String(r.body)).not.toContain("boom");
    expect(r.headers["x-request-id"]).toBe("req-1");
    expect(lines.find((l) => l.msg === "unhandled error in HTTP layer")).toBeDefined();
    expect(lines.find((l) => l.msg === "request")).toMatchObject({ status: 500, path: "/graphql" });
  });

  it("bad JSON is a 400, a body over the limit a 413 (declared or read), 404 elsewhere, 503 when not ready", async () => {
    const { o, req } = setup(() => Promise.reject(new Error("not reached")));
    const bad = await respond(o, req({ body: async () => "{not json" }));
    expect([bad.status, jsonOf(bad.body).errors[0]!.message]).toEqual([
      400,
      "The request body is not valid JSON",
    ]);
    expect((await respond(o, req({ declaredLength: 101 }))).status).toBe(413);
    expect((await respond(o, req({ body: async () => null }))).status).toBe(413);
    const missing = await respond(o, req({ method: "GET", path: "/nope" }));
    expect([missing.status, jsonOf(missing.body).errors[0]!.extensions.code]).toEqual([
      404,
      "NOT_FOUND",
    ]);
    expect((await respond(o, req({ method: "GET", path: "/readyz" }))).status).toBe(503);
    expect((await respond(o, req({ method: "GET", path: "/healthz" }))).status).toBe(200);
    expect((await respond(o, req({ method: "PUT" }))).status).toBe(405);
  });

  it("CORS: allowed origins get the headers and a preflight answer; others get neither", async () => {
    const { o, req } = setup(() => Promise.reject(new Error("not reached")));
    const pre = await respond(
      o,
      req({ method: "OPTIONS", headers: new Map([["origin", "https://app.example"]]) }),
    );
    expect(pre.status).toBe(204);
    expect(pre.headers["access-control-allow-origin"]).toBe("https://app.example");
    expect(pre.headers["access-control-allow-headers"]).toContain("authorization");
    const other = await respond(
      o,
      req({ method: "OPTIONS", headers: new Map([["origin", "https://evil.example"]]) }),
    );
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
    expect(other.headers["access-control-allow-methods"]).toBeUndefined();
  });
});
