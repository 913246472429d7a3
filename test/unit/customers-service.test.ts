import { customerServiceOver } from "../helpers/secrets.js";
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  AdminUserGlobalSignOutCommand,
  AliasExistsException,
  InternalErrorException,
  ListUsersCommand,
  UserNotFoundException,
  UsernameExistsException,
} from "@aws-sdk/client-cognito-identity-provider";
import type {
  AttributeType,
  CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CognitoUsers } from "../../src/aws/cognito-users.js";
import type { UserRecord } from "../../src/aws/cognito-users.js";
import { generateCustomerId, isCustomerId } from "../../src/customers/customer-id.js";
import { customerFrom, toCustomer } from "../../src/customers/customer.types.js";
import { createLoaders } from "../../src/aws/loaders.js";
import { AppError } from "../../src/errors.js";
import { createLogger } from "../../src/log.js";

/**
 * CustomerService on the real CognitoUsers over an in-memory fake of the Cognito SDK client,
 * with failures injected per command: what the local stand-in cannot be made to do.
 */
interface FakeUser {
  username: string;
  attrs: Map<string, string>;
  enabled: boolean;
  status: string;
  created: Date;
  updated: Date;
  groups: Set<string>;
  password: string;
}

type Hook = (input: Record<string, unknown>) => void | Promise<void>;

class FakeCognito {
  readonly users = new Map<string, FakeUser>();
  readonly calls: { command: string; input: Record<string, unknown> }[] = [];
  /** Runs before a command; throw from it to make the command fail. */
  readonly before = new Map<string, Hook>();
  private clock = Date.UTC(2026, 10, 1);

  count(command: string): number {
    return this.calls.filter((c) => c.command === command).length;
  }

  add(username: string, email: string, customerId: string | null, created?: Date): FakeUser {
    const at = created ?? new Date((this.clock += 1000));
    const u: FakeUser = {
      username,
      attrs: new Map([
        ["sub", `sub-${username}`],
        ["email", email],
        ["email_verified", "true"],
        ["name", username],
        ...(customerId ? [["custom:customer_id", customerId] as [string, string]] : []),
      ]),
      enabled: true,
      status: "FORCE_CHANGE_PASSWORD",
      created: at,
      updated: at,
      groups: new Set(customerId ? ["Customers"] : []),
      password: "",
    };
    this.users.set(username, u);
    return u;
  }

  private view(u: FakeUser) {
    const Attributes: AttributeType[] = [...u.attrs].map(([Name, Value]) => ({ Name, Value }));
    return {
      Username: u.username,
      Attributes,
      Enabled: u.enabled,
      UserStatus: u.status,
      UserCreateDate: u.created,
      UserLastModifiedDate: u.updated,
    };
  }

  private need(input: Record<string, unknown>): FakeUser {
    const u = this.users.get(String(input.Username));
    if (!u) throw new UserNotFoundException({ message: "User does not exist.", $metadata: {} });
    return u;
  }

  async send(command: { input: Record<string, unknown> }): Promise<unknown> {
    const name = command.constructor.name;
    const input = command.input;
    this.calls.push({ command: name, input });
    await this.before.get(name)?.(input);
    if (command instanceof AdminCreateUserCommand) {
      const username = String(input.Username);
      if (this.users.has(username))
        throw new UsernameExistsException({
          message: "User account already exists",
          $metadata: {},
        });
      const attrs = (input.UserAttributes as AttributeType[]).map(
        (a) => [a.Name!, a.Value!] as const,
      );
      const u = this.add(username, "", null);
      for (const [k, v] of attrs) u.attrs.set(k, v);
      u.password = String(input.TemporaryPassword);
      return { User: this.view(u) };
    }
    if (command instanceof AdminAddUserToGroupCommand) {
      this.need(input).groups.add(String(input.GroupName));
      return {};
    }
    if (command instanceof AdminDeleteUserCommand) {
      this.need(input);
      this.users.delete(String(input.Username));
      return {};
    }
    if (command instanceof AdminGetUserCommand) {
      const v = this.view(this.need(input));
      return { ...v, UserAttributes: v.Attributes };
    }
    if (command instanceof ListUsersCommand) {
      const m = /^email = "(.*)"$/.exec(String(input.Filter));
      if (!m) throw new Error(`unsupported filter ${String(input.Filter)}`);
      const found = [...this.users.values()].filter((u) => u.attrs.get("email") === m[1]);
      return { Users: found.map((u) => this.view(u)) };
    }
    if (command instanceof AdminUpdateUserAttributesCommand) {
      const u = this.need(input);
      for (const a of input.UserAttributes as AttributeType[]) u.attrs.set(a.Name!, a.Value!);
      u.updated = new Date((this.clock += 1000));
      return {};
    }
    if (command instanceof AdminDisableUserCommand || command instanceof AdminEnableUserCommand) {
      this.need(input).enabled = command instanceof AdminEnableUserCommand;
      return {};
    }
    if (command instanceof AdminUserGlobalSignOutCommand) {
      this.need(input);
      return {};
    }
    if (command instanceof AdminSetUserPasswordCommand) {
      const u = this.need(input);
      u.password = String(input.Password);
      u.status = input.Permanent ? "CONFIRMED" : "FORCE_CHANGE_PASSWORD";
      return {};
    }
    throw new Error(`FakeCognito: unexpected ${name}`);
  }
}

