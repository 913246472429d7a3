import { ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { limitConcurrency } from "../../src/common/limit.js";
import { codes, startTestApp } from "../helpers/app.js";
import type { TestApp } from "../helpers/app.js";
import { failAwsCalls } from "./support.js";
import { makeWorld } from "./world.js";
import type { World } from "./world.js";

const UPLOADS = 200;

describe("nothing is lost under concurrency (local stand-ins)", () => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    t = await startTestApp();
    w = await makeWorld(t);
  });
  afterAll(() => t?.stop());

  it(`${UPLOADS} concurrent uploads of one file name by one customer all land and all list`, async () => {
    const tickets = await Promise.all(
      Array.from({ length: UPLOADS }, () =>
        t.http<{
          requestUpload: {
            fileId: string;
            url: string;
            headers: { name: string; value: string }[];
          };
        }>(
          `mutation($in: RequestUploadInput!) { requestUpload(input: $in) { fileId url headers { name value } } }`,
          { in: { filename: "report.pdf", contentType: "application/pdf", size: 12 } },
          w.tokens.customerSelf,
        ),
      ),
    );
    for (const r of tickets) expect(codes(r.body)).toEqual([]);
    const ids = tickets.map((r) => r.body.data!.requestUpload.fileId);
    expect(new Set(ids).size).toBe(UPLOADS);

    const limited = limitConcurrency(50);
    await Promise.all(
      tickets.map((r, i) =>
        limited(async () => {
          const ticket = r.body.data!.requestUpload;
          const res = await fetch(ticket.url, {
            method: "PUT",
            headers: Object.fromEntries(ticket.headers.map((h) => [h.name, h.value])),
            body: `upload ${String(i).padStart(5, "0")}`, // 12 bytes, as signed
          });
          expect(res.status, `PUT ${i}`).toBe(200);
        }),
      ),
    );

    const listed: { id: string; name: string; size: number }[] = [];
    let after: string | null = null;
    do {
      const page: Awaited<
        ReturnType<
          typeof t.exec<{
            files: {
              edges: { node: { id: string; name: string; size: number } }[];
              pageInfo: { endCursor: string | null; hasNextPage: boolean };
            };
          }>
        >
      > = await t.exec(
        `query($after: String) { files(first: 100, scope: CUSTOMER, after: $after) { edges { node { id name size } } pageInfo { endCursor hasNextPage } } }`,
        { after },
        w.tokens.customerSelf,
      );
      expect(page.errors).toBeUndefined();
      listed.push(...page.data!.files.edges.map((e) => e.node));
      after = page.data!.files.pageInfo.hasNextPage ? page.data!.files.pageInfo.endCursor : null;
    } while (after);
    const listedIds = new Set(listed.map((f) => f.id));
    expect(ids.filter((id) => !listedIds.has(id))).toEqual([]);
    expect(listed.length).toBe(listedIds.size); // no file listed twice across pages
    for (const f of listed.filter((x) => ids.includes(x.id))) {
      expect(f.name).toBe("report.pdf");
      expect(f.size).toBe(12);
      expect(t.ids.parse(f.id)?.customerId).toBe(w.acme.id);
    }
  });

  it("clashing customer creations: one wins, the rest get CONFLICT, and no half-made user remains", async () => {
    const admin = w.tokens.admin;
    const create = (id: string, email: string) =>
      t.http(
        `mutation($in: CreateCustomerInput!) { createCustomer(input: $in) { customer { id } } }`,
        { in: { id, email, name: "Clash" } },
        admin,
      );
    const sameId = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        create(`clash-${w.tag}`, `clash-${i}-${w.tag}@example.test`),
      ),
    );
    const sameEmail = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        create(`mail-${i}-${w.tag}`, `same-${w.tag}@example.test`),
      ),
    );
    for (const batch of [sameId, sameEmail]) {
      const outcome = batch.map((r) => codes(r.body)[0] ?? "ok").sort();
      expect(outcome).toEqual([...Array<string>(9).fill("CONFLICT"), "ok"]);
    }
    const users = async (filter: string) =>
      (
        await w.cognito.send(
          new ListUsersCommand({ UserPoolId: t.stack.cognito.userPoolId, Filter: filter }),
        )
      ).Users ?? [];
    expect(await users(`email = "same-${w.tag}@example.test"`)).toHaveLength(1);
    const clashEmails = (await users(`email ^= "clash-"`)).filter((u) =>
      u.Attributes?.some((a) => a.Name === "email" && a.Value?.endsWith(`-${w.tag}@example.test`)),
    );
    expect(clashEmails).toHaveLength(1);

    // The group step fails (SDK-level injection) for 10 concurrent creations: all roll back.
    const fault = failAwsCalls(t.app.clients.cognito, (cmd) =>
      cmd === "AdminAddUserToGroupCommand"
        ? Object.assign(new Error("injected"), {
            name: "InternalErrorException",
            $metadata: { httpStatusCode: 500 },
          })
        : null,
    );
    try {
      const failed = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          create(`half-${i}-${w.tag}`, `half-${i}-${w.tag}@example.test`),
        ),
      );
      for (const r of failed) expect(codes(r.body)).toEqual(["SERVICE_UNAVAILABLE"]);
    } finally {
      fault.stop();
    }
    expect(await users(`email ^= "half-"`)).toHaveLength(0);
  });
});
