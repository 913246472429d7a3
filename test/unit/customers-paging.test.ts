import { customerServiceOver } from "../helpers/secrets.js";
import { randomBytes } from "node:crypto";
import {
  InvalidParameterException,
  ListUsersInGroupCommand,
  TooManyRequestsException,
} from "@aws-sdk/client-cognito-identity-provider";
import type {
  CognitoIdentityProviderClient,
  UserType,
} from "@aws-sdk/client-cognito-identity-provider";
import { describe, expect, it } from "vitest";
import { CognitoUsers } from "../../src/aws/cognito-users.js";
import { testCursors } from "../helpers/secrets.js";
import type { CustomerPage } from "../../src/customers/customer.service.js";
import type { CustomerService } from "../../src/customers/customer.service.js";
import { AppError } from "../../src/errors.js";

/**
 * cognito-local ignores Limit and never returns a NextToken, so the integration tests cannot
 * show Cognito paging. Here a fake SDK client behaves like AWS: ListUsersInGroup answers at most
 * 60 users per call (fewer when Limit says so) with an opaque NextToken, and refuses tokens it
 * did not issue with InvalidParameterException. The real CognitoUsers and CustomerService run
 * on top of it.
 */
class PagingCognito {
  readonly listCalls: { limit: number | undefined; token: string | undefined }[] = [];
  private tokens = new Map<string, number>();
  failWith: Error | undefined;

  constructor(public members: UserType[]) {}

  async send(command: unknown): Promise<unknown> {
    if (!(command instanceof ListUsersInGroupCommand))
      throw new Error(`unexpected command ${String((command as object).constructor.name)}`);
    const { Limit, NextToken, GroupName } = command.input;
    this.listCalls.push({ limit: Limit, token: NextToken });
    expect(GroupName).toBe("Customers");
    if (this.failWith) throw this.failWith;
    let start = 0;
    if (NextToken !== undefined) {
      const at = this.tokens.get(NextToken);
      if (at === undefined)
        throw new InvalidParameterException({
          message: "Invalid pagination token",
          $metadata: { httpStatusCode: 400 },
        });
      start = at;
    }
    const size = Math.min(Limit ?? 60, 60);
    const users = this.members.slice(start, start + size);
    const end = start + users.length;
    let token: string | undefined;
    if (end < this.members.length) {
      // A fresh opaque token each time, like AWS: nothing may depend on its text.
      token = randomBytes(24).toString("base64");
      this.tokens.set(token, end);
    }
    return { Users: users, ...(token ? { NextToken: token } : {}) };
  }

  /** Tokens expire (e.g. after a deploy or a long pause). */
  forgetTokens(): void {
    this.tokens = new Map();
  }
}

function member(id: string, over: Partial<UserType> = {}, customerId: string | null = id) {
  const created = new Date(Date.UTC(2026, 0, 1) + id.length * 1000);
  return {
    Username: id,
    Attributes: [
      { Name: "sub", Value: `sub-${id}` },
      { Name: "email", Value: `${id}@example.test` },
      { Name: "email_verified", Value: "true" },
      { Name: "name", Value: `Customer ${id}` },
      ...(customerId !== null ? [{ Name: "custom:customer_id", Value: customerId }] : []),
    ],
    Enabled: true,
    UserStatus: "CONFIRMED",
    UserCreateDate: created,
    UserLastModifiedDate: created,
    ...over,
  } satisfies UserType;
}

