import type { GraphQLSchema } from "graphql";
import { execute, parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildExecutableSchema } from "../../src/app.js";
import type { Identity } from "../../src/auth/identity.js";
import type { CustomerService } from "../../src/customers/customer.service.js";
import type { CustomerRecord } from "../../src/customers/customer.types.js";
import type { FilePage, FileService } from "../../src/files/file.service.js";
import type { FileRecord } from "../../src/files/file.types.js";
import type { RuleMap } from "../../src/permissions/algebra.js";
import { allow } from "../../src/permissions/algebra.js";
import { permissions } from "../../src/permissions/index.js";
import { startTestApp } from "../helpers/app.js";
import type { GqlResult, TestApp } from "../helpers/app.js";
import { makeWorld } from "./world.js";
import type { World } from "./world.js";

/**
 * Defense in depth: services scope their queries with the policy, and the rule on each type checks
 * every object again. Here a service is given exactly the bug the type rules exist for — it
 * returns another tenant's object — and the answer must not carry it.
 */
describe("a service bug that hands out another tenant's object is stopped by the type's rule (local stand-ins)", () => {
  let t: TestApp;
  let w: World;
  let globexFile: FileRecord;
  let globexCustomer: CustomerRecord;

  /**
   * The app's own services, each with one bug: the file listing also returns globex's file, and
   * every customer lookup answers globex. Everything else is the real service.
   */
  const schemaWith = async (map: RuleMap): Promise<GraphQLSchema> => {
    const s = t.app.services;
    const files: FileService = Object.assign(Object.create(s.files) as FileService, {
      async list(viewer: Identity | null, args: Parameters<FileService["list"]>[1]) {
        const page: FilePage = await s.files.list(viewer, args);
        return { ...page, edges: [...page.edges, { cursor: "leak", node: globexFile }] };
      },
    });
    const customers: CustomerService = Object.assign(
      Object.create(s.customers) as CustomerService,
      { lookup: async () => globexCustomer },
    );
    return buildExecutableSchema({ ...s, files, customers }, map);
  };
  const asAcme = async (schema: GraphQLSchema, query: string, variables = {}) => {
    const contextValue = await t.app.context({ authorization: `Bearer ${w.tokens.customerSelf}` });
    return (await execute({
      schema,
      document: parse(query),
      variableValues: variables,
      contextValue,
    })) as GqlResult<unknown>;
  };
  const FILES = `{ files(first: 10) { edges { node { id name customerId } } } }`;
  const CUSTOMER = `query($id: ID!) { customer(id: $id) { id name email } }`;

  beforeAll(async () => {
    t = await startTestApp();
    w = await makeWorld(t);
    globexFile = t.app.services.files.record(
      t.app.services.files.ids.parse(w.globex.fileId)!,
      5,
      new Date(),
    );
    globexCustomer = (await t.app.services.customers.get(w.globex.id))!;
  });
  afterAll(() => t?.stop());

  it("File: a listing that returns globex's file to acme answers FORBIDDEN, never the file", async () => {
    const r = await asAcme(await schemaWith(permissions), FILES);
    expect(JSON.stringify(r.data ?? null)).not.toContain(w.globex.id);
    expect(r.errors?.map((e) => [e.extensions?.code, e.path?.slice(-1)[0]])).toContainEqual([
      "FORBIDDEN",
      "id",
    ]);
    // The same request on the real service: acme's own file, no error.
    const real = await asAcme(t.app.schema, FILES);
    expect(real.errors).toBeUndefined();
    expect(JSON.stringify(real.data)).toContain(w.acme.id);
  });

  it("Customer: a lookup that returns globex to acme answers FORBIDDEN, never the profile", async () => {
    const r = await asAcme(await schemaWith(permissions), CUSTOMER, { id: w.acme.id });
    expect(JSON.stringify(r.data ?? null)).not.toContain(w.globex.id);
    expect(JSON.stringify(r.data ?? null)).not.toContain(w.globex.email);
    expect(new Set(r.errors?.map((e) => e.extensions?.code))).toEqual(new Set(["FORBIDDEN"]));
  });

  it("the test can fail: without the type rules the same bugs leak globex's file and profile", async () => {
    const loose: RuleMap = {
      ...permissions,
      File: { "*": allow },
      Customer: { "*": allow },
    };
    const schema = await schemaWith(loose);
    expect(JSON.stringify((await asAcme(schema, FILES)).data)).toContain(w.globex.id);
    const c = await asAcme(schema, CUSTOMER, { id: w.acme.id });
    expect(JSON.stringify(c.data)).toContain(w.globex.email);
  });
});
