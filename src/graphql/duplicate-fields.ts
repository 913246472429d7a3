import type {
  ASTVisitor,
  DocumentNode,
  FragmentDefinitionNode,
  SelectionSetNode,
  ValidationContext,
  ValidationRule,
} from "graphql";
import { GraphQLError, Kind } from "graphql";
import { QUERY_TOO_COMPLEX } from "./limits.js";

/**
 * Most fields one selection set may hold under one response name, counting what its inline
 * fragments and fragment spreads bring in (a fragment spread twice counts twice).
 */
export const MAX_SAME_NAME = 20;

/**
 * Refuses documents that repeat one field many times in a selection set, before graphql-js's
 * OverlappingFieldsCanBeMerged rule compares every pair of them (quadratic: 440 copies of
 * `me { id }`, a 4.4 KB document, cost it most of a second). Hand-written: no maintained limit
 * library counts this. It runs at the Document node, ahead of every rule that walks selection
 * sets, and when it refuses it returns `null` there: in graphql-js's visitor that removes the
 * node, so no other rule walks the document at all.
 */
export function duplicateFieldsRule(maxSameName = MAX_SAME_NAME): ValidationRule {
  return (ctx: ValidationContext): ASTVisitor => ({
    Document(document) {
      const worst = worstRepeat(document);
      if (worst.count <= maxSameName) return undefined;
      ctx.reportError(
        new GraphQLError(
          `The query asks for '${worst.name}' ${worst.count} times in one selection; at most ` +
            `${maxSameName} are allowed. Ask for each field once.`,
          {
            extensions: {
              code: QUERY_TOO_COMPLEX,
              limit: "duplicates",
              max: maxSameName,
              actual: worst.count,
            },
          },
        ),
      );
      return null;
    },
  });
}

/** The response name repeated most often in any one selection set of the document. */
export function worstRepeat(document: DocumentNode): { name: string; count: number } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const memo = new Map<string, Map<string, number>>();
  const active = new Set<string>();
  let worst = { name: "", count: 0 };

  /** Response name → how many fields of that name the set merges (spreads followed). */
  const counts = (set: SelectionSetNode, into = new Map<string, number>()) => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const name = sel.alias?.value ?? sel.name.value;
        into.set(name, (into.get(name) ?? 0) + 1);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        counts(sel.selectionSet, into);
      } else {
        for (const [name, n] of fragmentCounts(sel.name.value))
          into.set(name, Math.min((into.get(name) ?? 0) + n, Number.MAX_SAFE_INTEGER));
      }
    }
    return into;
  };
  const fragmentCounts = (name: string): Map<string, number> => {
    const known = memo.get(name);
    if (known) return known;
    const frag = fragments.get(name);
    // Unknown and cyclic spreads are for graphql-js's own rules to report.
    if (!frag || active.has(name)) return new Map();
    active.add(name);
    const c = counts(frag.selectionSet);
    active.delete(name);
    memo.set(name, c);
    return c;
  };
  const visit = (set: SelectionSetNode) => {
    for (const [name, count] of counts(set)) if (count > worst.count) worst = { name, count };
    for (const sel of set.selections)
      if (sel.kind !== Kind.FRAGMENT_SPREAD && sel.selectionSet) visit(sel.selectionSet);
  };
  for (const d of document.definitions)
    if (d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION)
      visit(d.selectionSet);
  return worst;
}
