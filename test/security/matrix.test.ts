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
import { stubAwsCommands } from "./support.js";
import { ACTORS, makeWorld } from "./world.js";
import type { Actor, World } from "./world.js";

/** Tokens the request context refuses (UNAUTHENTICATED) before any permission engine runs. */
const NO_CONTEXT: ReadonlySet<Actor> = new Set(["disabled", "deleted"]);

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
  const run = async (schema: GraphQLSchema, rowName: string, actor: Actor) => {
    const p = await probeFor(t.app.schema, rowName, w, actor);
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
    const compiled = await run(t.app.schema, "File.uploadedBy", "customerSelf");
    const viaLoose = await run(loose, "File.uploadedBy", "customerSelf");
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
      const got: Partial<Record<Actor, string>> = {};
      const shieldDiffers: string[] = [];
      for (const actor of ACTORS) {
        // Through Apollo, as clients get it.
        const p = await probeFor(t.app.schema, rowName, w, actor);
        const r = await t.exec(p.query, p.variables, tokenOf(p, actor));
        got[actor] = outcomeOf(r, p.path);
        if (NO_CONTEXT.has(actor)) continue;
        // Both engines on the same services, each with a fresh probe: the same errors exactly.
        const compiled = await run(t.app.schema, rowName, actor);
        const reference_ = await run(reference, rowName, actor);
        if (JSON.stringify(compiled) !== JSON.stringify(reference_))
          shieldDiffers.push(
            `${actor}: compiled ${JSON.stringify(compiled)}, graphql-shield ${JSON.stringify(reference_)}`,
          );
      }
      expect(got).toEqual(expected);
      expect(shieldDiffers).toEqual([]);
    });
  }
});
