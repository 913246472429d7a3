import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meetsPasswordPolicy } from "../../src/auth/password-policy.js";
import { codes, startTestApp, withoutRequestIds } from "../helpers/app.js";
import type { GqlResult, TestApp } from "../helpers/app.js";

/**
 * Issue "Customer management", end to end against the local Cognito and S3 stand-ins: one app,
 * one stack, tests in order (each creates the customers it needs, with its own ids and emails).
 */

const F = `id name email status createdAt updatedAt`;
const CREATE = `mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { ${F} } temporaryPassword } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateCustomerInput!) {
  updateCustomer(id: $id, input: $input) { ${F} } }`;
const RESET = `mutation($id: ID!) { resetCustomerPassword(id: $id) { customer { ${F} } temporaryPassword } }`;
const GET = `query($id: ID!) { customer(id: $id) { ${F} } }`;
const LIST = `query($first: Int, $after: String) { customers(first: $first, after: $after) {
  edges { cursor node { ${F} } } pageInfo { hasNextPage endCursor } } }`;
const SIGN_IN = `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) {
  __typename ... on AuthTokens { accessToken } ... on NewPasswordRequired { session } } }`;
const COMPLETE = `mutation($e: String!, $s: String!, $n: String!) {
  completeNewPassword(email: $e, session: $s, newPassword: $n) { accessToken } }`;
const ME = `{ me { id email role customer { ${F} } } }`;

const NEW_PASSWORD = "Str0ng!Passw0rd";
const OTHER_PASSWORD = "An0ther#Passw0rd";