const ids = (n: number, prefix = "cust") =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, "0")}`);

function setup(members: UserType[]) {
  const fake = new PagingCognito(members);
  const users = new CognitoUsers(fake as unknown as CognitoIdentityProviderClient, "pool_1");
  const { service } = customerServiceOver(users);
  return { fake, service };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
  throw new Error("expected an error");
}

interface Walk {
  ids: string[];
  pages: CustomerPage[];
  callsPerPage: number[];
}

/** Walks every page with `first`; fails on a loop. */
async function walk(
  fake: PagingCognito,
  service: CustomerService,
  first: number,
  maxPages = 1000,
): Promise<Walk> {
  const out: Walk = { ids: [], pages: [], callsPerPage: [] };
  let after: string | null = null;
  for (let n = 0; n < maxPages; n++) {
    const before = fake.listCalls.length;
    const page: CustomerPage = await service.list(first, after);
    out.callsPerPage.push(fake.listCalls.length - before);
    out.pages.push(page);
    out.ids.push(...page.edges.map((e) => e.node.id));
    expect(page.edges.length).toBeLessThanOrEqual(first);
    if (!page.pageInfo.hasNextPage) return out;
    expect(page.pageInfo.endCursor, `page ${n} has more but no endCursor`).toBeTruthy();
    after = page.pageInfo.endCursor;
  }
  throw new Error(`paging with first=${first} did not end within ${maxPages} pages`);
}

describe("customers paging (SDK-level mock: Cognito pages of 60, which the local stand-in cannot show)", () => {
  const all = ids(250);

  for (const first of [100, 7, 1, 59, 60, 61]) {
    it(`walks 250 customers with first=${first}: no duplicate, no gap, at most 2 Cognito calls a page`, async () => {
      const { fake, service } = setup(all.map((id) => member(id)));
      const w = await walk(fake, service, first);
      expect(w.ids).toEqual(all); // Cognito's order, each exactly once
      expect(Math.max(...w.callsPerPage)).toBeLessThanOrEqual(2);
      expect(Math.min(...w.callsPerPage)).toBeGreaterThanOrEqual(1);
      for (const c of fake.listCalls) expect(c.limit).toBeLessThanOrEqual(60);
      // Pages are as full as two calls allow, so the walk is short.
      expect(w.pages.length).toBeLessThanOrEqual(Math.ceil(250 / Math.min(first, 60)) + 5);
      for (const [i, p] of w.pages.entries()) {
        expect(p.edges.length, `page ${i}`).toBeGreaterThan(0);
        expect(p.pageInfo.endCursor).toBe(p.edges.at(-1)!.cursor);
        expect(p.pageInfo.hasNextPage).toBe(i < w.pages.length - 1);
      }
      if (first === 100) {
        // 60 + 40 from the first two Cognito pages; the rest of the second page and the third next.
        expect(w.pages.map((p) => p.edges.length)).toEqual([100, 80, 70]);
      }
    });
  }

  it("each edge's cursor continues right after that edge, on any Cognito page and offset", async () => {
    const { fake, service } = setup(all.map((id) => member(id)));
    const { pages } = await walk(fake, service, 7);
    const edges = pages.flatMap((p) => p.edges);
    for (const i of [0, 6, 52, 58, 59, 60, 61, 119, 120, 179, 200, 246]) {
      const before = fake.listCalls.length;
      const next = await service.list(3, edges[i]!.cursor);
      expect(fake.listCalls.length - before).toBeLessThanOrEqual(2);
      expect(next.edges.map((e) => e.node.id)).toEqual(all.slice(i + 1, i + 4));
    }
    const last = await service.list(3, edges.at(-1)!.cursor);
    expect(last).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  it("a NextToken Cognito refuses (forged or expired) gives BAD_USER_INPUT", async () => {
    const { fake, service } = setup(all.map((id) => member(id)));
    const page = await service.list(100, null);
    const cursor = page.pageInfo.endCursor!;
    const pos = testCursors.decode("customers", cursor, (p): p is { t: string } => !!p);
    expect(pos.t).toBeTruthy(); // the cursor really carries a Cognito token

    const forged = testCursors.encode("customers", { t: "c29tZS10b2tlbg==", o: 0 });
    expect(await codeOf(service.list(10, forged))).toBe("BAD_USER_INPUT");
    fake.forgetTokens();
    const err = await service.list(10, cursor).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("BAD_USER_INPUT");
    expect((err as AppError).extensions.field).toBe("after");
    // Starting again without a cursor still works.
    expect((await service.list(10, null)).edges).toHaveLength(10);
  });

  it("refuses `first` outside 1..100 and malformed cursors without calling Cognito", async () => {
    const { fake, service } = setup(all.map((id) => member(id)));
    for (const first of [0, -1, 101, 2.5])
      expect(await codeOf(service.list(first, null)), String(first)).toBe("BAD_USER_INPUT");
    for (const after of [
      "",
      "%%%",
      testCursors.encode("customers", { t: null, o: -1 }),
      testCursors.encode("files", { t: null, o: 0 }),
      testCursors.encode("customers", { t: "x".repeat(5000), o: 0 }),
    ])
      expect(await codeOf(service.list(10, after || "!")), after).toBe("BAD_USER_INPUT");
    expect(fake.listCalls).toHaveLength(0);
  });

  it("Cognito throttling gives SERVICE_UNAVAILABLE, not an internal error", async () => {
    const { fake, service } = setup(all.map((id) => member(id)));
    fake.failWith = new TooManyRequestsException({ message: "Rate exceeded", $metadata: {} });
    expect(await codeOf(service.list(10, null))).toBe("SERVICE_UNAVAILABLE");
  });

  it("an empty group is one call and one empty last page", async () => {
    const { fake, service } = setup([]);
    expect(await service.list(50, null)).toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, endCursor: null },
    });
    expect(fake.listCalls).toHaveLength(1);
  });

  it("skips group members that are not customer records, even two Cognito pages of them in a row", async () => {
    const good = ids(30, "good");
    const members = [
      ...good.slice(0, 10).map((id) => member(id)),
      // An admin put in the Customers group by hand, users without or with a foreign customer_id.
      ...Array.from({ length: 130 }, (_, i) =>
        i % 2 ? member(`stray-${i}`, {}, null) : member(`stray-${i}`, {}, "someone-else"),
      ),
      ...good.slice(10).map((id) => member(id)),
    ];
    const { fake, service } = setup(members);
    for (const first of [7, 100]) {
      const w = await walk(fake, service, first, 50);
      expect(w.ids, `first=${first}`).toEqual(good);
      expect(Math.max(...w.callsPerPage)).toBeLessThanOrEqual(2);
    }
  });

  it("status and dates come from the listed user record", async () => {
    const { service } = setup([
      member("invited-one", { UserStatus: "FORCE_CHANGE_PASSWORD" }),
      member("reset-one", { UserStatus: "RESET_REQUIRED" }),
      member("active-one"),
      member("disabled-one", { Enabled: false, UserStatus: "FORCE_CHANGE_PASSWORD" }),
    ]);
    const page = await service.list(10, null);
    expect(page.edges.map((e) => [e.node.id, e.node.status])).toEqual([
      ["invited-one", "INVITED"],
      ["reset-one", "INVITED"],
      ["active-one", "ACTIVE"],
      ["disabled-one", "DISABLED"],
    ]);
    for (const e of page.edges) {
      expect(e.node.createdAt).toBeInstanceOf(Date);
      expect(e.node.createdAt.getTime()).toBeGreaterThan(0);
      expect(e.node.updatedAt.getTime()).toBeGreaterThanOrEqual(e.node.createdAt.getTime());
    }
  });
});