function setup() {
  const fake = new FakeCognito();
  const users = new CognitoUsers(fake as unknown as CognitoIdentityProviderClient, "pool_1");
  // AdminUserGlobalSignOut exists on AWS only: this fake at SDK level shows it is sent.
  const { service, cache } = customerServiceOver(users);
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const log = createLogger("debug", { requestId: "req-1", actor: "admin:admin.test" }, (l) => {
    raw.push(l);
    lines.push(JSON.parse(l) as Record<string, unknown>);
  });
  const audit = () => lines.filter((l) => l.msg === "audit");
  return { fake, users, cache, service, log, lines, raw, audit };
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected the promise to fail");
}

const codeOf = (err: unknown) => (err instanceof AppError ? err.code : undefined);
const boom = () => new Error("boom: the network ate it");

describe("CustomerService.create: rollback when a step after the user exists fails", () => {
  it("addToGroup fails → the created user is deleted again and the error surfaces", async () => {
    const { fake, service, log, audit, raw } = setup();
    const err = boom();
    fake.before.set("AdminAddUserToGroupCommand", () => {
      throw err;
    });
    const got = await failure(
      service.create({ email: "a@acme.example", name: "Acme", id: "acme" }, log),
    );
    expect(got).toBe(err); // not swallowed, not replaced (masked later as INTERNAL_SERVER_ERROR)
    expect(fake.count("AdminCreateUserCommand")).toBe(1);
    expect(fake.count("AdminDeleteUserCommand")).toBe(1);
    expect(fake.calls.find((c) => c.command === "AdminDeleteUserCommand")!.input.Username).toBe(
      "acme",
    );
    expect(fake.users.has("acme")).toBe(false);
    expect(audit()).toEqual([
      expect.objectContaining({
        action: "createCustomer",
        target: "acme",
        outcome: "INTERNAL_SERVER_ERROR",
        actor: "admin:admin.test",
        requestId: "req-1",
      }),
    ]);
    const temp = String(
      fake.calls.find((c) => c.command === "AdminCreateUserCommand")!.input.TemporaryPassword,
    );
    expect(temp.length).toBeGreaterThanOrEqual(12);
    expect(raw.join("\n")).not.toContain(temp);
  });

  it("an unavailable Cognito during addToGroup → rolled back, SERVICE_UNAVAILABLE", async () => {
    const { fake, service, log, audit } = setup();
    fake.before.set("AdminAddUserToGroupCommand", () => {
      throw new InternalErrorException({ message: "internal", $metadata: {} });
    });
    const got = await failure(
      service.create({ email: "a@acme.example", name: "Acme", id: "acme" }, log),
    );
    expect(codeOf(got)).toBe("SERVICE_UNAVAILABLE");
    expect(fake.users.has("acme")).toBe(false);
    expect(audit()).toHaveLength(1);
    expect(audit()[0]).toMatchObject({ outcome: "SERVICE_UNAVAILABLE", target: "acme" });
  });

  it("the duplicate-email check after creation fails → rolled back too", async () => {
    const { fake, service, log } = setup();
    let lists = 0;
    fake.before.set("ListUsersCommand", () => {
      if (++lists === 2) throw boom();
    });
    const got = await failure(
      service.create({ email: "a@acme.example", name: "Acme", id: "acme" }, log),
    );
    expect(got).toBeInstanceOf(Error);
    expect(fake.count("AdminAddUserToGroupCommand")).toBe(1);
    expect(fake.count("AdminDeleteUserCommand")).toBe(1);
    expect(fake.users.size).toBe(0);
  });

  it("when the rollback itself fails, the original error surfaces and the failure is logged", async () => {
    const { fake, service, log, lines, audit } = setup();
    const err = boom();
    fake.before.set("AdminAddUserToGroupCommand", () => {
      throw err;
    });
    fake.before.set("AdminDeleteUserCommand", () => {
      throw new Error("delete failed too");
    });
    expect(
      await failure(service.create({ email: "a@acme.example", name: "Acme", id: "acme" }, log)),
    ).toBe(err);
    const rollback = lines.find((l) => l.msg === "rollback of a half-made customer failed");
    expect(rollback).toMatchObject({ level: "error", target: "acme" });
    expect(audit()).toHaveLength(1);
  });

  it("nothing is rolled back when the create itself is refused (duplicate id)", async () => {
    const { fake, service, log, audit } = setup();
    fake.add("acme", "first@acme.example", "acme");
    const got = await failure(
      service.create({ email: "second@acme.example", name: "Acme", id: "acme" }, log),
    );
    expect(codeOf(got)).toBe("CONFLICT");
    expect(fake.count("AdminDeleteUserCommand")).toBe(0);
    expect(fake.users.get("acme")!.attrs.get("email")).toBe("first@acme.example");
    expect(audit()).toEqual([
      expect.objectContaining({ action: "createCustomer", target: "acme", outcome: "CONFLICT" }),
    ]);
  });

  it("AliasExistsException from Cognito is a CONFLICT", async () => {
    const { fake, service, log } = setup();
    fake.before.set("AdminCreateUserCommand", () => {
      throw new AliasExistsException({ message: "alias exists", $metadata: {} });
    });
    const got = await failure(service.create({ email: "a@x.example", name: "X", id: "xco" }, log));
    expect(codeOf(got)).toBe("CONFLICT");
  });
});

