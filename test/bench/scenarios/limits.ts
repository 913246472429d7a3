import type { GraphQLSchema, ValidationRule } from "graphql";
import { parse, validate } from "graphql";
import { MAX_TOKENS, queryLimitRules } from "../../../src/graphql/limits.js";
import { queryLimitRules as handWrittenRules } from "../lib/hand-written-limits.js";
import type { Row } from "../lib/report.js";
import { compare, round } from "../lib/stats.js";
import type { CompareOptions } from "../lib/stats.js";
import { fmtUs } from "./authz.js";

/** A 100-file page asking for every field of File, its customer, edges and page info. */
export const EVERY_FIELD_PAGE = `query EveryField {
  files(first: 100) {
    edges { cursor node {
      id name scope customerId size lastModified contentType downloadUrl uploadedBy
      customer { id name email status createdAt updatedAt }
    } }
    pageInfo { endCursor hasNextPage }
  }
}`;

/** As deep as the depth limit lets a query go (10 fields), through three pages. */
export const DEEPEST = `{ customers(first: 1) { edges { node { files(first: 1) { edges { node {
  customer { files(first: 1) { edges { cursor } } } } } } } } } }`;

/** `n` aliased customer lookups in one query. */
export const aliasFlood = (n: number) =>
  `{ ${Array.from({ length: n }, (_, i) => `a${i}: customer(id: "c${i}") { id name email }`).join(" ")} }`;

/** Documents within every limit, so that each rule measures all of it. */
export const LIMIT_DOCUMENTS: Readonly<Record<string, string>> = {
  "a 100-file page with every field": EVERY_FIELD_PAGE,
  "a query 10 fields deep": DEEPEST,
  "20 aliased customer lookups": aliasFlood(20),
};

/** Largest ratio at which the libraries are kept: past it they lose clearly. */
const KEEP_LIBRARY_AT_MOST = 1.5;

/**
 * Section 8: validation with the query-limit rules on graphql-armor and graphql-query-complexity
 * (src/graphql/limits.ts) against the hand-written rules they replaced, on the same documents,
 * interleaved in the same run. Only the limit rules run (graphql-js's own rules are the same for
 * both); Apollo caches a validated document, so this is paid once per distinct query text.
 */
export async function limitsScenario(
  schema: GraphQLSchema,
  o: CompareOptions,
  log: (s: string) => void,
): Promise<Row[]> {
  log("   query limits: libraries vs hand-written rules");
  const libraries = queryLimitRules();
  const handWritten = handWrittenRules();
  const rows: Row[] = [];
  for (const [name, source] of Object.entries(LIMIT_DOCUMENTS)) {
    const document = parse(source, { maxTokens: MAX_TOKENS });
    const run = (rules: ValidationRule[]) => () =>
      Promise.resolve(validate(schema, document, rules));
    for (const rules of [handWritten, libraries]) {
      const errors = validate(schema, document, rules);
      if (errors.length) throw new Error(`${name} was refused: ${errors[0]?.message}`);
    }
    const c = await compare(
      [
        { name: "hand-written", run: run(handWritten) },
        { name: "libraries", run: run(libraries) },
      ],
      o,
    );
    const ratio = c.ratio["libraries"] ?? NaN;
    rows.push({
      section: 8,
      name: `query limits, libraries ÷ hand-written: ${name}`,
      value: round(ratio, 2),
      unit: "×",
      budget: `≤ ${KEEP_LIBRARY_AT_MOST}×`,
      pass: ratio <= KEEP_LIBRARY_AT_MOST,
      timed: true,
      note: `validate() with the limit rules only: ${fmtUs(c.us["libraries"] ?? NaN)} graphql-armor + graphql-query-complexity, ${fmtUs(c.us["hand-written"] ?? NaN)} hand-written; both accept it; ${c.rounds} rounds × ${c.opsPerBatch}`,
    });
  }
  return rows;
}
