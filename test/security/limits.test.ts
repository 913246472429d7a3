import { PutObjectCommand } from "@aws-sdk/client-s3";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import type { GraphQLSchema } from "graphql";
import { parse, validate } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "../../src/config.js";
import { buildAppSchema } from "../../src/schema.js";
import {
  DEFAULT_QUERY_LIMITS,
  MAX_TOKENS,
  QUERY_TOO_COMPLEX,
  measureQuery,
  queryLimitRules,
} from "../../src/graphql/limits.js";
import { buildKey } from "../../src/files/keys.js";
import { measureQuery as measureByHand } from "../bench/lib/hand-written-limits.js";
import * as benchQueries from "../bench/lib/queries.js";
import { DEEPEST, EVERY_FIELD_PAGE, aliasFlood } from "../bench/scenarios/limits.js";
import { codes, startTestApp } from "../helpers/app.js";
import type { TestApp } from "../helpers/app.js";
import { countAwsCalls } from "./support.js";

const DEEP = `{ customers(first: 1) { edges { node { files(first: 1) { edges { node { customer {
  files(first: 1) { edges { node { customer { files(first: 1) { edges { node { id } } } } } } } } } } } } } } }`;
const WIDE = `{ customers(first: 100) { edges { node { id files(first: 100) { edges { node { id name contentType } } } } } } }`;