describe("CustomerService.create: races and generated ids", () => {
  it("an older user with the same email, created during ours, wins: ours is removed, CONFLICT", async () => {
    const { fake, service, log, audit } = setup();
    fake.before.set("AdminAddUserToGroupCommand", () => {
      // A concurrent create of the same email landed first (older creation date).
      fake.add("other", "a@acme.example", "other", new Date(Date.UTC(2020, 0, 1)));
    });
    const got = await failure(
      service.create({ email: "a@acme.example", name: "Acme", id: "acme" }, log),
    );
    expect(codeOf(got)).toBe("CONFLICT");
    expect(fake.users.has("acme")).toBe(false);
    expect(fake.users.has("other")).toBe(true);
    expect(audit()).toHaveLength(1);
    expect(audit()[0]).toMatchObject({ target: "acme", outcome: "CONFLICT" });
  });

  it("a newer user with the same email does not take it from us", async () => {
    const { fake, service, log } = setup();
    fake.before.set("AdminAddUserToGroupCommand", () => {
      fake.add("later", "a@acme.example", "later", new Date(Date.UTC(2099, 0, 1)));
    });
    const r = await service.create({ email: "a@acme.example", name: "Acme", id: "acme" }, log);
    expect(r.customer.id).toBe("acme");
    expect(fake.users.has("acme")).toBe(true);
  });

  it("a clash of a generated id is retried with a new one; a chosen id is not", async () => {
    const { fake, service, log, audit } = setup();
    let creates = 0;
    fake.before.set("AdminCreateUserCommand", () => {
      if (++creates <= 2) throw new UsernameExistsException({ message: "exists", $metadata: {} });
    });
    const r = await service.create({ email: "a@acme.example", name: "Acme Corp." }, log);
    expect(r.customer.id).toMatch(/^acme-corp-[a-z0-9]{6}$/);
    expect(creates).toBe(3);
    const tried = fake.calls
      .filter((c) => c.command === "AdminCreateUserCommand")
      .map((c) => String(c.input.Username));
    expect(new Set(tried).size).toBe(3);
    expect(audit()).toEqual([expect.objectContaining({ target: r.customer.id, outcome: "ok" })]);
    // The stored customer_id is the username, and the user is in the Customers group.
    const u = fake.users.get(r.customer.id)!;
    expect(u.attrs.get("custom:customer_id")).toBe(r.customer.id);
    expect(u.groups.has("Customers")).toBe(true);
    expect(u.attrs.get("email_verified")).toBe("true");
  });

  it("a customer id looked up before it existed is found right after it is created", async () => {
    const { service, log, cache } = setup();
    // E.g. an admin tried to upload for this id first: "no such customer" must not be cached.
    expect(await service.exists("late-comer")).toBe(false);
    expect(await service.get("late-comer")).toBeNull();
    await service.create({ email: "l@late.example", name: "Late", id: "late-comer" }, log);
    expect(await service.exists("late-comer")).toBe(true);
    // A request's users loader goes through the same cache the service invalidated.
    const loaders = createLoaders({ head: () => Promise.resolve(null) }, cache);
    const ids = ["late-comer", "nobody"];
    const found = await loaders.users.loadMany(ids);
    expect(
      found.map((user, index) =>
        user instanceof Error ? user : (customerFrom(user, ids[index]!)?.id ?? null),
      ),
    ).toEqual(["late-comer", null]);
  });
});