interface CustomerOut {
  id: string;
  name: string;
  email: string;
  status: "INVITED" | "ACTIVE" | "DISABLED";
  createdAt: string;
  updatedAt: string;
}
interface Created {
  customer: CustomerOut;
  temporaryPassword: string;
}
interface ListOut {
  customers: {
    edges: { cursor: string; node: CustomerOut }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}
interface AuditLine {
  msg: string;
  actor?: string;
  action?: string;
  target?: string;
  outcome?: string;
  requestId?: string;
  [k: string]: unknown;
}

describe("customer management (issue 'Customer management')", () => {
  let t: TestApp;
  let admin: string;
  /** Every password the tests saw: none may ever reach a log line. */
  const secrets = new Set<string>([NEW_PASSWORD, OTHER_PASSWORD]);

  beforeAll(async () => {
    t = await startTestApp({ captureLogs: true });
    admin = await t.adminToken();
    secrets.add(t.stack.admin.password);
  });
  afterAll(() => t?.stop());

  const adminActor = () => `admin:${t.stack.admin.username}`;

  /** Runs one admin action and returns its result with the audit lines it wrote. */
  async function audited<T>(fn: () => Promise<T>): Promise<{ r: T; audit: AuditLine[] }> {
    const from = t.logs.length;
    const r = await fn();
    const lines = t.logs.slice(from);
    const audit = lines.map((l) => JSON.parse(l) as AuditLine).filter((l) => l.msg === "audit");
    return { r, audit };
  }

  function expectOneAudit(
    audit: AuditLine[],
    want: { action: string; target: string; outcome: string },
  ): void {
    expect(audit, JSON.stringify(audit)).toHaveLength(1);
    const line = audit[0]!;
    expect(line).toMatchObject({ ...want, actor: adminActor() });
    expect(typeof line.requestId).toBe("string");
    const text = JSON.stringify(line);
    for (const s of secrets) expect(text).not.toContain(s);
    expect(text).not.toMatch(/password"\s*:/i);
  }

  async function create(
    input: { email: string; name: string; id?: string | null },
    token = admin,
  ): Promise<GqlResult<{ createCustomer: Created }>> {
    const r = await t.exec<{ createCustomer: Created }>(CREATE, { input }, token);
    if (r.data?.createCustomer) secrets.add(r.data.createCustomer.temporaryPassword);
    return r;
  }

  async function mustCreate(input: { email: string; name: string; id?: string }) {
    const { r, audit } = await audited(() => create(input));
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    const created = r.data!.createCustomer;
    expectOneAudit(audit, { action: "createCustomer", target: created.customer.id, outcome: "ok" });
    return created;
  }

  async function get(id: string, token = admin) {
    return t.exec<{ customer: CustomerOut | null }>(GET, { id }, token);
  }

  /** All customers, walking pages of `first`. */
  async function listAll(first = 100): Promise<CustomerOut[]> {
    const out: CustomerOut[] = [];
    let after: string | null = null;
    for (let i = 0; i < 1000; i++) {
      const r: GqlResult<ListOut> = await t.exec<ListOut>(LIST, { first, after }, admin);
      expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
      const c = r.data!.customers;
      out.push(...c.edges.map((e) => e.node));
      if (!c.pageInfo.hasNextPage) return out;
      after = c.pageInfo.endCursor;
      expect(after).toBeTruthy();
    }
    throw new Error("paging did not end");
  }

  async function signInRaw(email: string, password: string) {
    return t.exec<{ signIn: { __typename: string; accessToken?: string; session?: string } }>(
      SIGN_IN,
      { e: email, p: password },
    );
  }

  /** First sign-in: the temporary password must be replaced; returns the new access token. */
  async function firstSignIn(email: string, temporary: string, newPassword = NEW_PASSWORD) {
    const s = await signInRaw(email, temporary);
    expect(s.errors, JSON.stringify(s.errors)).toBeUndefined();
    expect(s.data!.signIn.__typename).toBe("NewPasswordRequired");
    expect(s.data!.signIn.session).toBeTruthy();
    const c = await t.exec<{ completeNewPassword: { accessToken: string } }>(COMPLETE, {
      e: email,
      s: s.data!.signIn.session,
      n: newPassword,
    });
    expect(c.errors, JSON.stringify(c.errors)).toBeUndefined();
    return c.data!.completeNewPassword.accessToken;
  }

  async function normalSignIn(email: string, password = NEW_PASSWORD): Promise<string> {
    const s = await signInRaw(email, password);
    expect(s.errors, JSON.stringify(s.errors)).toBeUndefined();
    expect(s.data!.signIn.__typename).toBe("AuthTokens");
    return s.data!.signIn.accessToken!;
  }

  function expectDates(c: CustomerOut, notBefore: number) {
    const created = Date.parse(c.createdAt);
    const updated = Date.parse(c.updatedAt);
    expect(c.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(created).toBeGreaterThanOrEqual(notBefore - 2000);
    expect(created).toBeLessThanOrEqual(Date.now() + 2000);
    expect(updated).toBeGreaterThanOrEqual(created);
  }

  it("two customers: temporary password → NewPasswordRequired → normal sign-in; `me` shows their own profile", async () => {
    const started = Date.now();
    const acme = await mustCreate({
      email: "Ops@Acme.example",
      name: "  Acme   Corp ",
      id: "acme",
    });
    expect(acme.customer).toMatchObject({
      id: "acme",
      name: "Acme Corp",
      email: "ops@acme.example",
      status: "INVITED",
    });
    expectDates(acme.customer, started);
    expect(meetsPasswordPolicy(acme.temporaryPassword)).toBe(true);

    // No id: one is generated from the name.
    const globex = await mustCreate({ email: "it@globex.example", name: "Globex Ünïted" });
    expect(globex.customer.id).toMatch(/^globex-united-[a-z0-9]{6}$/);
    expect(globex.customer.status).toBe("INVITED");
    expect(globex.temporaryPassword).not.toBe(acme.temporaryPassword);

    // The admin reads them while they are still invited.
    for (const c of [acme, globex]) {
      const r = await get(c.customer.id);
      expect(r.errors).toBeUndefined();
      expect(r.data!.customer).toEqual(c.customer);
    }

    const tokens: Record<string, string> = {};
    for (const c of [acme, globex]) {
      await firstSignIn(c.customer.email, c.temporaryPassword);
      // The temporary password is spent.
      expect(codes(await signInRaw(c.customer.email, c.temporaryPassword))).toEqual([
        "UNAUTHENTICATED",
      ]);
      const token = await normalSignIn(c.customer.email);
      tokens[c.customer.id] = token;
      const me = await t.http<{
        me: { id: string; email: string; role: string; customer: CustomerOut };
      }>(ME, {}, token);
      expect(me.status).toBe(200);
      expect(me.body.errors).toBeUndefined();
      expect(me.body.data!.me).toMatchObject({
        email: c.customer.email,
        role: "CUSTOMER",
        customer: {
          id: c.customer.id,
          name: c.customer.name,
          email: c.customer.email,
          status: "ACTIVE",
          createdAt: c.customer.createdAt,
        },
      });
      expect(me.body.data!.me.id).toMatch(/^[0-9a-f-]{36}$/);
      expectDates(me.body.data!.me.customer, started);
    }

    // Once the new password is chosen, the admin sees ACTIVE (no stale cached INVITED).
    for (const c of [acme, globex]) {
      const r = await get(c.customer.id);
      expect(r.data!.customer).toMatchObject({ id: c.customer.id, status: "ACTIVE" });
      const own = await get(c.customer.id, tokens[c.customer.id]);
      expect(own.errors).toBeUndefined();
      expect(own.data!.customer).toMatchObject({ id: c.customer.id, status: "ACTIVE" });
    }
    const listed = await listAll();
    expect(listed.filter((c) => c.id === "acme" || c.id === globex.customer.id)).toHaveLength(2);
    expect(listed.find((c) => c.id === "acme")!.status).toBe("ACTIVE");
  });

  it("customers cannot list or manage customers, and another customer reads exactly like a missing id", async () => {
    const a = await mustCreate({ email: "a@initech.example", name: "Initech", id: "initech" });
    const b = await mustCreate({ email: "b@hooli.example", name: "Hooli", id: "hooli" });
    await firstSignIn(a.customer.email, a.temporaryPassword);
    const token = await normalSignIn(a.customer.email);

    const list = await t.http(LIST, { first: 10 }, token);
    expect(codes(list.body)).toEqual(["FORBIDDEN"]);
    expect(list.body.data ?? null).toBeNull();

    // Any id but their own is answered as missing (null, NOT_FOUND), whether it exists or not.
    // Request ids differ per request; nothing else may.
    const other = await get(b.customer.id, token);
    const missing = await get("no-such-customer", token);
    const malformed = await get("Not An Id", token);
    expect(other.data).toEqual({ customer: null });
    expect(codes(other)).toEqual(["NOT_FOUND"]);
    expect(withoutRequestIds(missing)).toEqual(withoutRequestIds(other));
    expect(withoutRequestIds(malformed)).toEqual(withoutRequestIds(other));
    // Over HTTP too: same status, same body apart from the request id.
    const otherHttp = await t.http(GET, { id: b.customer.id }, token);
    const missingHttp = await t.http(GET, { id: "no-such-customer" }, token);
    expect(otherHttp.status).toBe(missingHttp.status);
    expect(withoutRequestIds(otherHttp.body)).toEqual(withoutRequestIds(missingHttp.body));

    // The admin also gets null for a missing or malformed id.
    expect(await get("no-such-customer")).toEqual({ data: { customer: null } });
    expect(await get("admin." + "0".repeat(16))).toEqual({ data: { customer: null } });
    expect(await get(t.stack.admin.username)).toEqual({ data: { customer: null } });

    const before = await listAll();
    for (const [q, v] of [
      [CREATE, { input: { email: "x@evil.example", name: "Evil", id: "evil" } }],
      [UPDATE, { id: b.customer.id, input: { name: "Pwned" } }],
      [UPDATE, { id: a.customer.id, input: { enabled: false } }],
      [RESET, { id: b.customer.id }],
    ] as const) {
      // Refused by the permission layer: nothing done, and one audit line that says so.
      const { r, audit } = await audited(() => t.exec(q, v, token));
      expect(codes(r), q).toEqual(["FORBIDDEN"]);
      expect(audit, q).toHaveLength(1);
      expect(audit[0]).toMatchObject({ actor: `customer:${a.customer.id}`, outcome: "FORBIDDEN" });
      const anon = await audited(() => t.exec(q, v));
      expect(codes(anon.r)).toEqual(["UNAUTHENTICATED"]);
      expect(anon.audit).toMatchObject([{ actor: "anonymous", outcome: "UNAUTHENTICATED" }]);
    }
    expect(await listAll()).toEqual(before);
    expect(codes(await t.exec(LIST, { first: 10 }))).toEqual(["UNAUTHENTICATED"]);
  });

  it("Customer fields are for admins and the customer themself (field rules on the schema)", async () => {
    const type = t.app.schema.getType("Customer") as import("graphql").GraphQLObjectType;
    const fields = type.getFields();
    expect(Object.keys(fields)).toEqual(
      expect.arrayContaining(["id", "name", "email", "status", "createdAt", "updatedAt"]),
    );
    const row = {
      id: "someone",
      name: "Someone",
      email: "s@x.example",
      status: "ACTIVE",
      createdAt: new Date(),
      updatedAt: new Date(),
    };
    const viewer = (role: "ADMIN" | "CUSTOMER", customerId: string | null) =>
      ({ id: "sub", username: customerId ?? "admin.x", email: null, role, customerId }) as never;
    const ctx = (v: unknown) => ({ requestId: "r", log: undefined, viewer: v });
    for (const name of ["id", "name", "email", "status", "createdAt", "updatedAt"]) {
      const resolve = fields[name]!.resolve!;
      const run = (v: unknown) => {
        try {
          return resolve(row, {}, ctx(v), { fieldName: name } as never) as unknown;
        } catch (err) {
          return err;
        }
      };
      expect(run(viewer("ADMIN", null)), name).toBe(row[name as keyof typeof row]);
      expect(run(viewer("CUSTOMER", "someone")), name).toBe(row[name as keyof typeof row]);
      expect(
        (run(viewer("CUSTOMER", "other")) as { extensions?: { code?: string } }).extensions?.code,
        name,
      ).toBe("FORBIDDEN");
      expect((run(null) as { extensions?: { code?: string } }).extensions?.code, name).toBe(
        "UNAUTHENTICATED",
      );
    }
  });

  it("admins rename a customer and change their email; the customer sees it at once", async () => {
    const c = await mustCreate({ email: "x@umbrella.example", name: "Umbrella", id: "umbrella" });
    await firstSignIn(c.customer.email, c.temporaryPassword);
    const token = await normalSignIn(c.customer.email);
    // Warm the app's user cache with the current record.
    expect(
      (await t.exec<{ me: { customer: CustomerOut } }>(ME, {}, token)).data!.me.customer.name,
    ).toBe("Umbrella");

    const rename = await audited(() =>
      t.exec<{ updateCustomer: CustomerOut }>(
        UPDATE,
        { id: "umbrella", input: { name: "Umbrella Corporation" } },
        admin,
      ),
    );
    expect(rename.r.errors).toBeUndefined();
    expect(rename.r.data!.updateCustomer).toMatchObject({
      id: "umbrella",
      name: "Umbrella Corporation",
      email: "x@umbrella.example",
      status: "ACTIVE",
      createdAt: c.customer.createdAt,
    });
    expectOneAudit(rename.audit, { action: "updateCustomer", target: "umbrella", outcome: "ok" });
    expect(Date.parse(rename.r.data!.updateCustomer.updatedAt)).toBeGreaterThanOrEqual(
      Date.parse(c.customer.updatedAt),
    );
    expect((await get("umbrella")).data!.customer!.name).toBe("Umbrella Corporation");
    const me = await t.exec<{ me: { customer: CustomerOut } }>(ME, {}, token);
    expect(me.data!.me.customer.name).toBe("Umbrella Corporation");

    const email = await audited(() =>
      t.exec<{ updateCustomer: CustomerOut }>(
        UPDATE,
        { id: "umbrella", input: { email: " Security@Umbrella.example " } },
        admin,
      ),
    );
    expect(email.r.errors).toBeUndefined();
    expect(email.r.data!.updateCustomer.email).toBe("security@umbrella.example");
    expectOneAudit(email.audit, { action: "updateCustomer", target: "umbrella", outcome: "ok" });
    // Signs in with the new email; the old one is unknown now.
    await normalSignIn("security@umbrella.example");
    expect(codes(await signInRaw("x@umbrella.example", NEW_PASSWORD))).toEqual(["UNAUTHENTICATED"]);

    // An empty update changes nothing and still answers the customer.
    const none = await t.exec<{ updateCustomer: CustomerOut }>(
      UPDATE,
      { id: "umbrella", input: {} },
      admin,
    );
    expect(none.errors).toBeUndefined();
    expect(none.data!.updateCustomer.name).toBe("Umbrella Corporation");
  });

  it("a disabled customer cannot sign in and their still-valid token is refused at once; re-enabled they can", async () => {
    const c = await mustCreate({
      email: "ops@cyberdyne.example",
      name: "Cyberdyne",
      id: "cyberdyne",
    });
    await firstSignIn(c.customer.email, c.temporaryPassword);
    const token = await normalSignIn(c.customer.email);
    expect((await t.http(ME, {}, token)).status).toBe(200);

    const off = await audited(() =>
      t.exec<{ updateCustomer: CustomerOut }>(
        UPDATE,
        { id: "cyberdyne", input: { enabled: false } },
        admin,
      ),
    );
    expect(off.r.errors).toBeUndefined();
    expect(off.r.data!.updateCustomer.status).toBe("DISABLED");
    expectOneAudit(off.audit, { action: "updateCustomer", target: "cyberdyne", outcome: "ok" });

    const refused = await t.http(ME, {}, token);
    expect(refused.status).toBe(401);
    expect(codes(refused.body)).toEqual(["UNAUTHENTICATED"]);
    expect(codes(await t.exec(GET, { id: "cyberdyne" }, token))).toEqual(["UNAUTHENTICATED"]);
    const signIn = await signInRaw(c.customer.email, NEW_PASSWORD);
    expect(codes(signIn)).toEqual(["UNAUTHENTICATED"]);
    // Same answer as a wrong password: no oracle for "disabled".
    const wrong = await signInRaw("ops@initech.example", "Wrong-Passw0rd!");
    expect(signIn.errors![0]!.message).toBe(wrong.errors![0]!.message);

    expect((await get("cyberdyne")).data!.customer!.status).toBe("DISABLED");
    expect((await listAll()).find((x) => x.id === "cyberdyne")!.status).toBe("DISABLED");

    const on = await audited(() =>
      t.exec<{ updateCustomer: CustomerOut }>(
        UPDATE,
        { id: "cyberdyne", input: { enabled: true } },
        admin,
      ),
    );
    expect(on.r.errors).toBeUndefined();
    expect(on.r.data!.updateCustomer.status).toBe("ACTIVE");
    expectOneAudit(on.audit, { action: "updateCustomer", target: "cyberdyne", outcome: "ok" });
    const again = await normalSignIn(c.customer.email);
    const me = await t.exec<{ me: { customer: CustomerOut } }>(ME, {}, again);
    expect(me.data!.me.customer.status).toBe("ACTIVE");
  });

  it("resetCustomerPassword: status INVITED, old password refused, a new one must be chosen again", async () => {
    const c = await mustCreate({ email: "it@soylent.example", name: "Soylent", id: "soylent" });
    await firstSignIn(c.customer.email, c.temporaryPassword);
    await normalSignIn(c.customer.email);

    const reset = await audited(() =>
      t.exec<{ resetCustomerPassword: Created }>(RESET, { id: "soylent" }, admin),
    );
    expect(reset.r.errors).toBeUndefined();
    const payload = reset.r.data!.resetCustomerPassword;
    secrets.add(payload.temporaryPassword);
    expect(payload.customer).toMatchObject({ id: "soylent", status: "INVITED" });
    expect(meetsPasswordPolicy(payload.temporaryPassword)).toBe(true);
    expect(payload.temporaryPassword).not.toBe(c.temporaryPassword);
    expectOneAudit(reset.audit, {
      action: "resetCustomerPassword",
      target: "soylent",
      outcome: "ok",
    });
    expect((await get("soylent")).data!.customer!.status).toBe("INVITED");

    // The old password gives no tokens any more. (AWS refuses it; cognito-local answers any
    // password of a FORCE_CHANGE_PASSWORD user with the challenge, see emulators.md.)
    const old = await signInRaw(c.customer.email, NEW_PASSWORD);
    expect(old.data?.signIn?.accessToken).toBeUndefined();
    expect(old.data?.signIn ? old.data.signIn.__typename : codes(old)[0]).toMatch(
      /^(NewPasswordRequired|UNAUTHENTICATED)$/,
    );
    await firstSignIn(c.customer.email, payload.temporaryPassword, OTHER_PASSWORD);
    const token = await normalSignIn(c.customer.email, OTHER_PASSWORD);
    const me = await t.exec<{ me: { customer: CustomerOut } }>(ME, {}, token);
    expect(me.data!.me.customer.status).toBe("ACTIVE");
    expect((await get("soylent")).data!.customer!.status).toBe("ACTIVE");
  });

  it("duplicate id or email gives CONFLICT and changes nothing", async () => {
    const c = await mustCreate({ email: "owner@wonka.example", name: "Wonka", id: "wonka" });
    const d = await mustCreate({ email: "owner@tyrell.example", name: "Tyrell", id: "tyrell" });
    const before = await listAll();

    const cases: [{ email: string; name: string; id?: string }, string][] = [
      [{ email: "new@wonka.example", name: "Wonka 2", id: "wonka" }, "wonka"],
      [{ email: "OWNER@wonka.example ", name: "Wonka 3", id: "wonka-three" }, "wonka-three"],
      [{ email: "owner@wonka.example", name: "Wonka 4" }, "(generated)"],
      [{ email: t.stack.admin.email, name: "Admin copy", id: "admin-copy" }, "admin-copy"],
    ];
    for (const [input, target] of cases) {
      const { r, audit } = await audited(() => create(input));
      expect(codes(r), JSON.stringify(input)).toEqual(["CONFLICT"]);
      expect(r.data ?? null).toBeNull();
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ action: "createCustomer", outcome: "CONFLICT" });
      if (target !== "(generated)") expect(audit[0]!.target).toBe(target);
    }
    // Nothing changed: same customers, the originals untouched, the new emails unknown.
    expect(await listAll()).toEqual(before);
    expect((await get("wonka")).data!.customer).toEqual(c.customer);
    expect((await get("wonka-three")).data!.customer).toBeNull();
    expect(codes(await signInRaw("new@wonka.example", "Whatever-123!"))).toEqual([
      "UNAUTHENTICATED",
    ]);

    // Updating to another customer's email (any case) conflicts and applies nothing else either.
    const u = await audited(() =>
      t.exec(
        UPDATE,
        { id: "tyrell", input: { name: "Renamed", email: "Owner@Wonka.example" } },
        admin,
      ),
    );
    expect(codes(u.r)).toEqual(["CONFLICT"]);
    expectOneAudit(u.audit, { action: "updateCustomer", target: "tyrell", outcome: "CONFLICT" });
    const adminEmail = await t.exec(
      UPDATE,
      { id: "tyrell", input: { email: t.stack.admin.email } },
      admin,
    );
    expect(codes(adminEmail)).toEqual(["CONFLICT"]);
    expect((await get("tyrell")).data!.customer).toEqual(d.customer);
    expect(await listAll()).toEqual(before);
  });

  it("bad ids, emails and names give BAD_USER_INPUT (and an audit line); unknown ids NOT_FOUND", async () => {
    const before = await listAll();
    const badIds = [
      "",
      "ab",
      "A",
      "Upper-Case",
      "-lead",
      "trail-",
      "double--dash",
      "under_score",
      "with space",
      "dot.ted",
      "x".repeat(64),
      "ünïcode",
      "admin." + "0".repeat(16),
    ];
    for (const id of badIds) {
      const { r, audit } = await audited(() =>
        create({ email: `bad-id-${badIds.indexOf(id)}@example.test`, name: "Bad", id }),
      );
      expect(codes(r), id).toEqual(["BAD_USER_INPUT"]);
      expect(r.errors![0]!.extensions!.field, id).toBe("id");
      expect(audit, id).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        action: "createCustomer",
        outcome: "BAD_USER_INPUT",
        actor: adminActor(),
      });
    }
    // The longest and shortest good ids are accepted.
    const longest = "a1" + "-b".repeat(30) + "c";
    expect(longest).toHaveLength(63);
    const badEmails = [
      "",
      " ",
      "plain",
      "a@b",
      "@x.example",
      "a b@x.example",
      'q"uote@x.example',
      "a@@x.example",
      `${"x".repeat(250)}@x.example`,
    ];
    for (const email of badEmails) {
      const { r, audit } = await audited(() => create({ email, name: "Bad", id: "bad-email" }));
      expect(codes(r), email).toEqual(["BAD_USER_INPUT"]);
      expect(r.errors![0]!.extensions!.field, email).toBe("email");
      expect(audit, email).toHaveLength(1);
      expect(audit[0]).toMatchObject({ action: "createCustomer", outcome: "BAD_USER_INPUT" });
    }
    for (const name of ["", "   ", "\u0000\u0007", "n".repeat(201)]) {
      const r = await create({ email: "bad-name@example.test", name, id: "bad-name" });
      expect(codes(r), JSON.stringify(name)).toEqual(["BAD_USER_INPUT"]);
      expect(r.errors![0]!.extensions!.field).toBe("name");
    }
    expect(await listAll()).toEqual(before);

    const real = await mustCreate({ email: "x@stark.example", name: "Stark", id: longest });
    expect(real.customer.id).toBe(longest);
    const short = await mustCreate({ email: "x@abc.example", name: "ABC", id: "abc" });
    expect(short.customer.id).toBe("abc");

    for (const id of ["Bad Id", "x".repeat(64), t.stack.admin.username]) {
      const u = await audited(() => t.exec(UPDATE, { id, input: { name: "X" } }, admin));
      expect(codes(u.r), id).toEqual(["BAD_USER_INPUT"]);
      expectOneAudit(u.audit, { action: "updateCustomer", target: id, outcome: "BAD_USER_INPUT" });
      const r = await audited(() => t.exec(RESET, { id }, admin));
      expect(codes(r.r), id).toEqual(["BAD_USER_INPUT"]);
      expectOneAudit(r.audit, {
        action: "resetCustomerPassword",
        target: id,
        outcome: "BAD_USER_INPUT",
      });
    }
    for (const input of [{ email: "nope" }, { name: "" }, { name: "n".repeat(201) }]) {
      const u = await audited(() => t.exec(UPDATE, { id: "abc", input }, admin));
      expect(codes(u.r), JSON.stringify(input)).toEqual(["BAD_USER_INPUT"]);
      expectOneAudit(u.audit, {
        action: "updateCustomer",
        target: "abc",
        outcome: "BAD_USER_INPUT",
      });
    }
    expect((await get("abc")).data!.customer).toEqual(short.customer);

    const u = await audited(() =>
      t.exec(UPDATE, { id: "no-such-one", input: { name: "X" } }, admin),
    );
    expect(codes(u.r)).toEqual(["NOT_FOUND"]);
    expectOneAudit(u.audit, {
      action: "updateCustomer",
      target: "no-such-one",
      outcome: "NOT_FOUND",
    });
    const r = await audited(() => t.exec(RESET, { id: "no-such-one" }, admin));
    expect(codes(r.r)).toEqual(["NOT_FOUND"]);
    expectOneAudit(r.audit, {
      action: "resetCustomerPassword",
      target: "no-such-one",
      outcome: "NOT_FOUND",
    });
    expect((await get("no-such-one")).data!.customer).toBeNull();
  });

