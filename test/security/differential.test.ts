import type { ExecutionResult, GraphQLSchema } from "graphql";
import { buildSchema, execute, parse } from "graphql";
import { applyMiddleware } from "graphql-middleware";
import { shield } from "graphql-shield";
import { describe, expect, it } from "vitest";
import { ADMINS_GROUP, CUSTOMERS_GROUP } from "../../src/auth/admins.js";
import type { TokenVerifier } from "../../src/auth/token-verifier.js";
import { Authenticator } from "../../src/auth/authenticator.js";
import type { Identity } from "../../src/auth/identity.js";
import type { UserRecord } from "../../src/aws/cognito-users.js";
import { ForbiddenError, NotFoundError } from "../../src/errors.js";
import { randomBytes } from "node:crypto";
import { Sealer } from "../../src/common/sealer.js";
import { FileIds, buildKey } from "../../src/files/keys.js";
import type { Context } from "../../src/auth/context.js";
import { silentLogger } from "../../src/log.js";
import { createLoaders } from "../../src/aws/loaders.js";
import type {
  FallbackError,
  PermissionOptions,
  Rule,
  RuleMap,
} from "../../src/permissions/algebra.js";
import {
  LogicRule,
  NotRule,
  allow,
  and,
  chain,
  deny,
  describeRule,
  not,
  or,
  race,
  rule,
  toShield,
} from "../../src/permissions/algebra.js";
import { compilePermissions } from "../../src/permissions/compile.js";
import { permissionOptions } from "../../src/permissions/index.js";
import {
  canListFolder,
  canLookUpFile,
  canReadFile,
  canSeeCustomer,
  canWriteUpload,
  hasRole,
  isAdmin,
} from "../../src/permissions/rules.js";
import { ACTORS } from "./actors.js";
import type { Actor } from "./actors.js";

/** The rules look nothing up: loaders that fail the test when used. */
const unusedLoaders = createLoaders(
  { head: () => Promise.reject(new Error("no HEAD in a permission test")) },
  { get: () => Promise.reject(new Error("no user lookup in a permission test")) },
);

/**
 * The compiled layer against graphql-shield 7.6.5 itself: every rule combination it accepts,
 * generated, for every kind of actor, through `compilePermissions` and through
 * `applyMiddleware(schema, shield(...))`, compared field by field: the value, or the error's
 * class, code and message.
 */

// ---- actors: viewers made by the API's own Authenticator from token claims and user records

const NOW = new Date("2026-12-01T00:00:00Z");
const user = (
  username: string,
  customerId: string | null,
  over: Partial<UserRecord> = {},
): UserRecord => ({
  username,
  sub: `sub-${username}`,
  email: `${username}@example.test`,
  emailVerified: true,
  name: username,
  enabled: true,
  status: "CONFIRMED",
  customerId,
  revokedAt: 0,
  linkHash: null,
  mfaEnabled: false,
  createdAt: NOW,
  updatedAt: NOW,
  ...over,
});
const ACCOUNTS: Record<string, { groups: string[]; user: UserRecord | null }> = {
  admin: { groups: [ADMINS_GROUP], user: user("admin.0a1b2c3d", null) },
  acme: { groups: [CUSTOMERS_GROUP], user: user("acme", "acme") },
  disabled: { groups: [CUSTOMERS_GROUP], user: user("off-co", "off-co", { enabled: false }) },
  deleted: { groups: [CUSTOMERS_GROUP], user: null },
  noGroup: { groups: [], user: user("nobody.1", null) },
  bothGroups: { groups: [CUSTOMERS_GROUP, ADMINS_GROUP], user: user("both-co", "both-co") },
};
// Token checks are not what is compared here: the verifier answers claims for a known "token".
const authenticator = new Authenticator(
  {
    verify: async (token: string) => ({
      sub: `sub-${ACCOUNTS[token]!.user?.username ?? token}`,
      username: ACCOUNTS[token]!.user?.username ?? token,
      groups: ACCOUNTS[token]!.groups,
      tokenUse: "access",
      exp: 4_000_000_000,
      authTime: 1_800_000_000,
    }),
    cached: () => undefined,
  } as unknown as TokenVerifier,
  {
    get: async (username: string) =>
      Object.values(ACCOUNTS).find((a) => a.user?.username === username)?.user ?? null,
  },
);

