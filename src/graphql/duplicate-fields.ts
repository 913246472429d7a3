import type {
  ASTVisitor,
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  SelectionSetNode,
  ValidationContext,
  ValidationRule,
} from "graphql";
import { GraphQLError, Kind } from "graphql";
import { QUERY_TOO_COMPLEX } from "./limits.js";

/**
 * Most fields that merge under one response name (graphql-js compares every pair of them, and
 * then their selections pairwise): leaves, and fields with a selection of their own. Counted
 * after merging, as execution does: inline fragments and fragment spreads flattened (a fragment
 * spread twice counts twice), and the selections of same-name fields merged level by level, so
 * `me { a } me { a }` holds two `a` at the second level.
 */
export const MAX_SAME_NAME = { leaf: 10, withSelection: 5 } as const;

/** Field occurrences visited at most (fragments expanded where spread) before refusing. */
const MAX_EXPANDED_FIELDS = 20_000;

export interface Repeat {
  /** Path of response names to the repeated field. */
  readonly path: string;
  readonly count: number;
  readonly limit: number;
}

/**
 * Refuses documents that repeat a field many times, before graphql-js's
 * OverlappingFieldsCanBeMerged rule compares every pair of them: its work grows with the square
 * of the repeats at each level, multiplied level by level (440 copies of `me { id }`, a 4.4 KB
 * document, cost most of a second). Hand-written: no maintained limit library counts this.
 *
 * It runs at the Document node, before any rule walks a selection set, and when it refuses it
 * returns `null` there: in graphql-js's visitor that removes the node, so no other rule walks
 * the document at all.
 */
export function duplicateFieldsRule(max = MAX_SAME_NAME): ValidationRule {
  return (ctx: ValidationContext): ASTVisitor => ({
    Document(document) {
      const worst = firstRepeat(document, max);
      if (!worst) return undefined;
      ctx.reportError(
        new GraphQLError(
          worst.count === Number.POSITIVE_INFINITY
            ? `The query is too large once its fragments are expanded; send a smaller one.`
            : `The query asks for '${worst.path}' ${worst.count} times; at most ${worst.limit} are ` +
                "allowed. Ask for each field once.",
          {
            extensions: {
              code: QUERY_TOO_COMPLEX,
              limit: "duplicates",
              max: worst.limit,
              actual: worst.count,
            },
          },
        ),
      );
      return null;
    },
  });
}

/** The first field repeated past its limit after merging, or null when there is none. */
export function firstRepeat(
  document: DocumentNode,
  max: { readonly leaf: number; readonly withSelection: number },
): Repeat | null {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
  let visited = 0;

  /** The fields these selection sets merge, grouped by response name (spreads followed). */
  const group = (sets: readonly SelectionSetNode[]): Map<string, FieldNode[]> | null => {
    const groups = new Map<string, FieldNode[]>();
    const active = new Set<string>();
    const walk = (set: SelectionSetNode): boolean => {
      for (const sel of set.selections) {
        if (++visited > MAX_EXPANDED_FIELDS) return false;
        if (sel.kind === Kind.FIELD) {
          const name = sel.alias?.value ?? sel.name.value;
          const list = groups.get(name);
          if (list) list.push(sel);
          else groups.set(name, [sel]);
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          if (!walk(sel.selectionSet)) return false;
        } else {
          const frag = fragments.get(sel.name.value);
          // Unknown and cyclic spreads are for graphql-js's own rules to report.
          if (!frag || active.has(sel.name.value)) continue;
          active.add(sel.name.value);
          const ok = walk(frag.selectionSet);
          active.delete(sel.name.value);
          if (!ok) return false;
        }
      }
      return true;
    };
    for (const set of sets) if (!walk(set)) return null;
    return groups;
  };

  const check = (sets: readonly SelectionSetNode[], path: string): Repeat | null => {
    const groups = group(sets);
    if (!groups) return { path, count: Number.POSITIVE_INFINITY, limit: MAX_EXPANDED_FIELDS };
    for (const [name, fields] of groups) {
      const below = fields.flatMap((f) => (f.selectionSet ? [f.selectionSet] : []));
      const limit = below.length ? max.withSelection : max.leaf;
      const at = path ? `${path}.${name}` : name;
      if (fields.length > limit) return { path: at, count: fields.length, limit };
      if (below.length) {
        const deeper = check(below, at);
        if (deeper) return deeper;
      }
    }
    return null;
  };

  for (const definition of document.definitions) {
    if (
      definition.kind !== Kind.OPERATION_DEFINITION &&
      definition.kind !== Kind.FRAGMENT_DEFINITION
    )
      continue;
    const found = check([definition.selectionSet], "");
    if (found) return found;
  }
  return null;
}
