import type { Fixture } from "../lib/fixture.js";
import { dataOf } from "../lib/fixture.js";
import {
  CUSTOMERS_PAGE,
  FILE_PAGE,
  FILE_PAGE_CONTENT_TYPE,
  FILE_PAGE_WITH_HEAD,
} from "../lib/queries.js";
import type { Row } from "../lib/report.js";
import type { Rig } from "../lib/rig.js";

const COGNITO = [
  "AdminGetUserCommand",
  "ListUsersInGroupCommand",
  "ListUsersCommand",
  "DescribeUserPoolCommand",
];

/** Section 2: AWS calls per request, counted with SDK middleware on the app's own clients. */
export async function awsCallsScenario(
  f: Fixture,
  rig: Rig,
  o: { pageSize: number; customersPage: number },
): Promise<Row[]> {
  const rows: Row[] = [];
  const c = f.counter;
  const count = async (query: string, variables: Record<string, unknown>, token: string) => {
    dataOf(await f.exec(query, variables, token)); // warm: the viewer is cached from here on
    c.reset();
    const data = dataOf<Record<string, { edges: unknown[] }>>(
      await f.exec(query, variables, token),
    );
    const s = c.snapshot();
    const cognito = COGNITO.reduce((n, k) => n + (s.calls[k] ?? 0), 0);
    return { s, cognito, items: Object.values(data)[0]?.edges.length ?? 0 };
  };

  // A customer's page: their folder and general/, one ListObjectsV2 each, at the same time.
  {
    const { s, cognito, items } = await count(FILE_PAGE, { first: o.pageSize }, f.small.token);
    const lists = s.calls["ListObjectsV2Command"] ?? 0;
    const together = s.maxInFlight["ListObjectsV2Command"] ?? 0;
    rows.push({
      section: 2,
      name: `customer's ${o.pageSize}-file page: ListObjectsV2 calls (2 prefixes)`,
      value: lists,
      unit: "calls",
      budget: "≤ 1 per prefix (2), concurrent",
      pass: lists <= 2 && together === lists,
      note: `${together} in flight at once (one round trip); ${items} files; other AWS calls: ${s.total - lists}`,
    });
    rows.push({
      section: 2,
      name: "Cognito calls on that page once the viewer is cached",
      value: cognito,
      unit: "calls",
      budget: "0",
      pass: cognito === 0,
    });
  }
  // contentType: one HEAD per file, concurrently (the customer); uploadedBy too (an admin).
  {
    const { s, items } = await count(FILE_PAGE_CONTENT_TYPE, { first: o.pageSize }, f.small.token);
    const heads = s.calls["HeadObjectCommand"] ?? 0;
    const together = s.maxInFlight["HeadObjectCommand"] ?? 0;
    rows.push({
      section: 2,
      name: `+ contentType on the ${o.pageSize}-file page: HeadObject calls`,
      value: heads,
      unit: "calls",
      budget: `≤ 1 per file (${items}), concurrent`,
      pass: heads <= items && (items <= 1 || together > 1),
      note: `up to ${together} in flight at once; ListObjectsV2: ${s.calls["ListObjectsV2Command"] ?? 0}`,
    });
  }
  {
    const { s, items } = await count(
      FILE_PAGE_WITH_HEAD,
      { first: o.pageSize, customerId: f.small.id },
      f.adminToken,
    );
    const heads = s.calls["HeadObjectCommand"] ?? 0;
    const together = s.maxInFlight["HeadObjectCommand"] ?? 0;
    rows.push({
      section: 2,
      name: `+ contentType and uploadedBy (admin): HeadObject calls`,
      value: heads,
      unit: "calls",
      budget: `≤ 1 per file (${items}), concurrent`,
      pass: heads <= items && (items <= 1 || together > 1),
      note: `both fields share one HEAD per file; up to ${together} in flight at once`,
    });
  }
  // The customers page: the local stand-in answers ListUsersInGroup in one page (it ignores
  // Limit); the in-memory Cognito pages like AWS (60 per call).
  {
    const { s, items } = await count(CUSTOMERS_PAGE, { first: o.customersPage }, f.adminToken);
    const lists = s.calls["ListUsersInGroupCommand"] ?? 0;
    const cognito = COGNITO.reduce((n, k) => n + (s.calls[k] ?? 0), 0);
    rows.push({
      section: 2,
      name: `${o.customersPage}-customer page: Cognito list calls (local stand-in)`,
      value: lists,
      unit: "calls",
      budget: "≤ 2",
      pass: lists <= 2,
      note: `${items} customers; all Cognito calls: ${cognito} (the stand-in returns every member in one page)`,
    });
  }
  {
    const mem = rig.memory.with;
    const cognito = rig.memoryCognito;
    const r = await rig.exec(mem, CUSTOMERS_PAGE, { first: o.customersPage }, f.adminToken);
    cognito.resetCalls();
    const data = dataOf<{ customers: { edges: unknown[] } }>(
      await rig.exec(mem, CUSTOMERS_PAGE, { first: o.customersPage }, f.adminToken),
    );
    void r;
    const calls = cognito.listCalls;
    rows.push({
      section: 2,
      name: `${o.customersPage}-customer page: Cognito list calls (paged like AWS, 60 per call)`,
      value: calls,
      unit: "calls",
      budget: "≤ 2",
      pass: calls <= 2,
      note: `${data.customers.edges.length} customers of ${rig.memoryCustomers}; in-memory Cognito with AWS's page size`,
    });
  }
  return rows;
}