describe("query limits: measured before execution (graphql-js validation)", () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildAppSchema();
  });
  const refusals = (source: string, limits = {}) =>
    validate(schema, parse(source, { maxTokens: MAX_TOKENS }), queryLimitRules(limits)).map(
      (e) => e.extensions,
    );
  const measure = (source: string) => measureQuery(schema, parse(source));
  const byHand = (source: string) => measureByHand(schema, parse(source));

  it("lets a 100-file page with every field through the defaults, with room to spare", () => {
    expect(measure(EVERY_FIELD_PAGE)).toEqual([
      { operation: "EveryField", depth: 5, aliases: 0, cost: 2_210 },
    ]);
    expect(refusals(EVERY_FIELD_PAGE)).toEqual([]);
    expect(refusals(DEEPEST)).toEqual([]);
  });

  it("refuses abusive nesting with QUERY_TOO_COMPLEX (limit: depth)", () => {
    expect(refusals(DEEP)).toEqual([
      expect.objectContaining({ code: QUERY_TOO_COMPLEX, limit: "depth", max: 10, actual: 15 }),
    ]);
  });

  it("refuses list multiplication (100 customers × 100 files) by cost", () => {
    expect(refusals(WIDE)).toEqual([
      expect.objectContaining({
        code: QUERY_TOO_COMPLEX,
        limit: "cost",
        max: 10_000,
        actual: 51_210,
      }),
    ]);
    // `first` as a variable counts as the largest page unless the variable has a default.
    const v = `query($n: Int) { customers(first: $n) { edges { node { files(first: $n) { edges { node { id name contentType } } } } } } }`;
    expect(refusals(v)[0]).toMatchObject({ limit: "cost" });
    const withDefault = `query($n: Int = 3) { customers(first: $n) { edges { node { files(first: $n) { edges { node { id } } } } } } }`;
    expect(refusals(withDefault)).toEqual([]);
    // Required variables are no obstacle to measuring (no values exist yet at validation).
    const required = `query($id: ID!, $n: Int!) { customer(id: $id) { files(first: $n) { edges { node { id } } } } }`;
    expect(measure(required)[0]!.cost).toBe(5 + 10 + 100 * 2);
  });

  it("refuses alias floods (limit: aliases), and fragment fan-out before measuring it all", () => {
    expect(refusals(aliasFlood(20))).toEqual([]);
    expect(refusals(aliasFlood(21))).toEqual([
      expect.objectContaining({ code: QUERY_TOO_COMPLEX, limit: "aliases", max: 20, actual: 21 }),
    ]);
    // Each fragment spreads the next twice: 2^40 fields if expanded. graphql-query-complexity
    // expands every spread, so it stops at 20,000 selections and the query is refused (in the
    // API the duplicate-fields guard, which runs first, refuses it already).
    const frags = Array.from(
      { length: 40 },
      (_, i) => `fragment F${i} on Viewer { id ${i < 39 ? `...F${i + 1} ...F${i + 1}` : ""} }`,
    ).join("\n");
    const started = Date.now();
    const out = refusals(`{ me { ...F0 } }\n${frags}`, { maxDepth: 100 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(out).toEqual([
      expect.objectContaining({ limit: "cost", actual: Number.POSITIVE_INFINITY }),
    ]);
    // …and fan-out through a list is counted: 40 levels of files pages cannot pass.
    const [m] = measure(
      `{ files(first: 100) { edges { node { ...G } } } } fragment G on File { id customer { files(first: 100) { edges { node { id } } } } }`,
    );
    expect(m!.cost).toBeGreaterThan(DEFAULT_QUERY_LIMITS.maxCost);
  });

  describe("where the libraries count differently from the hand-written rules they replaced", () => {
    /** Every operation the web client sends (src/client/operations) and the benchmark's. */
    const corpus = () => {
      const dir = path.resolve(__dirname, "../../src/client/operations");
      const client = readdirSync(dir)
        .map((f) => readFileSync(path.join(dir, f), "utf8"))
        .join("\n");
      const bench = Object.values(benchQueries).map((q) =>
        typeof q === "function" ? q(100, 10) : q,
      );
      return [client, ...bench, EVERY_FIELD_PAGE, DEEPEST, DEEP, WIDE, aliasFlood(21)];
    };

    it("give the same verdicts and depths on the web client's, the benchmark's and these tests' operations, costs a little lower", () => {
      let operations = 0;
      for (const source of corpus()) {
        const ours = measure(source);
        const before = byHand(source);
        const verdict = (m: { depth: number; cost: number }) =>
          m.depth > DEFAULT_QUERY_LIMITS.maxDepth || m.cost > DEFAULT_QUERY_LIMITS.maxCost;
        for (const [i, m] of ours.entries()) {
          const was = before[i]!;
          expect([m.operation, m.depth, verdict(m)]).toEqual([
            was.operation,
            was.depth,
            verdict(was),
          ]);
          // A connection's edges and pageInfo (4 at most) no longer count; a union counts its
          // dearest member rather than all of them.
          expect(
            was.cost - m.cost,
            `${m.operation}: ${was.cost} → ${m.cost}`,
          ).toBeGreaterThanOrEqual(0);
          expect(was.cost - m.cost).toBeLessThanOrEqual(4 + was.cost * 0.02);
          operations++;
        }
      }
      expect(operations).toBeGreaterThan(40);
    });

    it("depth: the root field is 1 and fragments add no level, as before; `__typename` and `__type` now count", () => {
      for (const q of [
        `{ me { id } }`,
        `{ me { ...V } } fragment V on Viewer { id }`,
        `{ ... on Query { me { id } } }`,
        `{ __schema { types { fields { name } } } }`,
      ])
        expect(measure(q)[0]!.depth, q).toBe(byHand(q)[0]!.depth);
      expect(measure(`{ me { id } }`)[0]!.depth).toBe(2);
      // Accepted: graphql-armor leaves out only `__schema`; a selection of `__typename` alone
      // adds a level, and `__type` (served only with introspection on) is counted like a field.
      expect([
        measure(`{ me { __typename } }`)[0]!.depth,
        byHand(`{ me { __typename } }`)[0]!.depth,
      ]).toEqual([2, 1]);
      const type = `{ __type(name: "File") { name } }`;
      expect([measure(type)[0]!.depth, byHand(type)[0]!.depth]).toEqual([2, 0]);
    });

    it("aliases: counted per operation and at every spread of a fragment, no longer per document text", () => {
      // Accepted: only one operation of a document runs, and a fragment's aliases run wherever
      // it is spread, so graphql-armor's count is what executes.
      const two = [0, 1]
        .map(
          (op) =>
            `query Q${op} { ${Array.from({ length: 15 }, (_, i) => `a${i}: me { id }`).join(" ")} }`,
        )
        .join("\n");
      expect(refusals(two)).toEqual([]);
      const spreadTwice = `{ a: me { ...V } b: me { ...V } } fragment V on Viewer { x: id y: email }`;
      expect(measure(spreadTwice)[0]!.aliases).toBe(6);
      // `__typename` aliases count too (graphql-armor's allowList is emptied), as before.
      expect(measure(`{ me { t: __typename } }`)[0]!.aliases).toBe(1);
    });

    it("cost: `first` multiplies as before, but a connection's edges and pageInfo are free", () => {
      // Chosen: graphql-query-complexity gives an estimator only the sum of what a field selects,
      // so a connection's `first` multiplies all of it; counting pageInfo once per item would
      // overstate nested pages (100 customers × 10 files with pageInfo: +3,000), so it is free.
      const page = (first: string, head = "") =>
        `${head} { files${first} { edges { node { id } } pageInfo { hasNextPage } } }`;
      expect([measure(page("(first: 3)"))[0]!.cost, byHand(page("(first: 3)"))[0]!.cost]).toEqual([
        10 + 3 * 2,
        10 + 1 + 3 * 2 + 2,
      ]);
      // A literal, a variable's default, the largest page for a variable without one, the field's
      // default (50) when `first` is absent: as before.
      for (const [first, head, items] of [
        ["(first: 3)", "", 3],
        ["(first: $n)", "query($n: Int = 3)", 3],
        ["(first: $n)", "query($n: Int)", 100],
        ["(first: 500)", "", 100],
        ["", "", 50],
      ] as const)
        expect(measure(page(first, head))[0]!.cost, `${head} ${first}`).toBe(10 + items * 2);
      // A union costs its dearest member (only one is returned); `@skip(if: true)` costs nothing.
      const signIn = `mutation { signIn(email: "a", password: "b") { ... on AuthTokens { accessToken idToken } ... on MfaRequired { session } } }`;
      expect([measure(signIn)[0]!.cost, byHand(signIn)[0]!.cost]).toEqual([12, 13]);
      const skipped = `{ me { id } files @skip(if: true) { edges { node { id } } } }`;
      expect([measure(skipped)[0]!.cost, byHand(skipped)[0]!.cost]).toEqual([2, 113]);
    });
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
      // The same figures as measured on the bare schema: the permission layer keeps the
      // decorators' `complexity`.
      for (const [query, limit, max, actual] of [
        [DEEP, "depth", 10, 15],
        [WIDE, "cost", 10_000, 51_210],
        [aliasFlood(50), "aliases", 20, 50],
      ] as const) {
        const r = await t.http(query, {}, admin);
        expect(r.status, limit).toBe(400);
        expect(codes(r.body), limit).toEqual([QUERY_TOO_COMPLEX]);
        expect(r.body.errors![0]!.extensions).toMatchObject({ limit, max, actual });
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