/** Whose token (none: anonymous and invited, who has no token) and whose folder is targeted. */
const ACTING: Record<Actor, { token: string | null; target: string }> = {
  anonymous: { token: null, target: "acme" },
  admin: { token: "admin", target: "acme" },
  customerSelf: { token: "acme", target: "acme" },
  customerOther: { token: "acme", target: "globex" },
  disabled: { token: "disabled", target: "off-co" },
  deleted: { token: "deleted", target: "acme" },
  invited: { token: null, target: "new-co" },
  noGroup: { token: "noGroup", target: "acme" },
  bothGroups: { token: "bothGroups", target: "acme" },
};

/** The viewer the request context would carry, or the error it refuses the token with. */
async function viewerOf(actor: Actor): Promise<{ viewer: Identity | null } | { refused: string }> {
  const { token } = ACTING[actor];
  if (token === null) return { viewer: null };
  try {
    return { viewer: await authenticator.authenticate(token) };
  } catch (err) {
    return { refused: `${(err as ForbiddenError).extensions.code}: ${(err as Error).message}` };
  }
}

const ctxOf = (viewer: Identity | null): Context => ({
  requestId: "differential",
  log: silentLogger,
  viewer,
  token: null,
  source: "differential",
  loaders: unusedLoaders,
});

// ---- rules: leaves of every kind of answer, the app's own rules, and combinations

const LEAVES: Rule[] = [
  allow,
  deny,
  rule("T", {}, () => true),
  rule("F", {}, () => false),
  rule("E1", {}, () => new ForbiddenError("E1: refused by a leaf")),
  rule("E2", {}, () => new NotFoundError("E2: answered as missing by a leaf")),
  rule("S", {}, () => "S: a string answer"),
  rule("X", {}, () => {
    throw new Error("X: a check that throws");
  }),
  rule("O", {}, () => 1 as unknown as boolean),
  rule("TC", { cache: "contextual" }, () => true),
  rule("EC", { cache: "contextual" }, () => new ForbiddenError("EC: contextual refusal")),
  rule("FS", { cache: "strict" }, () => false),
  rule("SS", { cache: "strict" }, () => "SS: strict string"),
  hasRole,
  isAdmin,
  canReadFile,
  canLookUpFile,
  canListFolder,
  canWriteUpload,
  canSeeCustomer,
];

const ERRORS: (string | Error | undefined)[] = [
  undefined,
  "N: custom string",
  new ForbiddenError("N: custom refusal"),
];
const LISTS = { and, or, chain, race } as const;

/** Deterministic pseudo-random numbers (mulberry32), so a failure names a reproducible rule. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function depthOf(r: Rule): number {
  if (r instanceof NotRule) return 1 + depthOf(r.rule);
  if (r instanceof LogicRule) return 1 + Math.max(0, ...r.rules.map(depthOf));
  return 1;
}

/**
 * Depth 1: every leaf. Depth 2: every operator over every leaf and every ordered pair of leaves,
 * and not() of every leaf with each kind of custom error. Depth 3: a seeded sample of operators
 * over depth-2 rules (and leaves), one to three operands.
 */
function combinations(depth3: number): Rule[] {
  const out: Rule[] = [...LEAVES];
  const d2: Rule[] = [];
  for (const op of Object.values(LISTS)) {
    for (const a of LEAVES) d2.push(op(a));
    for (const a of LEAVES) for (const b of LEAVES) d2.push(op(a, b));
  }
  for (const a of LEAVES) for (const e of ERRORS) d2.push(not(a, e));
  out.push(...d2);
  const next = random(13);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const ops = [...Object.values(LISTS), null];
  for (let i = 0; i < depth3; i++) {
    const op = pick(ops);
    if (op === null) {
      out.push(not(pick(d2), pick(ERRORS)));
      continue;
    }
    const n = 1 + Math.floor(next() * 3);
    const parts = Array.from({ length: n }, () => (next() < 0.5 ? pick(d2) : pick(LEAVES)));
    parts[Math.floor(next() * n)] = pick(d2);
    out.push(op(...parts));
  }
  return out;
}

// ---- running both engines

