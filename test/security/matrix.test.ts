import type { ExecutionResult, GraphQLSchema } from "graphql";
import { execute, parse } from "graphql";
import { applyMiddleware } from "graphql-middleware";
import { shield } from "graphql-shield";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildExecutableSchema } from "../../src/app.js";
import type { RuleMap } from "../../src/permissions/algebra.js";
import { allow, toShield } from "../../src/permissions/algebra.js";
import { schemaFields } from "../../src/permissions/compile.js";
import { permissionOptions, permissions } from "../../src/permissions/index.js";
import { TEST_SETTINGS, startTestApp } from "../helpers/app.js";
import type { GqlResult, TestApp } from "../helpers/app.js";
import { MATRIX, fieldOfRow } from "./matrix.js";
import { outcomeOf, probeFor } from "./probes.js";
import type { Probe } from "./probes.js";
import { stubAwsCommands } from "./support.js";
import { ACTORS, makeWorld } from "./world.js";
import type { Actor, World } from "./world.js";

/** Tokens the request context refuses (UNAUTHENTICATED) before any permission engine runs. */
const NO_CONTEXT: ReadonlySet<Actor> = new Set(["disabled", "deleted"]);

/**
 * Rows whose every probe acts on an account made for it alone, the actors checked at once: each
 * setPasswordWithToken probe redeems the link of a customer of its own, and each redemption signs
 * in only at the next whole second (src/auth/sessions.ts, afterRevocation): one after another,
 * its 21 redemptions took 20 s.
 */
const AT_ONCE: ReadonlySet<string> = new Set(["Mutation.setPasswordWithToken"]);

/** `make` for every item, `size` items at a time; the results in the items' order. */
async function inBatches<T, R>(items: readonly T[], make: (item: T) => Promise<R>, size = 3) {
  const out: R[] = [];
  for (let at = 0; at < items.length; at += size)
    out.push(...(await Promise.all(items.slice(at, at + size).map(make))));
  return out;
}

/** graphql-shield's own engine over the same rules: `applyMiddleware(schema, shield(...))`. */
function shielded(schema: GraphQLSchema, map: RuleMap): GraphQLSchema {
  const ref = toShield(map, permissionOptions);
  return applyMiddleware(schema, shield(ref.rules, ref.options));
}

/** Every error of a result as the engines decided it: path, code, message and error class. */
function errorsOf(r: ExecutionResult): string[] {
  return (r.errors ?? [])
    .map((e) =>
      JSON.stringify({
        path: e.path?.join("."),
        code: e.extensions.code,
        message: e.message,
        class: e.originalError?.constructor.name ?? "GraphQLError",
      }),
    )
    .sort();
}