  it("ten parallel creates of one id give exactly one success; ten of one email too", async () => {
    const before = await listAll();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        create({ email: `racer-${i}@race.example`, name: `Racer ${i}`, id: "racer" }),
      ),
    );
    const ok = results.filter((r) => r.data?.createCustomer);
    expect(ok).toHaveLength(1);
    expect(results.flatMap(codes).sort()).toEqual(Array(9).fill("CONFLICT"));
    const winner = ok[0]!.data!.createCustomer.customer;
    expect((await get("racer")).data!.customer).toEqual(winner);

    const sameEmail = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        create({ email: "shared@race.example", name: `Shared ${i}`, id: `shared-${i}` }),
      ),
    );
    const won = sameEmail.filter((r) => r.data?.createCustomer);
    expect(won).toHaveLength(1);
    expect(sameEmail.flatMap(codes)).toEqual(Array(9).fill("CONFLICT"));

    const after = await listAll();
    const added = after.filter((c) => !before.some((b) => b.id === c.id));
    expect(added.map((c) => c.id).sort()).toEqual(
      ["racer", won[0]!.data!.createCustomer.customer.id].sort(),
    );
    // The losers left no user behind: their emails are free and their ids unknown.
    for (let i = 0; i < 10; i++) {
      const id = `shared-${i}`;
      if (id !== won[0]!.data!.createCustomer.customer.id)
        expect((await get(id)).data!.customer, id).toBeNull();
    }
    const loserEmail =
      winner.email === "racer-0@race.example" ? "racer-1@race.example" : "racer-0@race.example";
    const reuse = await mustCreate({ email: loserEmail, name: "Reuse", id: "reuse" });
    expect(reuse.customer.email).toBe(loserEmail);
  });

  it("pages: `first` 1..100, stable cursors, every customer once with first: 2, forged cursors refused", async () => {
    for (let i = 0; i < 7; i++)
      await mustCreate({ email: `p${i}@paging.example`, name: `Paging ${i}`, id: `paging-${i}` });
    const all = await listAll(100);
    const ids = all.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 0; i < 7; i++) expect(ids).toContain(`paging-${i}`);

    const seen: string[] = [];
    const cursors: (string | null)[] = [null];
    let after: string | null = null;
    for (;;) {
      const r: GqlResult<ListOut> = await t.exec<ListOut>(LIST, { first: 2, after }, admin);
      expect(r.errors).toBeUndefined();
      const c = r.data!.customers;
      expect(c.edges.length).toBeGreaterThan(0);
      expect(c.edges.length).toBeLessThanOrEqual(2);
      expect(c.pageInfo.endCursor).toBe(c.edges.at(-1)!.cursor);
      seen.push(...c.edges.map((e) => e.node.id));
      if (!c.pageInfo.hasNextPage) break;
      after = c.pageInfo.endCursor;
      cursors.push(after);
      expect(seen.length).toBeLessThanOrEqual(ids.length);
    }
    expect(seen).toEqual(ids); // same order, no duplicates, no gaps
    expect(cursors.length).toBe(Math.ceil(ids.length / 2));

    // Cursors are stable: asking again from any cursor gives the same page.
    for (const cursor of [cursors[1]!, cursors[cursors.length - 1]!]) {
      const a = await t.exec<ListOut>(LIST, { first: 2, after: cursor }, admin);
      const b = await t.exec<ListOut>(LIST, { first: 2, after: cursor }, admin);
      expect(a.data).toEqual(b.data);
      const from = cursors.indexOf(cursor) * 2;
      expect(a.data!.customers.edges.map((e) => e.node.id)).toEqual(ids.slice(from, from + 2));
    }
    // An edge's cursor continues right after that edge.
    const page = await t.exec<ListOut>(LIST, { first: 5 }, admin);
    const third = page.data!.customers.edges[2]!.cursor;
    const next = await t.exec<ListOut>(LIST, { first: 2, after: third }, admin);
    expect(next.data!.customers.edges.map((e) => e.node.id)).toEqual(ids.slice(3, 5));

    // Default page size is 50; 100 is the maximum.
    const dflt = await t.exec<ListOut>(
      `{ customers { edges { node { id } } pageInfo { hasNextPage } } }`,
      {},
      admin,
    );
    expect(dflt.errors).toBeUndefined();
    expect(dflt.data!.customers.edges.length).toBe(Math.min(50, ids.length));
    for (const first of [0, -1, 101, 1000]) {
      const r = await t.exec(LIST, { first }, admin);
      expect(codes(r), String(first)).toEqual(["BAD_USER_INPUT"]);
    }
    expect((await t.exec(LIST, { first: 100 }, admin)).errors).toBeUndefined();
    expect((await t.exec(LIST, { first: 1 }, admin)).errors).toBeUndefined();

    const good = cursors[1]!;
    const forged = [
      "garbage",
      "not base64!",
      good.slice(0, -3),
      good + "x",
      "x".repeat(5000),
      Buffer.from("{not json").toString("base64url"),
      t.cursors.encode("files", { t: null, o: 0 }),
      t.cursors.encode("customers", { t: null, o: -1 }),
      t.cursors.encode("customers", { t: null, o: 1.5 }),
      t.cursors.encode("customers", { t: "", o: 0 }),
      t.cursors.encode("customers", { o: 0 }),
      t.cursors.encode("customers", null),
      Buffer.from(JSON.stringify({ v: 2, k: "customers", p: { t: null, o: 0 } })).toString(
        "base64url",
      ),
    ];
    for (const cursor of forged) {
      const r = await t.exec(LIST, { first: 2, after: cursor }, admin);
      expect(codes(r), cursor.slice(0, 60)).toEqual(["BAD_USER_INPUT"]);
    }
  });

  const SIGN_IN_ACTIONS = new Set(["signIn", "completeNewPassword", "refreshTokens"]);

  it("no log line ever holds a password", () => {
    expect(secrets.size).toBeGreaterThan(10);
    const all = t.logs.join("\n");
    for (const s of secrets) expect(all).not.toContain(s);
    const audit = t.logs.map((l) => JSON.parse(l) as AuditLine).filter((l) => l.msg === "audit");
    expect(audit.length).toBeGreaterThan(40);
    for (const line of audit) {
      // Admin actions carry the admin; sign-in steps are taken before anyone is signed in; the
      // refusals of others' attempts carry who tried.
      if (line.outcome === "FORBIDDEN" || line.outcome === "UNAUTHENTICATED")
        expect(line.actor).toMatch(/^(customer:|anonymous$)/);
      else
        expect(line.actor).toBe(
          SIGN_IN_ACTIONS.has(line.action ?? "") ? "anonymous" : adminActor(),
        );
      expect(typeof line.action).toBe("string");
      expect(typeof line.target).toBe("string");
      expect(typeof line.outcome).toBe("string");
    }
  });
});