/**
 * A field's answers: on `node` (with arguments) and on each of `nodes` (without: the compiled
 * layer answers "strict" rules once per object there), each its value, or its error as class,
 * code and message. The errors are looked up by path (one pass over them, not one per field).
 */
function answers(r: ExecutionResult, fields: readonly string[]): string[] {
  // The first error at each path, as a search of the list in order would find it.
  const errorAt = new Map<string, NonNullable<ExecutionResult["errors"]>[number]>();
  for (const e of r.errors ?? []) {
    if (!e.path) continue;
    const at = e.path.join(".");
    if (!errorAt.has(at)) errorAt.set(at, e);
  }
  const one = (at: unknown, path: string, f: string) => {
    const e = errorAt.get(`${path}.${f}`);
    if (e)
      return `error ${e.originalError?.constructor.name ?? "GraphQLError"} ${String(e.extensions.code)} ${JSON.stringify(e.message)}`;
    return `value ${JSON.stringify((at as Record<string, unknown> | null)?.[f])}`;
  };
  const data = r.data as { node?: unknown; nodes?: unknown[] } | null | undefined;
  return fields.map((f) =>
    [
      one(data?.node ?? null, "node", f),
      ...(data?.nodes ?? []).map((n, i) => one(n, `nodes.${i}`, f)),
    ].join(" · "),
  );
}

const SDL = (fields: readonly string[]) => `
  type Query { node: Node nodes: [Node] }
  type Node { ${fields.map((f) => `${f}(id: ID, customerId: ID, fileId: ID): String`).join(" ")} }
`;

/** Ids as the API issues them (the rules read the folder an id names; the MAC is not theirs). */
const IDS = new FileIds(new Sealer(randomBytes(32)));

/** Files of the target's folder (the parents of the guarded fields), and arguments naming one. */
function targetOf(actor: Actor) {
  const file = (scope: "CUSTOMER" | "GENERAL", customerId: string | null) => {
    const key = buildKey(scope, customerId, "report.pdf", NOW.getTime());
    const id = IDS.of(key);
    return { id, key, name: "report.pdf", scope, customerId, size: 1, lastModified: NOW };
  };
  const customerId = ACTING[actor].target;
  const parent = file("CUSTOMER", customerId);
  return {
    parent,
    // Several objects in a row, of different folders: per-object answers must not carry over.
    parents: [parent, file("CUSTOMER", "globex"), file("GENERAL", null), parent],
    args: { id: parent.id, customerId, fileId: parent.id },
  };
}

function schemaWith(fields: readonly string[]): GraphQLSchema {
  const schema = buildSchema(SDL(fields));
  const node = schema.getQueryType()!.getFields().node!;
  node.resolve = (_p, _a, ctx: Context & { parent?: unknown }) => ctx.parent;
  const nodes = schema.getQueryType()!.getFields().nodes!;
  nodes.resolve = (_p, _a, ctx: Context & { parents?: unknown }) => ctx.parents;
  const type = schema.getType("Node") as import("graphql").GraphQLObjectType;
  for (const f of Object.values(type.getFields())) f.resolve = () => `value of ${f.name}`;
  return schema;
}

interface Engines {
  compiled: (actor: Actor) => Promise<string[]>;
  shielded: (actor: Actor) => Promise<string[]>;
}

/** Both engines over the same fields, rules and options. */
function engines(
  fieldRules: Readonly<Record<string, Rule>>,
  options: PermissionOptions,
  reference: Readonly<Record<string, Rule>> = fieldRules,
): Engines {
  const fields = Object.keys(fieldRules);
  const map = (rules: Readonly<Record<string, Rule>>): RuleMap => ({
    Query: { node: allow, nodes: allow },
    Node: rules,
  });
  const compiledSchema = schemaWith(fields);
  compilePermissions(compiledSchema, map(fieldRules), options);
  const ref = toShield(map(reference), options);
  const shieldSchema = applyMiddleware(schemaWith(fields), shield(ref.rules, ref.options));
  // Without source locations: an error's line and column (not compared) would be found by a scan
  // of the whole one-line query for line breaks, once per error.
  const query = parse(
    `query($id: ID, $customerId: ID, $fileId: ID) { node { ${fields
      .map((f) => `${f}(id: $id, customerId: $customerId, fileId: $fileId)`)
      .join(" ")} } nodes { ${fields.join(" ")} } }`,
    { noLocation: true },
  );
  const run = (schema: GraphQLSchema) => async (actor: Actor) => {
    const v = await viewerOf(actor);
    if ("refused" in v) return fields.map(() => `context refused ${v.refused}`);
    const { parent, parents, args } = targetOf(actor);
    const r = await execute({
      schema,
      document: query,
      variableValues: args,
      contextValue: { ...ctxOf(v.viewer), parent, parents },
    });
    return answers(r, fields);
  };
  return { compiled: run(compiledSchema), shielded: run(shieldSchema) };
}