describe("authorization matrix: every operation and field × every actor (local stand-ins)", () => {
  let t: TestApp;
  let w: World;
  /** The same services and rule map under graphql-shield's own engine, deny by default. */
  let reference: GraphQLSchema;

  beforeAll(async () => {
    // requestPasswordReset answers in a fixed 1 s; this suite calls it many times for other reasons.
    t = await startTestApp({
      settings: { account: { ...TEST_SETTINGS.account, resetAnswerMs: 0 } },
    });
    w = await makeWorld(t);
    // s3rver has no ListParts and answers AbortMultipartUpload with 405: those two S3 calls are
    // answered at SDK level (the rows using them say so); every other call reaches the emulator.
    stubAwsCommands(t.app.clients.s3, {
      ListPartsCommand: () => ({
        Parts: [{ PartNumber: 1, ETag: '"0123456789abcdef0123456789abcdef"', Size: 10 }],
        IsTruncated: false,
      }),
      AbortMultipartUploadCommand: () => ({}),
    });
    reference = shielded(await buildExecutableSchema(t.app.services, null), permissions);
  });
  afterAll(() => t?.stop());

  it("has a row for every query, mutation and field of the schema, and none for fields it lacks", () => {
    const fields = schemaFields(t.app.schema);
    const rows = Object.keys(MATRIX).map((r) => fieldOfRow(r).field);
    expect(
      fields.filter((f) => !rows.includes(f)),
      "fields with no row in test/security/matrix.ts",
    ).toEqual([]);
    expect(
      rows.filter((r) => !fields.includes(r)),
      "rows naming fields the schema lacks",
    ).toEqual([]);
  });

  /** The probe's own token (probes that change the caller's account act as a fresh one), else the actor's. */
  const tokenOf = (p: { token?: string | null }, actor: Actor) =>
    p.token !== undefined ? (p.token ?? undefined) : w.tokens[actor];

  /** One probe of a row, executed on `schema` (compiled layer or reference) as `actor`. */
  const run = async (schema: GraphQLSchema, actor: Actor, p: Probe) => {
    const token = tokenOf(p, actor);
    const contextValue = await t.app.context({
      authorization: token ? `Bearer ${token}` : undefined,
    });
    const r = await execute({
      schema,
      document: parse(p.query),
      variableValues: p.variables,
      contextValue,
    });
    return { outcome: outcomeOf(r as GqlResult<unknown>, p.path), errors: errorsOf(r) };
  };

  it("the comparison with graphql-shield can fail: a map that allows File.uploadedBy decides differently", async () => {
    const loose = shielded(await buildExecutableSchema(t.app.services, null), {
      ...permissions,
      File: { ...(permissions.File as object), uploadedBy: allow },
    });
    const probe = () => probeFor(t.app.schema, "File.uploadedBy", w, "customerSelf");
    const compiled = await run(t.app.schema, "customerSelf", await probe());
    const viaLoose = await run(loose, "customerSelf", await probe());
    expect(viaLoose.outcome).toBe("allow");
    expect(compiled.outcome).toBe("FORBIDDEN");
    expect(MATRIX["File.uploadedBy"]!.customerSelf).toBe("FORBIDDEN");
  });

  const SDK_LEVEL = new Set([
    "Query.uploadedParts",
    "Mutation.abortMultipartUpload",
    "UploadedPart",
  ]);
  for (const [rowName, expected] of Object.entries(MATRIX)) {
    const sdk = SDK_LEVEL.has(rowName) || SDK_LEVEL.has(rowName.split(".")[0] as string);
    const title = `${rowName}: each actor gets what the matrix says, and graphql-shield answers the same${sdk ? " (ListParts/AbortMultipartUpload answered at SDK level)" : ""}`;
    it(title, async () => {
      // A fresh probe for each execution (through Apollo, then each engine), all made first, a
      // few at a time: probes that send a link or change an account are followed by a sign-in
      // that waits for the next whole second (src/auth/sessions.ts, afterRevocation), and made
      // one after another those waits added up to most of this file's time.
      const made = await inBatches(ACTORS, (actor) =>
        Promise.all(
          (NO_CONTEXT.has(actor) ? [0] : [0, 1, 2]).map(() =>
            probeFor(t.app.schema, rowName, w, actor),
          ),
        ),
      );
      const got: Partial<Record<Actor, string>> = {};
      const shieldDiffers: string[] = [];
      const check = async (actor: Actor, [viaApollo, forCompiled, forReference]: Probe[]) => {
        // Through Apollo, as clients get it.
        const p = viaApollo!;
        const r = await t.exec(p.query, p.variables, tokenOf(p, actor));
        got[actor] = outcomeOf(r, p.path);
        if (NO_CONTEXT.has(actor)) return;
        // Both engines on the same services, each with a fresh probe: the same errors exactly.
        const compiled = await run(t.app.schema, actor, forCompiled!);
        const reference_ = await run(reference, actor, forReference!);
        if (JSON.stringify(compiled) !== JSON.stringify(reference_))
          shieldDiffers.push(
            `${actor}: compiled ${JSON.stringify(compiled)}, graphql-shield ${JSON.stringify(reference_)}`,
          );
      };
      if (AT_ONCE.has(rowName)) await Promise.all(ACTORS.map((actor, i) => check(actor, made[i]!)));
      else for (const [i, actor] of ACTORS.entries()) await check(actor, made[i]!);
      expect(got).toEqual(expected);
      expect(shieldDiffers).toEqual([]);
    });
  }
});
