import "reflect-metadata";
import { buildSchema, graphql } from "graphql";
import * as shieldApi from "graphql-shield";
import { describe, expect, it } from "vitest";
import type { Identity } from "../../src/auth/identity.js";
import { buildAppSchema } from "../../src/schema.js";
import type { Context } from "../../src/auth/context.js";
import { silentLogger } from "../../src/log.js";
import { createLoaders } from "../../src/aws/loaders.js";
import type { PermissionOptions, Rule, RuleMap } from "../../src/permissions/algebra.js";
import { LogicRule, allow, and, deny, not, rule } from "../../src/permissions/algebra.js";
import {
  applyPermissions,
  auditRuleMap,
  compilePermissions,
  compileRule,
  schemaFields,
} from "../../src/permissions/compile.js";
import { permissionOptions, permissions } from "../../src/permissions/index.js";
import * as policy from "../../src/policy.js";
import { GENERAL_FOLDER, customerFolder } from "../../src/policy.js";

/** The rules look nothing up: loaders that fail the test when used. */
const unusedLoaders = createLoaders(
  { head: () => Promise.reject(new Error("no HEAD in a permission test")) },
  { get: () => Promise.reject(new Error("no user lookup in a permission test")) },
);

function ctx(viewer: Partial<Identity> | null): Context {
  return {
    requestId: "t",
    log: silentLogger,
    viewer: viewer as Identity | null,
    token: null,
    source: "test",
    loaders: unusedLoaders,
  };
}
const admin = { role: "ADMIN", customerId: null, username: "admin.x" } as Identity;
const acme = { role: "CUSTOMER", customerId: "acme", username: "acme" } as Identity;
const noGroup = { role: null, customerId: null, username: "nobody" } as Identity;

const tiny = () => buildSchema(`type Query { a: String b: String } input In { x: String }`);
const opts: PermissionOptions = { allowExternalErrors: true };

describe("the policy: who may do what, as pure decisions", () => {
  const ACME = customerFolder("acme");
  const GLOBEX = customerFolder("globex");
  it("folders: admins read and write every folder; customers read GENERAL and their own, write their own", () => {
    const table = [admin, acme, noGroup, null].map((v) => [
      policy.canReadFolder(v, GENERAL_FOLDER),
      policy.canReadFolder(v, ACME),
      policy.canReadFolder(v, GLOBEX),
      policy.canWriteFolder(v, GENERAL_FOLDER),
      policy.canWriteFolder(v, ACME),
      policy.canWriteFolder(v, GLOBEX),
      policy.canDeleteFrom(v, ACME),
    ]);
    expect(table).toEqual([
      [true, true, true, true, true, true, true],
      [true, true, false, false, true, false, false],
      [false, false, false, false, false, false, false],
      [false, false, false, false, false, false, false],
    ]);
  });

  it("customers: admins see all and manage them; a customer sees themself only", () => {
    expect([admin, acme, noGroup, null].map((v) => policy.canSeeCustomer(v, "acme"))).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(policy.canSeeCustomer(acme, "globex")).toBe(false);
    expect([admin, acme, noGroup, null].map(policy.canManageCustomers)).toEqual([
      true,
      false,
      false,
      false,
    ]);
  });

  it("what a listing reads and where an upload goes come from the same decisions", () => {
    expect(policy.readableFolders(admin)).toBe("EVERY");
    expect(policy.readableFolders(acme)).toEqual([ACME, GENERAL_FOLDER]);
    expect(policy.readableFolders(noGroup)).toEqual([]);
    expect(policy.uploadFolder(acme, {})).toEqual(ACME);
    expect(policy.uploadFolder(acme, { scope: "GENERAL" })).toEqual(GENERAL_FOLDER);
    expect(policy.uploadFolder(acme, { customerId: "globex" })).toEqual(GLOBEX);
    expect(policy.uploadFolder(admin, {})).toBeNull();
  });
});

