import type { GraphQLSchema } from "graphql";
import { execute, parse } from "graphql";
import { applyMiddleware } from "graphql-middleware";
import { allow, deny, shield } from "graphql-shield";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildExecutableSchema } from "../../src/app.js";
import { schemaFields } from "../../src/permissions/compile.js";
import { permissions } from "../../src/permissions/index.js";
import { TEST_SETTINGS, startTestApp } from "../helpers/app.js";
import type { GqlResult, TestApp } from "../helpers/app.js";
import { MATRIX } from "./matrix.js";
import { outcomeOf, probeFor } from "./probes.js";
import { stubAwsCommands } from "./support.js";
import { ACTORS, makeWorld } from "./world.js";
import type { Actor, World } from "./world.js";

const REFUSALS = new Set(["UNAUTHENTICATED", "FORBIDDEN", "Not Authorised!"]);
const isRefusal = (o: string) => REFUSALS.has(o);

describe("authorization matrix: every operation and field × every actor (local stand-ins)", () => {
  let t: TestApp;
  let w: World;
  /** The same services and rule map under graphql-shield's own engine, deny by default. */
  let shielded: GraphQLSchema;

  beforeAll(async () => {
    // requestPasswordReset answers in a fixed 1 s; this suite calls it 13 times for other reasons.
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
    const fresh = await buildExecutableSchema(t.app.services, null);
    shielded = applyMiddleware(
      fresh,
      shield(permissions as Parameters<typeof shield>[0], {
        fallbackRule: deny,
        allowExternalErrors: true,
      }),
    );
  });
  afterAll(() => t?.stop());

  it("has a row for every query, mutation and field of the schema, and none for fields it lacks", () => {
    const fields = schemaFields(t.app.schema);
    const rows = Object.keys(MATRIX).sort();
    expect(
      fields.filter((f) => !(f in MATRIX)),
      "fields with no row in test/security/matrix.ts",
    ).toEqual([]);
    expect(
      rows.filter((r) => !fields.includes(r)),
      "rows naming fields the schema lacks",
    ).toEqual([]);
  });

  const viaShield = async (rowName: string, actor: Actor): Promise<string> => {
    const p = await probeFor(t.app.schema, rowName, w, actor);
    const token = p.token !== undefined ? (p.token ?? undefined) : w.tokens[actor];
    const contextValue = await t.app.context({
      authorization: token ? `Bearer ${token}` : undefined,
    });
    const r = await execute({
      schema: shielded,
      document: parse(p.query),
      variableValues: p.variables,
      contextValue,
    });
    return outcomeOf(r as GqlResult<unknown>, p.path);
  };

  it("the comparison with graphql-shield can fail: a map that allows File.uploadedBy decides differently", async () => {
    const loose = applyMiddleware(
      await buildExecutableSchema(t.app.services, null),
      shield(
        {
          ...permissions,
          File: { ...permissions.File, uploadedBy: allow },
        } as Parameters<typeof shield>[0],
        { fallbackRule: deny, allowExternalErrors: true },
      ),
    );
    const p = await probeFor(t.app.schema, "File.uploadedBy", w, "customerSelf");
    const contextValue = await t.app.context({
      authorization: `Bearer ${w.tokens.customerSelf}`,
    });
    const r = await execute({
      schema: loose,
      document: parse(p.query),
      variableValues: p.variables,
      contextValue,
    });
    expect(outcomeOf(r as GqlResult<unknown>, p.path)).toBe("allow");
    expect(MATRIX["File.uploadedBy"]!.customerSelf).toBe("FORBIDDEN");
  });

  const SDK_LEVEL = new Set([
    "Query.uploadedParts",
    "Mutation.abortMultipartUpload",
    "UploadedPart",
  ]);
  for (const [rowName, expected] of Object.entries(MATRIX)) {
    const sdk = SDK_LEVEL.has(rowName) || SDK_LEVEL.has(rowName.split(".")[0] as string);
    const title = `${rowName}: each actor gets what the matrix says, and graphql-shield decides alike${sdk ? " (ListParts/AbortMultipartUpload answered at SDK level)" : ""}`;
    it(title, async () => {
      const got: Partial<Record<Actor, string>> = {};
      const shieldDiffers: string[] = [];
      for (const actor of ACTORS) {
        const p = await probeFor(t.app.schema, rowName, w, actor);
        const r = await t.exec(
          p.query,
          p.variables,
          p.token !== undefined ? (p.token ?? undefined) : w.tokens[actor],
        );
        const outcome = outcomeOf(r, p.path);
        got[actor] = outcome;
        // A disabled user's token never yields a context: no engine runs for it.
        if (actor === "disabled") continue;
        const reference = await viaShield(rowName, actor);
        if (isRefusal(reference) !== isRefusal(outcome))
          shieldDiffers.push(`${actor}: compiled ${outcome}, graphql-shield ${reference}`);
      }
      expect(got).toEqual(expected);
      expect(shieldDiffers).toEqual([]);
    });
  }
});
