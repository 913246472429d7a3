import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { GraphQLSchema } from "graphql";
import { parse, validate } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "../../src/config.js";
import { buildAppSchema } from "../../src/graphql/schema.js";
import {
  DEFAULT_QUERY_LIMITS,
  MAX_TOKENS,
  QUERY_TOO_COMPLEX,
  measureQuery,
  queryLimitRules,
} from "../../src/graphql/limits.js";
import { buildKey } from "../../src/files/keys.js";
import { codes, startTestApp } from "../helpers/app.js";
import type { TestApp } from "../helpers/app.js";
import { countAwsCalls } from "./support.js";

/** A 100-file page asking for every field of File, its customer, edges and page info. */
export const EVERY_FIELD_PAGE = `query EveryField {
  files(first: 100) {
    edges { cursor node {
      id name scope customerId size lastModified contentType downloadUrl uploadedBy
      customer { id name email status createdAt updatedAt }
    } }
    pageInfo { endCursor hasNextPage }
  }
}`;

const DEEP = `{ customers(first: 1) { edges { node { files(first: 1) { edges { node { customer {
  files(first: 1) { edges { node { customer { files(first: 1) { edges { node { id } } } } } } } } } } } } } } }`;
const WIDE = `{ customers(first: 100) { edges { node { id files(first: 100) { edges { node { id name contentType } } } } } } }`;
const aliasFlood = (n: number) =>
  `{ ${Array.from({ length: n }, (_, i) => `a${i}: customer(id: "c${i}") { id }`).join(" ")} }`;

describe("query limits: measured before execution (graphql-js validation)", () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildAppSchema();
  });
  const refusals = (source: string, limits = {}) =>
    validate(schema, parse(source, { maxTokens: MAX_TOKENS }), queryLimitRules(limits)).map(
      (e) => e.extensions,
    );

  it("lets a 100-file page with every field through the defaults, with room to spare", () => {
    const [m] = measureQuery(schema, parse(EVERY_FIELD_PAGE));
    expect(m!.depth).toBe(5);
    // Measured: 2,214 — under a quarter of the default 10,000.
    expect(m!.cost).toBeLessThan(DEFAULT_QUERY_LIMITS.maxCost / 4);
    expect(refusals(EVERY_FIELD_PAGE)).toEqual([]);
  });

  it("refuses abusive nesting with QUERY_TOO_COMPLEX (limit: depth)", () => {
    expect(refusals(DEEP)).toEqual([
      expect.objectContaining({ code: QUERY_TOO_COMPLEX, limit: "depth", max: 10, actual: 15 }),
    ]);
  });

  it("refuses list multiplication (100 customers × 100 files) by cost", () => {
    expect(refusals(WIDE)).toEqual([
      expect.objectContaining({ code: QUERY_TOO_COMPLEX, limit: "cost", max: 10_000 }),
    ]);
    // `first` as a variable counts as the largest page unless the variable has a default.
    const v = `query($n: Int) { customers(first: $n) { edges { node { files(first: $n) { edges { node { id name contentType } } } } } } }`;
    expect(refusals(v)[0]).toMatchObject({ limit: "cost" });
    const withDefault = `query($n: Int = 3) { customers(first: $n) { edges { node { files(first: $n) { edges { node { id } } } } } } }`;
    expect(refusals(withDefault)).toEqual([]);
  });

  it("refuses alias floods (limit: aliases) and fragment fan-out measured in linear time", () => {
    expect(refusals(aliasFlood(20))).toEqual([]);
    expect(refusals(aliasFlood(21))).toEqual([
      expect.objectContaining({ code: QUERY_TOO_COMPLEX, limit: "aliases", actual: 21 }),
    ]);
    // Each fragment spreads the next twice: 2^40 fields if expanded naively.
    const frags = Array.from(
      { length: 40 },
      (_, i) => `fragment F${i} on Viewer { id ${i < 39 ? `...F${i + 1} ...F${i + 1}` : ""} }`,
    ).join("\n");
    const started = Date.now();
    const out = refusals(`{ me { ...F0 } }\n${frags}`, { maxDepth: 100 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(out).toEqual([]);
    // …while fan-out through a list is counted: 40 levels of files pages cannot pass.
    const [m] = measureQuery(
      schema,
      parse(
        `{ files(first: 100) { edges { node { ...G } } } } fragment G on File { id customer { files(first: 100) { edges { node { id } } } } }`,
      ),
    );
    expect(m!.cost).toBeGreaterThan(DEFAULT_QUERY_LIMITS.maxCost);
  });
});

