import fc from "fast-check";
import type { GraphQLArgument, GraphQLInputType, GraphQLOutputType, GraphQLSchema } from "graphql";
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_SETTINGS, startTestApp } from "../helpers/app.js";
import type { GqlResult, TestApp } from "../helpers/app.js";
import { postJson } from "../helpers/post.js";
import { stubAwsCommands } from "./support.js";
import { makeWorld } from "./world.js";
import type { World } from "./world.js";

/** Runs per operation and actor (~20 operations × 2 actors × 40 ≈ 1,600 requests, ~15 s). */
const RUNS = 40;

const STATS: Record<string, number> = {};
/** Values that get past input checks, so the fuzz also reaches the services. */
const PLAUSIBLE_STRINGS = ["text/plain", "application/pdf", "notes.txt", "Report 2026.pdf", "Acme"];
const HOSTILE_STRINGS = [
  "",
  " ",
  ".",
  "..",
  "../../etc/passwd",
  "..%2F..%2Fcustomers",
  "%2e%2e/",
  "/customers/x/",
  "customers/../general/x",
  "a\u0000b",
  "\r\n\t",
  "\u202e\u200b",
  "💥".repeat(50),
  "x".repeat(5000),
  '"; DROP TABLE users; --',
  'email = "admin@example.test"',
  "<script>alert(1)</script>",
  "${jndi:ldap://x}",
  "__proto__",
  "constructor",
];

