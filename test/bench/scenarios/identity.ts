import { Agent } from "node:http";
import { parse, specifiedRules, validate } from "graphql";
import { duplicateFieldsRule } from "../../../src/graphql/duplicate-fields.js";
import { MAX_TOKENS, queryLimitRules } from "../../../src/graphql/limits.js";
import type { Fixture } from "../lib/fixture.js";
import { post } from "../../helpers/post.js";
import type { Row } from "../lib/report.js";
import { compare, median, round } from "../lib/stats.js";
import type { CompareOptions } from "../lib/stats.js";
import { fmtUs } from "./authz.js";

const SIGN_IN = `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { __typename } }`;

/**
 * POSTs a sign-in from a rotating loopback source address (127.0.<net>.x), a new one every
 * `perSource` requests: the throttle counts failures per email and source, so this measures the
 * sign-in path itself rather than the 429 that would follow.
 */
function rotatingSignIn(url: string, net: number, perSource = 4) {
  const target = new URL(`${url}/graphql`);
  let n = 0;
  return async (email: string, password: string) => {
    const host = 2 + (Math.floor(n++ / perSource) % 250);
    const reply = await post(
      target,
      JSON.stringify({ query: SIGN_IN, variables: { e: email, p: password } }),
      {
        localAddress: `127.0.${net}.${host}`,
        agent: new Agent({ keepAlive: false }),
      },
    );
    const code = (JSON.parse(reply.body) as { errors?: { extensions?: { code?: string } }[] })
      .errors?.[0]?.extensions?.code;
    if (code !== "UNAUTHENTICATED") throw new Error(`expected UNAUTHENTICATED: ${reply.body}`);
    return reply.body;
  };
}

/**
 * Documents within the size and token limits built to make validation work hard: as many repeats
 * of a field as the guard lets through (after merging), nested and through fragments, and some
 * it refuses.
 */
export function costlyDocuments(): Record<string, string> {
  const times = (n: number, s: string) => Array.from({ length: n }, () => s).join(" ");
  const deep =
    "me { id email role mfaEnabled customer { id name email status files(first: 5) { edges { cursor node { id name size scope } } } } }";
  const leaves2 = (fields: string) => times(2, fields);
  const wide = `me { ${leaves2("id email role mfaEnabled")} customer { ${leaves2("id name email status createdAt")} files(first: 5) { edges { ${leaves2("cursor")} node { ${leaves2("id name size scope lastModified")} } } } } }`;
  const fragments = Array.from({ length: 5 }, (_, i) => `fragment F${i} on Query { ${deep} }`);
  return {
    "440 × `me { id }`": `{${" me { id }".repeat(440)} }`,
    "20 × a deep `me`": `{ ${times(20, deep)} }`,
    "5 × a deep `me`": `{ ${times(5, deep)} }`,
    "5 × `me`, 2 of every field at every level": `{ ${times(5, wide)} }`,
    "5 × 5 × 5 nested repeats": `{ ${times(5, `me { ${times(5, `customer { ${times(5, "files(first: 5) { edges { node { id name } } }")} }`)} }`)} }`,
    "5 fragments of a deep `me`, spread together": `{ ${fragments.map((_, i) => `...F${i}`).join(" ")} } ${fragments.join(" ")}`,
    "3,000 × `id` in one selection": `{ me {${" id".repeat(3000)} } }`,
  };
}

/** Section 8: sign-in timing (unknown email vs wrong password) and worst-case validation. */
export async function identityScenario(
  f: Fixture,
  o: CompareOptions,
  log: (s: string) => void,
): Promise<Row[]> {
  const rows: Row[] = [];

  log("   sign-in: unknown email vs wrong password");
  const wrong = rotatingSignIn(f.url, 1);
  const unknown = rotatingSignIn(f.url, 2);
  const known = `${f.small.id}@bench.test`;
  let k = 0;
  const c = await compare(
    [
      { name: "wrong", run: () => wrong(known, "Wr0ng!Passw0rd-x") },
      { name: "unknown", run: () => unknown(`nobody-${k++}@bench.test`, "Wr0ng!Passw0rd-x") },
    ],
    o,
  );
  const ratio = c.ratio["unknown"] ?? NaN;
  rows.push({
    section: 8,
    name: "sign-in: unknown email ÷ wrong password (median per round)",
    value: round(ratio, 3),
    unit: "×",
    budget: "0.80–1.25×",
    pass: ratio >= 0.8 && ratio <= 1.25,
    timed: true,
    note: `${fmtUs(c.us["wrong"] ?? NaN)} wrong password, ${fmtUs(c.us["unknown"] ?? NaN)} unknown email; ${c.rounds} rounds × ${c.opsPerBatch}`,
  });

  log("   validation: documents within the limits, worst case");
  const schema = f.app.schema;
  const rules = [...specifiedRules, duplicateFieldsRule(), ...queryLimitRules()];
  const timeOf = (doc: string) => {
    const samples: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t0 = process.hrtime.bigint();
      validate(schema, parse(doc, { maxTokens: MAX_TOKENS }), rules);
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return median(samples);
  };
  const baseline = timeOf(`{ me { id } }`);
  const docs = costlyDocuments();
  const times = Object.entries(docs).map(([name, doc]) => {
    const refused = validate(schema, parse(doc, { maxTokens: MAX_TOKENS }), rules).length > 0;
    return {
      name: `${name} (${refused ? "refused" : "valid"})`,
      ms: timeOf(doc),
      bytes: doc.length,
    };
  });
  const worst = times.reduce((a, b) => (b.ms > a.ms ? b : a));
  rows.push({
    section: 8,
    name: "parse + validate, worst document within the limits",
    value: round(worst.ms, 2),
    unit: "ms",
    budget: "≤ 20 ms",
    pass: worst.ms <= 20,
    timed: true,
    note:
      `worst: ${worst.name} (${worst.bytes} bytes), ${round(worst.ms / baseline, 0)}× a plain \`me\` (${round(baseline, 3)} ms); ` +
      times.map((t) => `${t.name}: ${round(t.ms, 2)} ms`).join("; "),
  });
  return rows;
}
