import "reflect-metadata";
import { GraphQLError, graphql } from "graphql";
import { and, deny, not, or, rule } from "graphql-shield";
import { describe, expect, it } from "vitest";
import type { Viewer } from "../../src/auth/viewer.js";
import { buildAppSchema } from "../../src/graphql/schema.js";
import type { Context } from "../../src/graphql/context.js";
import { silentLogger } from "../../src/log.js";
import {
  applyPermissions,
  auditRuleTree,
  compileRule,
  schemaFields,
} from "../../src/permissions/compile.js";
import { permissions } from "../../src/permissions/index.js";
import { isAdmin, isAdminOrSelf, isSelf } from "../../src/permissions/rules.js";

function ctx(viewer: Partial<Viewer> | null): Context {
  return {
    requestId: "t",
    log: silentLogger,
    viewer: viewer as Viewer | null,
    token: null,
    source: "test",
    scoped: new Map(),
  };
}
const admin = ctx({ role: "ADMIN", customerId: null, username: "admin.x" });
const acme = ctx({ role: "CUSTOMER", customerId: "acme", username: "acme" });
const anon = ctx(null);

describe("permissions: deny by default", () => {
  it("has an explicit rule for every type and field of the schema, and none for things it lacks", async () => {
    const schema = await buildAppSchema();
    const { unruled, unknown } = auditRuleTree(schema, permissions);
    expect(unruled).toEqual([]);
    expect(unknown).toEqual([]);
    expect(schemaFields(schema).length).toBeGreaterThan(50);
  });

  it("refuses to start when a field has no rule, naming it", async () => {
    const schema = await buildAppSchema();
    const { Customer: _omit, ...withoutCustomer } = permissions;
    expect(() => applyPermissions(schema, withoutCustomer)).toThrow(/Customer\.email/);
  });

  it("refuses rules for types or fields the schema does not have (typos)", async () => {
    const schema = await buildAppSchema();
    expect(() =>
      applyPermissions(schema, { ...permissions, Query: { ...permissions.Query, meee: deny } }),
    ).toThrow(/Query\.meee/);
  });

  it("refuses rules it cannot evaluate synchronously", () => {
    const asyncRule = rule("remote")(async () => true);
    expect(() => compileRule(asyncRule, "Query.x")).toThrow(/Query\.x/);
  });

  it("compiles and/or/not like graphql-shield", () => {
    const check = (r: object, c: Context, parent: unknown = {}) => {
      const compiled = compileRule(r, "t");
      return compiled === "allow" ? true : compiled(c, parent, {});
    };
    expect(check(isAdmin, admin)).toBe(true);
    expect(check(isAdmin, acme)).toBe(false);
    expect(check(isAdmin, anon)).toBeInstanceOf(GraphQLError);
    expect(check(isAdminOrSelf, acme, { id: "acme" })).toBe(true);
    expect(check(isAdminOrSelf, acme, { id: "other" })).toBe(false);
    expect(check(and(isAdmin, isSelf), admin, { id: "acme" })).toBe(false);
    expect(check(or(isSelf, deny), acme, { id: "acme" })).toBe(true);
    expect(check(not(isAdmin), acme)).toBe(true);
    expect(check(not(isAdmin), admin)).toBe(false);
  });

  it("answers UNAUTHENTICATED to anonymous and FORBIDDEN to the wrong role, keeping the code", async () => {
    const schema = await buildAppSchema();
    applyPermissions(schema, permissions);
    const run = async (source: string, contextValue: Context) => {
      const r = await graphql({ schema, source, contextValue });
      return r.errors?.map((e) => e.extensions.code);
    };
    expect(await run(`{ customers { edges { cursor } } }`, anon)).toEqual(["UNAUTHENTICATED"]);
    expect(await run(`{ customers { edges { cursor } } }`, acme)).toEqual(["FORBIDDEN"]);
    expect(await run(`mutation { deleteFile(id: "x") }`, acme)).toEqual(["FORBIDDEN"]);
  });
});