describe("fuzzing every argument of every operation (fast-check): no 5xx, no internal error, nothing outside the actor's scope", () => {
  let t: TestApp;
  let w: World;
  let schema: GraphQLSchema;
  let ids: string[];

  beforeAll(async () => {
    // requestPasswordReset answers in a fixed 1 s; fuzzing calls it 40 times.
    t = await startTestApp({
      settings: { account: { ...TEST_SETTINGS.account, resetAnswerMs: 0 } },
    });
    w = await makeWorld(t);
    schema = t.app.schema;
    // s3rver lacks ListParts and AbortMultipartUpload (405); answered at SDK level so that only
    // the API's own behaviour is fuzzed.
    stubAwsCommands(t.app.clients.s3, {
      ListPartsCommand: () => ({ Parts: [], IsTruncated: false }),
      AbortMultipartUploadCommand: () => ({}),
    });
    // Ids worth aiming at: the other tenant's, one's own, general, forged keys and admin's.
    ids = [
      w.acme.id,
      w.globex.id,
      w.acme.fileId,
      w.globex.fileId,
      w.generalFileId,
      t.ids.of(`customers/${w.globex.id}/x/report.pdf`),
      t.ids.of(`customers/${w.acme.id}/../${w.globex.id}/report.pdf`),
      t.ids.of(`customers/${w.acme.id}/%2F..%2F${w.globex.id}/r.pdf`),
      "f1_" + Buffer.from(`customers/${w.globex.id}`).toString("base64url"),
      "f2_" +
        Buffer.from(`customers/${w.globex.id}/x/r.pdf`).toString("base64url") +
        ".AAAAAAAAAAAAAAAAAAAAAA",
      "f1_",
      "f2_",
      "f1_!!!",
      t.stack.admin.username,
    ];
  });
  afterAll(async () => {
    // Figures for the record: answers per actor, status and first error code.
    const summary: Record<string, number> = {};
    for (const [k, n] of Object.entries(STATS)) {
      const [who, , status, code] = k.split(" ");
      const key = `${who} ${status} ${code}`;
      summary[key] = (summary[key] ?? 0) + n;
    }
    console.info("fuzz answers:", summary);
    await t?.stop();
  });

  const scalarArb = (name: string): fc.Arbitrary<unknown> => {
    const strings = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: "binary", maxLength: 80 }),
      fc.constantFrom(...HOSTILE_STRINGS),
      fc.constantFrom(...PLAUSIBLE_STRINGS),
    );
    switch (name) {
      case "ID":
        return fc.oneof(fc.constantFrom(...ids), strings);
      case "String":
        return fc.oneof(strings, fc.constantFrom(...ids), fc.emailAddress());
      case "Int":
        return fc.oneof(
          { arbitrary: fc.integer({ min: 1, max: 100 }), weight: 3 },
          fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
          fc.constantFrom(0, 101, -1),
        );
      case "SafeInt":
        return fc.oneof(
          { arbitrary: fc.integer({ min: 1, max: 10_000_000 }), weight: 3 },
          fc.maxSafeInteger(),
          fc.constantFrom(0, -1, 5 * 1024 ** 3 + 1),
        );
      case "Boolean":
        return fc.boolean();
      case "DateTimeISO":
        return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
      default:
        return strings;
    }
  };

  const inputArb = (type: GraphQLInputType): fc.Arbitrary<unknown> => {
    if (isNonNullType(type)) return inputArb(type.ofType);
    if (isListType(type)) return fc.array(inputArb(type.ofType), { maxLength: 4 });
    if (isEnumType(type)) return fc.constantFrom(...type.getValues().map((v) => v.name));
    if (isInputObjectType(type)) {
      const fields = Object.values(type.getFields());
      return fc.record(Object.fromEntries(fields.map((f) => [f.name, argArb(f.type)])), {
        requiredKeys: fields.filter((f) => isNonNullType(f.type)).map((f) => f.name),
      });
    }
    if (isScalarType(type)) return scalarArb(type.name);
    return fc.constant(null);
  };
  /** Non-null: a value; nullable: sometimes null. */
  const argArb = (type: GraphQLInputType): fc.Arbitrary<unknown> =>
    isNonNullType(type) ? inputArb(type) : fc.option(inputArb(type), { nil: null, freq: 1 });

  /** Every leaf (and __typename) down to `depth` levels; fields needing arguments left out. */
  const selection = (type: GraphQLOutputType, depth: number): string => {
    const named = getNamedType(type);
    if (isLeafType(named)) return "";
    if (isUnionType(named))
      return `{ __typename ${named
        .getTypes()
        .map((m) => `... on ${m.name} ${selection(m, depth)}`)
        .join(" ")} }`;
    if (!isObjectType(named)) return "{ __typename }";
    const parts = ["__typename"];
    for (const f of Object.values(named.getFields())) {
      if (f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) continue;
      const sub = getNamedType(f.type);
      if (isLeafType(sub)) parts.push(f.name);
      else if (depth > 1) parts.push(`${f.name} ${selection(f.type, depth - 1)}`);
    }
    return `{ ${parts.join(" ")} }`;
  };

  const documentFor = (
    kind: "query" | "mutation",
    field: string,
    args: readonly GraphQLArgument[],
  ) => {
    const root = kind === "query" ? schema.getQueryType() : schema.getMutationType();
    const f = root!.getFields()[field]!;
    const vars = args.map((a) => `$${a.name}: ${String(a.type)}`).join(", ");
    const call = args.map((a) => `${a.name}: $${a.name}`).join(", ");
    return `${kind}${vars ? `(${vars})` : ""} { ${field}${call ? `(${call})` : ""} ${selection(f.type, 3)} }`;
  };

  /** Everything a customer of `acme` receives must belong to acme or to the general folder. */
  const outOfScope = (data: unknown, acme: string): string[] => {
    const bad: string[] = [];
    const walk = (v: unknown, path: string) => {
      if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${path}.${i}`));
      if (!v || typeof v !== "object") return;
      const o = v as Record<string, unknown>;
      const type = o.__typename;
      if (type === "Customer" && o.id !== undefined && o.id !== acme)
        bad.push(`${path}: Customer ${String(o.id)}`);
      if (type === "File") {
        if (o.customerId !== null && o.customerId !== undefined && o.customerId !== acme)
          bad.push(`${path}: File of ${String(o.customerId)}`);
        const key = typeof o.id === "string" ? t.ids.parse(o.id) : null;
        if (key && key.scope === "CUSTOMER" && key.customerId !== acme)
          bad.push(`${path}: File id of ${String(key.customerId)}`);
      }
      for (const k of ["fileId"]) {
        const key = typeof o[k] === "string" ? t.ids.parse(o[k] as string) : null;
        if (key && (key.scope !== "CUSTOMER" || key.customerId !== acme))
          bad.push(`${path}.${k}: ${key.key}`);
      }
      for (const [k, x] of Object.entries(o)) walk(x, `${path}.${k}`);
    };
    walk(data, "data");
    return bad;
  };

  for (const actor of ["customer", "admin"] as const) {
    for (const kind of ["query", "mutation"] as const) {
      it(`${actor}: every ${kind} with arbitrary arguments`, async () => {
        const root = kind === "query" ? schema.getQueryType()! : schema.getMutationType()!;
        const token = actor === "admin" ? w.tokens.admin : w.tokens.customerSelf;
        const findings: string[] = [];
        for (const f of Object.values(root.getFields())) {
          const document = documentFor(kind, f.name, f.args);
          const varsArb = fc.record(
            Object.fromEntries(f.args.map((a) => [a.name, argArb(a.type)])),
          );
          // Nothing to fuzz without arguments, and signing out everywhere would end this suite's
          // own sessions.
          if (f.args.length === 0) continue;
          await fc.assert(
            fc.asyncProperty(varsArb, async (variables) => {
              const res = await postJson(
                `${t.url}/graphql`,
                { query: document, variables },
                { authorization: `Bearer ${token}` },
              );
              const body = res.json as GqlResult;
              const codes = (body.errors ?? []).map((e) => String(e.extensions?.code));
              const k = `${actor} ${f.name} ${res.status} ${codes[0] ?? "ok"}`;
              STATS[k] = (STATS[k] ?? 0) + 1;
              const problems = [
                ...(res.status >= 500 ? [`HTTP ${res.status}`] : []),
                ...codes.filter((c) => c === "INTERNAL_SERVER_ERROR" || c === "undefined"),
                ...(actor === "customer" ? outOfScope(body.data, w.acme.id) : []),
              ];
              if (problems.length)
                findings.push(
                  `${f.name} ${JSON.stringify(variables).slice(0, 300)} → ${problems.join(", ")}`,
                );
              return problems.length === 0;
            }),
            { numRuns: RUNS, endOnFailure: true },
          );
        }
        expect(findings).toEqual([]);
        // A fixed number of requests: on a busy 2-core machine they can take longer than the
        // default 30 s; the time is not what this test checks.
      }, 120_000);
    }
  }
});