describe("permissions: deny by default", () => {
  it("has an explicit rule for every type and field of the schema, and none for things it lacks", async () => {
    const schema = await buildAppSchema();
    const { unruled, unknown } = auditRuleMap(schema, permissions);
    expect(unruled).toEqual([]);
    expect(unknown).toEqual([]);
    expect(schemaFields(schema).length).toBeGreaterThan(50);
  });

  it("refuses to start when a field has no rule, naming it", async () => {
    const schema = await buildAppSchema();
    const { Customer: _omit, ...withoutCustomer } = permissions;
    expect(() => applyPermissions(schema, withoutCustomer, permissionOptions)).toThrow(
      /Customer\.email/,
    );
  });

  it("refuses rules for types or fields the schema does not have (typos)", async () => {
    const schema = await buildAppSchema();
    expect(() =>
      applyPermissions(
        schema,
        { ...permissions, Query: { ...(permissions.Query as object), meee: deny } },
        permissionOptions,
      ),
    ).toThrow(/Query\.meee/);
  });

  it("answers UNAUTHENTICATED to anonymous and FORBIDDEN to the wrong role, keeping the code", async () => {
    const schema = await buildAppSchema();
    applyPermissions(schema, permissions, permissionOptions);
    const run = async (source: string, contextValue: Context) => {
      const r = await graphql({ schema, source, contextValue });
      return r.errors?.map((e) => e.extensions.code);
    };
    expect(await run(`{ customers { edges { cursor } } }`, ctx(null))).toEqual(["UNAUTHENTICATED"]);
    expect(await run(`{ customers { edges { cursor } } }`, ctx(acme))).toEqual(["FORBIDDEN"]);
    expect(await run(`mutation { deleteFile(id: "x") }`, ctx(acme))).toEqual(["FORBIDDEN"]);
  });
});

describe("the compiled layer refuses at start-up what it does not run as graphql-shield would", () => {
  const refuses = (map: unknown, options: unknown = opts) =>
    expect(() => compilePermissions(tiny(), map as RuleMap, options as PermissionOptions));

  it("graphql-shield's own rule objects, functions and other values in the map", () => {
    refuses({ Query: { a: shieldApi.allow } }).toThrow(/Query\.a is not a rule/);
    refuses({ Query: { a: () => true } }).toThrow(/Query\.a is not a rule/);
    refuses({ Query: shieldApi.rule("x")(() => true) }).toThrow(/Query is neither/);
    refuses({ Query: { "*": new LogicRule("and", [{} as Rule]) } }).toThrow(/is not a rule/);
  });

  it("rules for types that are not object types, and two different rules under one name", () => {
    refuses({ In: allow }).toThrow(/In is not an object type/);
    refuses({ Nope: allow }).toThrow(/Nope is not an object type/);
    const one = rule("same", {}, () => true);
    const other = rule("same", {}, () => true);
    refuses({ Query: { a: one, b: and(other, allow) } }).toThrow(/another rule is also named same/);
    refuses({ Query: { a: one } }, { ...opts, fallbackRule: other }).toThrow(/named same/);
  });

  it("options it does not implement: debug, hashFunction, masked resolver errors, odd fallbacks", () => {
    refuses({ Query: allow }, { ...opts, debug: true }).toThrow(/not supported: debug/);
    refuses({ Query: allow }, { ...opts, hashFunction: () => "" }).toThrow(/hashFunction/);
    refuses({ Query: allow }, { allowExternalErrors: false }).toThrow(/allowExternalErrors/);
    refuses({ Query: allow }, {}).toThrow(/allowExternalErrors/);
    refuses({ Query: allow }, { ...opts, fallbackRule: shieldApi.deny }).toThrow(/fallbackRule/);
    refuses({ Query: allow }, { ...opts, fallbackError: 42 }).toThrow(/fallbackError/);
  });

  it("rules it cannot build: no name, a cache it does not know, not() or and() of a non-rule", () => {
    expect(() => rule("", {}, () => true)).toThrow(/needs a name/);
    expect(() => rule("x", { cache: (() => "k") as unknown as "strict" }, () => true)).toThrow(
      /not supported/,
    );
    expect(() => not(undefined as unknown as Rule)).toThrow(/not a permission rule/);
    expect(() => and(allow, shieldApi.allow as unknown as Rule)).toThrow(/argument 2/);
  });

  it("a check that returns a promise fails closed at run time (it cannot be decided synchronously)", () => {
    const remote = rule("remote", {}, () => Promise.resolve(true) as unknown as boolean);
    expect(() => compileRule(remote)(ctx(admin), {}, {})).toThrow(/remote returned a promise/);
  });
});