describe("CustomerService: update, reset and audit lines", () => {
  it("one audit line per action, whatever the outcome, with the fields that changed", async () => {
    const { fake, service, log, audit } = setup();
    await service.create({ email: "a@acme.example", name: "Acme", id: "acme" }, log);
    await service.update("acme", { name: "Acme Corp", enabled: false }, log);
    await service.update("acme", { enabled: false }, log);
    await failure(service.update("Not An Id", { name: "x" }, log));
    await failure(service.update("missing", { name: "x" }, log));
    await failure(service.update("acme", { email: "bad" }, log));
    fake.before.set("AdminGetUserCommand", () => {
      throw boom();
    });
    await failure(service.resetPassword("acme", log));
    expect(audit().map((l) => [l.action, l.target, l.outcome, l.changed])).toEqual([
      ["createCustomer", "acme", "ok", undefined],
      ["updateCustomer", "acme", "ok", ["name", "enabled"]],
      ["updateCustomer", "acme", "ok", []],
      ["updateCustomer", "Not An Id", "BAD_USER_INPUT", undefined],
      ["updateCustomer", "missing", "NOT_FOUND", undefined],
      ["updateCustomer", "acme", "BAD_USER_INPUT", undefined],
      ["resetCustomerPassword", "acme", "INTERNAL_SERVER_ERROR", undefined],
    ]);
    for (const l of audit()) expect(l).toMatchObject({ actor: "admin:admin.test", audit: true });
  });

  it("disabling is seen at once through the shared user cache; a failed write still invalidates it", async () => {
    const { fake, service, cache, log } = setup();
    await service.create({ email: "a@acme.example", name: "Acme", id: "acme" }, log);
    expect((await cache.get("acme"))!.enabled).toBe(true); // warm, as a signed-in request would
    await service.update("acme", { enabled: false }, log);
    expect((await cache.get("acme"))!.enabled).toBe(false);
    expect(fake.count("AdminUserGlobalSignOutCommand")).toBe(1);

    await service.update("acme", { enabled: true }, log);
    expect((await cache.get("acme"))!.enabled).toBe(true);
    // Someone else disables the user; our next write fails half-way: the cache must not stay warm.
    fake.users.get("acme")!.enabled = false;
    fake.before.set("AdminUpdateUserAttributesCommand", () => {
      throw new InternalErrorException({ message: "internal", $metadata: {} });
    });
    const got = await failure(service.update("acme", { name: "New" }, log));
    expect(codeOf(got)).toBe("SERVICE_UNAVAILABLE");
    expect((await cache.get("acme"))!.enabled).toBe(false);
  });

  it("reset sets a new temporary password (status INVITED) and returns it once", async () => {
    const { fake, service, log, raw } = setup();
    const created = await service.create(
      { email: "a@acme.example", name: "Acme", id: "acme" },
      log,
    );
    fake.users.get("acme")!.status = "CONFIRMED";
    const r = await service.resetPassword("acme", log);
    expect(r.customer.status).toBe("INVITED");
    expect(r.temporaryPassword).not.toBe(created.temporaryPassword);
    expect(fake.users.get("acme")!.password).toBe(r.temporaryPassword);
    const set = fake.calls.find((c) => c.command === "AdminSetUserPasswordCommand")!;
    expect(set.input.Permanent).toBe(false);
    expect(raw.join("\n")).not.toContain(r.temporaryPassword);
    expect(raw.join("\n")).not.toContain(created.temporaryPassword);
  });

  it("reading as an admin is fresh and does not keep a stale record in the cache", async () => {
    const { fake, service, cache, log } = setup();
    await service.create({ email: "a@acme.example", name: "Acme", id: "acme" }, log);
    expect((await service.read("acme"))!.status).toBe("INVITED");
    // The customer chooses a password (AuthService; nothing tells this cache).
    fake.users.get("acme")!.status = "CONFIRMED";
    expect((await service.read("acme"))!.status).toBe("ACTIVE");
    expect(toCustomer((await cache.get("acme"))!).status).toBe("ACTIVE");
    expect(await service.read("Bad Id")).toBeNull();
    expect(await service.read("missing")).toBeNull();
  });

  it("admins and users that are not customer records are never customers", async () => {
    const { fake, service, log } = setup();
    fake.add("admin.0123456789abcdef", "admin@x.example", null);
    fake.add("foreign", "f@x.example", "someone-else");
    for (const id of ["admin.0123456789abcdef", "foreign"]) {
      expect(await service.get(id)).toBeNull();
      expect(await service.read(id)).toBeNull();
    }
    expect(codeOf(await failure(service.update("foreign", { name: "x" }, log)))).toBe("NOT_FOUND");
    expect(codeOf(await failure(service.resetPassword("foreign", log)))).toBe("NOT_FOUND");
    expect(fake.users.get("foreign")!.attrs.get("name")).toBe("foreign");
  });
});