/**
 * Runs `f` with `Error.stackTraceLimit` at 0, then puts it back. The comparisons make some 10^5
 * errors; neither engine nor the comparison reads their stacks (class, code and message are
 * compared, and stay the same), but graphql's GraphQLError copies each one's stack, and under
 * vitest every stack is source-mapped frame by frame when read: over half of this file's time.
 */
async function withoutStacks<T>(f: () => Promise<T>): Promise<T> {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return await f();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Runs rules in batches through both engines; returns the differences and the count compared. */
function compare(
  rules: readonly Rule[],
  options: PermissionOptions,
  reference?: readonly Rule[],
): Promise<{ differences: string[]; compared: number }> {
  return withoutStacks(() => compareBatches(rules, options, reference));
}

async function compareBatches(
  rules: readonly Rule[],
  options: PermissionOptions,
  reference?: readonly Rule[],
): Promise<{ differences: string[]; compared: number }> {
  const differences: string[] = [];
  let compared = 0;
  const BATCH = 400;
  for (let at = 0; at < rules.length; at += BATCH) {
    const batch = rules.slice(at, at + BATCH);
    const named = Object.fromEntries(batch.map((r, i) => [`f${at + i}`, r]));
    const refNamed = reference
      ? Object.fromEntries(reference.slice(at, at + BATCH).map((r, i) => [`f${at + i}`, r]))
      : named;
    const e = engines(named, options, refNamed);
    for (const actor of ACTORS) {
      const [mine, theirs] = [await e.compiled(actor), await e.shielded(actor)];
      batch.forEach((r, i) => {
        compared++;
        if (mine[i] !== theirs[i])
          differences.push(
            `${actor} ${describeRule(r)}: compiled ${mine[i]} | graphql-shield ${theirs[i]}`,
          );
      });
    }
  }
  return { differences, compared };
}

describe("the compiled layer decides exactly as graphql-shield 7.6.5 (differential)", () => {
  const rules = combinations(1200);

  it("generates every operator at depths 1 to 3, with custom errors", () => {
    const depths = new Set(rules.map(depthOf));
    expect([...depths].sort()).toEqual([1, 2, 3]);
    const kinds = (r: Rule) =>
      r instanceof NotRule ? "not" : r instanceof LogicRule ? r.kind : "leaf";
    const pairs = new Set(
      rules
        .filter((r) => depthOf(r) === 3)
        .flatMap((r) =>
          (r instanceof NotRule ? [r.rule] : (r as LogicRule).rules)
            .filter((x) => depthOf(x) === 2)
            .map((x) => `${kinds(r)}>${kinds(x)}`),
        ),
    );
    // Every operator over every operator.
    expect(pairs.size).toBe(25);
    expect(rules.length).toBeGreaterThan(2700);
  });

  it("every generated rule × every actor: the same value, or the same error class, code and message", async () => {
    const { differences, compared } = await compare(rules, permissionOptions);
    expect(differences.slice(0, 20)).toEqual([]);
    expect(compared).toBe(rules.length * ACTORS.length);
  }, 240_000);

  it("the comparison can fail: or and race differ on which Error they answer, and it shows", async () => {
    const e1 = LEAVES[4]!;
    const e2 = LEAVES[5]!;
    const { differences } = await compare([or(e1, e2)], permissionOptions, [race(e1, e2)]);
    expect(differences).toHaveLength(ACTORS.length - 2);
    expect(differences[0]).toContain("E1: refused by a leaf");
    expect(differences[0]).toContain("E2: answered as missing by a leaf");
  });

  // Fallbacks: a type-wide rule, "*", a field the map does not name, a type it does not name,
  // a rule for the whole schema; each fallbackRule and each form of fallbackError.
  const SHAPE_RULES: Rule[] = [
    LEAVES[2]!,
    LEAVES[3]!,
    LEAVES[4]!,
    LEAVES[6]!,
    and(LEAVES[3]!, LEAVES[5]!),
    race(LEAVES[4]!, LEAVES[5]!),
    hasRole,
  ];
  const FALLBACK_RULES: (Rule | undefined)[] = [
    undefined,
    allow,
    deny,
    LEAVES[4]!,
    and(deny, LEAVES[5]!),
    hasRole,
  ];
  const FALLBACK_ERRORS: PermissionOptions["fallbackError"][] = [
    undefined,
    "fallback: a string",
    new ForbiddenError("fallback: an Error"),
    permissionOptions.fallbackError,
    (() => new NotFoundError("fallback: a function")) as FallbackError,
    (() => null) as unknown as FallbackError,
  ];
  const SHAPE_SDL = `
    type Query { a: A b: B c: C d: D e: String f: String }
    type A { x: String y: String }
    type B { x: String y: String }
    type C { x: String y: String }
    type D { x: String y: String }
  `;
  const SHAPE_QUERY = parse(`{ a { x y } b { x y } c { x y } d { x y } e f }`);
  const shapeSchema = () => {
    const s = buildSchema(SHAPE_SDL);
    for (const t of ["Query", "A", "B", "C", "D"]) {
      const type = s.getType(t) as import("graphql").GraphQLObjectType;
      for (const f of Object.values(type.getFields()))
        f.resolve =
          t === "Query" && f.name.length === 1 && "abcd".includes(f.name)
            ? () => ({})
            : t === "D" && f.name === "y"
              ? () => {
                  throw new NotFoundError("a resolver's own error");
                }
              : () => `${t}.${f.name}`;
    }
    return s;
  };
  const shapeAnswers = (r: ExecutionResult) =>
    JSON.stringify({
      data: r.data,
      errors: (r.errors ?? [])
        .map(
          (e) =>
            `${e.path?.join(".")} ${e.originalError?.constructor.name} ${String(e.extensions.code)} ${e.message}`,
        )
        .sort(),
    });

  it("type-wide rules, '*', fallbackRule and every form of fallbackError, for every actor", async () => {
    const differences: string[] = [];
    let compared = 0;
    await withoutStacks(async () => {
      for (const [i, r] of SHAPE_RULES.entries()) {
        const [r2, r3, r4] = [1, 2, 3].map((k) => SHAPE_RULES[(i + k) % SHAPE_RULES.length]!);
        const maps: (RuleMap | Rule)[] = [
          {
            Query: { a: allow, b: allow, c: allow, d: allow, e: r },
            A: r2!,
            B: { "*": r3!, x: r4! },
            D: { "*": allow, y: r },
          },
          r,
        ];
        for (const map of maps)
          for (const fallbackRule of FALLBACK_RULES)
            for (const fallbackError of FALLBACK_ERRORS) {
              const options: PermissionOptions = {
                allowExternalErrors: true,
                ...(fallbackRule ? { fallbackRule } : {}),
                ...(fallbackError !== undefined ? { fallbackError } : {}),
              };
              const mine = shapeSchema();
              compilePermissions(mine, map, options);
              const ref = toShield(map, options);
              const theirs = applyMiddleware(shapeSchema(), shield(ref.rules, ref.options));
              for (const actor of ACTORS) {
                const v = await viewerOf(actor);
                if ("refused" in v) continue;
                const run = (schema: GraphQLSchema) =>
                  execute({ schema, document: SHAPE_QUERY, contextValue: ctxOf(v.viewer) });
                const [a, b] = [shapeAnswers(await run(mine)), shapeAnswers(await run(theirs))];
                compared++;
                if (a !== b)
                  differences.push(
                    `${actor} ${JSON.stringify(map, null, 0).slice(0, 80)} fallbackRule ${fallbackRule ? describeRule(fallbackRule) : "-"}: compiled ${a} | shield ${b}`,
                  );
              }
            }
      }
    });
    expect(differences.slice(0, 5)).toEqual([]);
    expect(compared).toBe(
      SHAPE_RULES.length * 2 * FALLBACK_RULES.length * FALLBACK_ERRORS.length * 7,
    );
  }, 120_000);
});
