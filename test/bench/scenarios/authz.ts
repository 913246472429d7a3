import type { Fixture, GqlReply } from "../lib/fixture.js";
import { gql, httpClient } from "../lib/http.js";
import { FILE_PAGE, ME, customersWithFiles } from "../lib/queries.js";
import type { Row } from "../lib/report.js";
import type { Rig, Target } from "../lib/rig.js";
import { compare, round } from "../lib/stats.js";
import type { CompareOptions, Variant } from "../lib/stats.js";

interface Case {
  readonly label: string;
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  readonly token: string;
  readonly budget: number;
}

/** Data of a reply with the presigned URLs cut out (they carry the signing second). */
function comparable(r: GqlReply): string {
  if (r.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return JSON.stringify(r.data).replace(/"downloadUrl":"[^"]*"/g, '"downloadUrl":"…"');
}

function ratioRow(
  section: number,
  name: string,
  budget: number,
  us: Record<string, number>,
  ratio: number,
  extra = "",
): Row {
  const withUs = us["with"] ?? NaN;
  const withoutUs = us["without"] ?? NaN;
  return {
    section,
    name,
    value: round(ratio, 3),
    unit: "×",
    budget: `≤ ${budget.toFixed(2)}×`,
    pass: ratio <= budget,
    timed: true,
    note: `${fmtUs(withoutUs)} without → ${fmtUs(withUs)} with${extra}`,
  };
}

export function fmtUs(us: number): string {
  return us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`;
}

/** Section 1: the same schema and resolvers with and without the permission layer. */
export async function authzScenario(
  f: Fixture,
  rig: Rig,
  o: CompareOptions & { pageSize: number; listCustomers: number; listFiles: number },
  log: (s: string) => void,
): Promise<Row[]> {
  const rows: Row[] = [];
  const listRows = o.listCustomers * o.listFiles;
  const cases: Case[] = [
    { label: "`me`", query: ME, token: f.small.token, budget: 1.15 },
    {
      label: `${o.pageSize}-file page (customer)`,
      query: FILE_PAGE,
      variables: { first: o.pageSize },
      token: f.small.token,
      budget: 1.05,
    },
    {
      label: `${listRows.toLocaleString("en")}-row list (admin: ${o.listCustomers} customers × ${o.listFiles} files)`,
      query: customersWithFiles(o.listCustomers, o.listFiles),
      token: f.adminToken,
      budget: 1.05,
    },
  ];

  // The layer must still refuse what it refused: checked on the very schema being measured.
  const w = rig.memory.with;
  const probes: [string, Promise<GqlReply>, string][] = [
    ["anonymous me", rig.exec(w, ME), "UNAUTHENTICATED"],
    [
      "customer → customers",
      rig.exec(w, `{ customers { edges { node { id } } } }`, undefined, f.small.token),
      "FORBIDDEN",
    ],
    [
      "customer → File.uploadedBy",
      rig.exec(
        w,
        `{ files(first: 1) { edges { node { uploadedBy } } } }`,
        undefined,
        f.small.token,
      ),
      "FORBIDDEN",
    ],
    [
      "customer → another Customer",
      rig.exec(w, `{ customer(id: "mem-0000") { id } }`, undefined, f.small.token),
      "missing",
    ],
  ];
  let held = 0;
  const failed: string[] = [];
  for (const [name, p, expected] of probes) {
    const r = await p;
    const code = r.errors?.[0]?.extensions?.code;
    // "missing": answered like a missing id, null with NOT_FOUND.
    const ok =
      expected === "missing"
        ? code === "NOT_FOUND" && JSON.stringify(r.data) === '{"customer":null}'
        : code === expected;
    if (ok) held++;
    else failed.push(`${name}: ${JSON.stringify(r)}`);
  }
  rows.push({
    section: 1,
    name: "deny by default, field-level rules, on the measured schema",
    value: held,
    unit: `of ${probes.length} denials`,
    budget: "all",
    pass: held === probes.length,
    note: failed.length ? failed.join("; ") : probes.map(([n, , e]) => `${n} → ${e}`).join(", "),
  });

  // Where the "with" side's extra time goes: building the context alone.
  {
    const authorization = `Bearer ${f.small.token}`;
    const r = await compare(
      [
        { name: "without", run: () => rig.memory.without.context({ authorization }) },
        { name: "with", run: () => rig.memory.with.context({ authorization }) },
      ],
      o,
    );
    log(`  context only: ${JSON.stringify(r.us)}`);
    rows.push({
      section: 1,
      name: "per-request context: token check + cached viewer + request logger",
      value: round((r.us["with"] ?? NaN) - (r.us["without"] ?? NaN), 2),
      unit: "µs",
      pass: null,
      timed: true,
      note: `${fmtUs(r.us["with"] ?? NaN)} (app.context) vs ${fmtUs(r.us["without"] ?? NaN)} (viewer injected)`,
    });
  }

  const inProcess = (t: Target, c: Case): Variant => {
    const authorization = `Bearer ${c.token}`;
    const request = { query: c.query, ...(c.variables ? { variables: c.variables } : {}) };
    return {
      name:
        t === rig.memory.with || t === rig.stack.with
          ? "with"
          : t === rig.memory.shield
            ? "shield"
            : "without",
      run: async () => {
        const contextValue = await t.context({ authorization });
        const res = await t.apollo.executeOperation(request, { contextValue });
        if (res.body.kind !== "single" || res.body.singleResult.errors)
          throw new Error("errors in reply");
      },
    };
  };

  for (const c of cases) {
    // Same answers first: the layer may cost time, never change what an allowed viewer sees.
    const [a, b] = await Promise.all([
      rig.exec(rig.memory.without, c.query, c.variables, c.token),
      rig.exec(rig.memory.with, c.query, c.variables, c.token),
    ]);
    if (comparable(a) !== comparable(b))
      throw new Error(`${c.label}: replies differ with and without the layer`);
    // "rules only": the permission layer's schema with the injected context, to split the cost.
    const rulesOnly: Variant = {
      ...inProcess({ ...rig.memory.with, context: rig.memory.without.context }, c),
      name: "rules only",
    };
    const variants = [inProcess(rig.memory.without, c), inProcess(rig.memory.with, c), rulesOnly];
    const isList = c.query.includes("CustomersWithFiles");
    if (isList) variants.push(inProcess(rig.memory.shield, c));
    const r = await compare(variants, o);
    log(`  in-process ${c.label}: ${JSON.stringify(r.us)} ratio ${JSON.stringify(r.ratio)}`);
    rows.push(
      ratioRow(
        1,
        `in-process, ${c.label}`,
        c.budget,
        r.us,
        r.ratio["with"] ?? NaN,
        `; rules alone (viewer injected) ${round(r.ratio["rules only"] ?? NaN, 3)}×; Apollo executeOperation, in-memory S3/Cognito; ${r.rounds} rounds × ${r.opsPerBatch}`,
      ),
    );
    if (isList)
      rows.push({
        section: 1,
        name: `reference: graphql-shield applied the usual way, ${c.label}`,
        value: round(r.ratio["shield"] ?? NaN, 2),
        unit: "×",
        pass: null,
        timed: true,
        note: `${fmtUs(r.us["shield"] ?? NaN)}; applyMiddleware(schema, shield(same map, { fallbackRule: deny }))`,
      });
  }

  // Over HTTP: the API's own HTTP layer in front of each, one keep-alive connection.
  const httpPair = async (
    pair: { with: Target; without: Target },
    c: Case,
    where: string,
    opts: CompareOptions,
  ) => {
    const [sw, so] = [await rig.serve(pair.with), await rig.serve(pair.without)];
    const [cw, co] = [httpClient(sw.url), httpClient(so.url)];
    const body = gql(c.query, c.variables);
    const headers = { authorization: `Bearer ${c.token}` };
    const variant = (name: string, client: ReturnType<typeof httpClient>): Variant => ({
      name,
      run: async () => {
        const r = await client.post("/graphql", body, headers);
        if (r.status !== 200 || r.body.includes('"errors"'))
          throw new Error(`HTTP ${r.status}: ${r.body.slice(0, 300)}`);
      },
    });
    try {
      const r = await compare([variant("without", co), variant("with", cw)], opts);
      log(`  HTTP ${c.label}${where}: ${JSON.stringify(r.us)} ratio ${JSON.stringify(r.ratio)}`);
      rows.push(
        ratioRow(
          1,
          `HTTP, ${c.label}${where}`,
          c.budget,
          r.us,
          r.ratio["with"] ?? NaN,
          `; ${r.rounds} rounds × ${r.opsPerBatch}`,
        ),
      );
    } finally {
      cw.close();
      co.close();
      await sw.close();
      await so.close();
    }
  };
  for (const c of cases) await httpPair(rig.memory, c, "", o);
  const page = cases[1] as Case;
  await httpPair(rig.stack, page, ", local stack (s3rver)", { ...o, batchMs: o.batchMs * 2 });
  return rows;
}