describe("customer ids and status", () => {
  it("generated ids are always valid customer ids, whatever the name", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), (name) => {
        const id = generateCustomerId(name);
        expect(isCustomerId(id), `${JSON.stringify(name)} → ${id}`).toBe(true);
      }),
      { numRuns: 2000 },
    );
    expect(generateCustomerId("Ünïcode Café")).toMatch(/^unicode-cafe-[a-z0-9]{6}$/);
    expect(generateCustomerId("株式会社")).toMatch(/^customer-[a-z0-9]{6}$/);
    expect(generateCustomerId("x")).toMatch(/^customer-[a-z0-9]{6}$/);
  });

  it("isCustomerId accepts 3-63 lowercase letters, digits and inner single dashes only", () => {
    for (const ok of ["abc", "a-b", "a1-b2-c3", "0ab", "a".repeat(63)])
      expect(isCustomerId(ok), ok).toBe(true);
    for (const bad of [
      "",
      "ab",
      "a".repeat(64),
      "-ab",
      "ab-",
      "a--b",
      "Abc",
      "a_b",
      "a.b",
      "a b",
      "ä-b",
      null,
      123,
    ])
      expect(isCustomerId(bad), String(bad)).toBe(false);
  });

  it("status: DISABLED when disabled, INVITED until the temporary password is replaced, else ACTIVE", () => {
    const base: UserRecord = {
      username: "acme",
      sub: "s",
      email: "a@x.example",
      emailVerified: true,
      name: "Acme",
      enabled: true,
      status: "CONFIRMED",
      customerId: "acme",
      revokedAt: 0,
      linkHash: null,
      mfaEnabled: false,
      createdAt: new Date(1),
      updatedAt: new Date(2),
    };
    const cases: [Partial<UserRecord>, string][] = [
      [{}, "ACTIVE"],
      [{ status: "FORCE_CHANGE_PASSWORD" }, "INVITED"],
      [{ status: "RESET_REQUIRED" }, "INVITED"],
      [{ enabled: false }, "DISABLED"],
      [{ enabled: false, status: "FORCE_CHANGE_PASSWORD" }, "DISABLED"],
    ];
    for (const [over, status] of cases)
      expect(toCustomer({ ...base, ...over }).status, JSON.stringify(over)).toBe(status);
    expect(toCustomer(base)).toMatchObject({
      id: "acme",
      createdAt: new Date(1),
      updatedAt: new Date(2),
    });
  });
});