describe("query limits and request hygiene over HTTP (local stand-ins)", () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.adminToken();
    // 100 general files, put straight into the bucket under server-style keys.
    const base = Date.now() - 1_000_000;
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        t.app.clients.s3.send(
          new PutObjectCommand({
            Bucket: t.stack.s3.bucket,
            Key: buildKey("GENERAL", null, `report-${i}.txt`, base + i),
            Body: `file ${i}`,
            ContentType: "text/plain",
            Metadata: { "uploaded-by": "admin%40example.test" },
          }),
        ),
      ),
    );
  });
  afterAll(() => t?.stop());

  it("serves the 100-file page with every field", async () => {
    const r = await t.http<{ files: { edges: unknown[] } }>(EVERY_FIELD_PAGE, {}, admin);
    expect(r.status).toBe(200);
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.files.edges).toHaveLength(100);
  });

  it("refuses deep, costly and aliased queries with 400 QUERY_TOO_COMPLEX before any AWS call", async () => {
    await t.http(`{ me { id } }`, {}, admin); // the viewer's record is now cached
    const calls = countAwsCalls(t.app.clients);
    try {
      for (const [query, limit] of [
        [DEEP, "depth"],
        [WIDE, "cost"],
        [aliasFlood(50), "aliases"],
      ] as const) {
        const r = await t.http(query, {}, admin);
        expect(r.status, limit).toBe(400);
        expect(codes(r.body), limit).toEqual([QUERY_TOO_COMPLEX]);
        expect(r.body.errors![0]!.extensions).toMatchObject({ limit });
        expect(r.body.errors![0]!.extensions!.requestId).toEqual(expect.any(String));
      }
      expect(calls.total()).toBe(0);
    } finally {
      calls.stop();
    }
  });

  it("refuses HTTP batches (an array body): Apollo's allowBatchedHttpRequests stays false", async () => {
    const res = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${admin}` },
      body: JSON.stringify([{ query: "{ me { id } }" }, { query: "{ me { id } }" }]),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors.map((e) => e.extensions.code)).toEqual(["BAD_REQUEST"]);
  });

  it("refuses documents over the token limit (GRAPHQL_PARSE_FAILED) and bodies over the size limit (413)", async () => {
    const many = `{ me { ${"id ".repeat(MAX_TOKENS)} } }`;
    const r = await t.http(many, {}, admin);
    expect(r.status).toBe(400);
    expect(codes(r.body)).toEqual(["GRAPHQL_PARSE_FAILED"]);
    const big = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ me { id } }", pad: "x".repeat(1024 * 1024) }),
    });
    expect(big.status).toBe(413);
  });

  it("shows request errors as they are (not masked): validation and variable values", async () => {
    const v = await t.http(`{ me { nope } }`, {}, admin);
    expect(v.status).toBe(400);
    expect(codes(v.body)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(v.body.errors![0]!.message).toMatch(/nope/);
    const bad = await t.http(`query($n: Int) { files(first: $n) { edges { cursor } } }`, {
      n: "x",
    });
    expect(codes(bad.body)).toEqual(["BAD_USER_INPUT"]);
  });

  it("keeps CSRF prevention on: a simple GET or a text/plain POST is refused", async () => {
    const get = await fetch(`${t.url}/graphql?query=${encodeURIComponent("{ me { id } }")}`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(get.status).toBe(400);
    const post = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "text/plain", authorization: `Bearer ${admin}` },
      body: JSON.stringify({ query: "{ me { id } }" }),
    });
    expect(post.status).toBe(400);
    expect(await post.text()).not.toContain('"me"');
  });

  it("turns introspection and the landing page off with NODE_ENV=production, on again only on purpose", async () => {
    const prod = readConfig({ NODE_ENV: "production" }, "/srv/app");
    expect([prod.introspection, prod.playground]).toEqual([false, false]);
    const p = await startTestApp({
      stack: t.stack,
      settings: { introspection: prod.introspection, playground: prod.playground },
    });
    const introspect = `{ __schema { queryType { name } } }`;
    try {
      const r = await p.http(introspect);
      expect(r.status).toBe(400);
      expect(codes(r.body)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
      const page = await fetch(`${p.url}/graphql`, { headers: { accept: "text/html" } });
      expect(page.headers.get("content-type") ?? "").not.toContain("text/html");
      expect(await page.text()).not.toMatch(/<html/i);
    } finally {
      await p.stop();
    }
    const onPurpose = readConfig(
      { NODE_ENV: "production", GRAPHQL_INTROSPECTION: "true" },
      "/srv/app",
    );
    expect(onPurpose.introspection).toBe(true);
    const q = await startTestApp({ stack: t.stack, settings: { introspection: true } });
    try {
      const r = await q.http<{ __schema: { queryType: { name: string } } }>(introspect);
      expect(r.body.data?.__schema.queryType.name).toBe("Query");
    } finally {
      await q.stop();
    }
  });
});
