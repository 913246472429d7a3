import type {
  DocumentNode,
  FragmentDefinitionNode,
  GraphQLSchema,
  GraphQLCompositeType,
  GraphQLField,
  OperationDefinitionNode,
  SelectionSetNode,
  ValidationContext,
  ValueNode,
  ASTVisitor,
  ValidationRule,
} from "graphql";
import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
} from "graphql";
import { DEFAULT_QUERY_LIMITS, QUERY_TOO_COMPLEX } from "../../../src/graphql/limits.js";
import type { QueryLimits } from "../../../src/graphql/limits.js";

// The hand-written query limits the API used before src/graphql/limits.ts moved onto
// graphql-armor and graphql-query-complexity, kept as the benchmark's reference (section 8,
// "query limits, libraries ÷ hand-written") and for test/security/limits.test.ts to show where
// the libraries count differently. Nothing in src/ uses it.

/**
 * Fields that cost more than 1 because they call a dependency (per item, before multiplying):
 * root fields (a Cognito or S3 call each), `Customer.files` (one ListObjectsV2 per customer),
 * and File fields that need a HEAD request or a signature.
 */
export const FIELD_COSTS: Readonly<Record<string, number>> = Object.freeze({
  "Query.customers": 10,
  "Query.customer": 5,
  "Query.files": 10,
  "Query.file": 5,
  "Mutation.*": 10,
  "Customer.files": 10,
  "File.contentType": 2,
  "File.uploadedBy": 2,
  "File.downloadUrl": 2,
  "File.customer": 2,
});

/** How many items a list field is assumed to hold when no `first` above it says. */
const UNPAGED_LIST_ITEMS = 10;

function refusal(
  limit: "depth" | "cost" | "aliases",
  max: number,
  actual: number,
  node: OperationDefinitionNode | undefined,
  message: string,
): GraphQLError {
  return new GraphQLError(message, {
    ...(node ? { nodes: [node] } : {}),
    extensions: { code: QUERY_TOO_COMPLEX, limit, max, actual },
  });
}

/**
 * graphql-js validation rules enforcing `limits` on every operation of a document. Fragments
 * are followed (memoized, so a fragment spread many times is measured once per context);
 * fragment cycles are left to graphql-js's own NoFragmentCycles rule.
 */
export function queryLimitRules(limits: Partial<QueryLimits> = {}): ValidationRule[] {
  const l: QueryLimits = { ...DEFAULT_QUERY_LIMITS, ...limits };
  return [aliasLimitRule(l), (ctx) => depthAndCostRule(ctx, l)];
}

function aliasLimitRule(l: QueryLimits): ValidationRule {
  return (ctx: ValidationContext): ASTVisitor => {
    let aliases = 0;
    return {
      Field(node) {
        if (node.alias) aliases++;
      },
      Document: {
        leave() {
          if (aliases > l.maxAliases)
            ctx.reportError(
              refusal(
                "aliases",
                l.maxAliases,
                aliases,
                undefined,
                `The query uses ${aliases} aliases; at most ${l.maxAliases} are allowed. Send several requests instead.`,
              ),
            );
        },
      },
    };
  };
}

/** Depth and estimated cost of each operation of one document (fragments resolved). */
function measurer(schema: GraphQLSchema, document: DocumentNode, l: QueryLimits) {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);

  const depthMemo = new Map<string, number>();
  const costMemo = new Map<string, number>();
  const active = new Set<string>();

  /** Type a fragment or inline fragment applies to; the parent's type when it names none. */
  const conditionType = (
    name: string | undefined,
    parent: GraphQLCompositeType | undefined,
  ): GraphQLCompositeType | undefined => {
    if (name === undefined) return parent;
    const t = schema.getType(name);
    return t && isCompositeType(t) ? t : undefined;
  };

  const fieldOf = (
    parent: GraphQLCompositeType | undefined,
    name: string,
  ): GraphQLField<unknown, unknown> | undefined =>
    parent && (isObjectType(parent) || isInterfaceType(parent))
      ? parent.getFields()[name]
      : undefined;

  const depthOf = (set: SelectionSetNode, parent: GraphQLCompositeType | undefined): number => {
    let max = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value.startsWith("__")) continue;
        const field = fieldOf(parent, sel.name.value);
        const child = field ? getNamedType(field.type) : undefined;
        const below = sel.selectionSet
          ? depthOf(sel.selectionSet, child && isCompositeType(child) ? child : undefined)
          : 0;
        max = Math.max(max, 1 + below);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        max = Math.max(
          max,
          depthOf(sel.selectionSet, conditionType(sel.typeCondition?.name.value, parent)),
        );
      } else {
        const name = sel.name.value;
        const frag = fragments.get(name);
        if (!frag || active.has(name)) continue;
        let d = depthMemo.get(name);
        if (d === undefined) {
          active.add(name);
          d = depthOf(frag.selectionSet, conditionType(frag.typeCondition.name.value, parent));
          active.delete(name);
          depthMemo.set(name, d);
        }
        max = Math.max(max, d);
      }
    }
    return max;
  };

  /**
   * Cost of a selection set; `items` is the page size that applies to the next list field below
   * (set by the nearest `first`). Stops adding once over the limit.
   */
  const costOf = (
    set: SelectionSetNode,
    parent: GraphQLCompositeType | undefined,
    items: number | undefined,
    variables: ReadonlyMap<string, ValueNode | undefined>,
  ): number => {
    let total = 0;
    // graphql-js executes a fragment spread once per selection set, however often it is repeated.
    const spread = new Set<string>();
    for (const sel of set.selections) {
      if (total > l.maxCost) return total;
      if (sel.kind === Kind.FIELD) {
        const name = sel.name.value;
        if (name.startsWith("__")) continue;
        const field = fieldOf(parent, name);
        const typeName = parent?.name ?? "?";
        const own = FIELD_COSTS[`${typeName}.${name}`] ?? FIELD_COSTS[`${typeName}.*`] ?? 1;
        let cost = own;
        if (sel.selectionSet) {
          const named = field ? getNamedType(field.type) : undefined;
          const child = named && isCompositeType(named) ? named : undefined;
          const pageArg = field?.args.find((a) => a.name === "first");
          const page = pageArg
            ? pageSizeOf(
                sel.arguments?.find((a) => a.name.value === "first")?.value,
                pageArg.defaultValue,
                variables,
              )
            : items;
          const isList = field ? isListType(getNullableType(field.type)) : false;
          const below = costOf(sel.selectionSet, child, isList ? undefined : page, variables);
          cost += isList ? (page ?? UNPAGED_LIST_ITEMS) * below : below;
        }
        total += cost;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        total += costOf(
          sel.selectionSet,
          conditionType(sel.typeCondition?.name.value, parent),
          items,
          variables,
        );
      } else {
        const name = sel.name.value;
        const frag = fragments.get(name);
        if (!frag || active.has(name) || spread.has(name)) continue;
        spread.add(name);
        const key = `${name}:${items ?? "-"}`;
        let c = costMemo.get(key);
        if (c === undefined) {
          active.add(name);
          c = costOf(
            frag.selectionSet,
            conditionType(frag.typeCondition.name.value, parent),
            items,
            variables,
          );
          active.delete(name);
          costMemo.set(key, c);
        }
        total += c;
      }
    }
    return total;
  };

  /** `first` as the query gives it: a literal, a variable (its default, else the max), or absent. */
  const pageSizeOf = (
    value: ValueNode | undefined,
    fieldDefault: unknown,
    variables: ReadonlyMap<string, ValueNode | undefined>,
  ): number => {
    let v: ValueNode | undefined = value;
    if (v?.kind === Kind.VARIABLE) v = variables.get(v.name.value);
    if (v === undefined)
      return value === undefined && typeof fieldDefault === "number"
        ? clampPage(fieldDefault)
        : l.maxPageSize;
    if (v.kind === Kind.INT) return clampPage(Number(v.value));
    return l.maxPageSize;
  };
  const clampPage = (n: number) =>
    Number.isFinite(n) ? Math.min(Math.max(Math.trunc(n), 0), l.maxPageSize) : l.maxPageSize;

  const rootOf = (op: OperationDefinitionNode) => schema.getRootType(op.operation) ?? undefined;

  return {
    depth: (op: OperationDefinitionNode): number => depthOf(op.selectionSet, rootOf(op)),
    cost(op: OperationDefinitionNode): number {
      // Variable defaults count like literals; variables without one count as the largest page.
      const variables = new Map<string, ValueNode | undefined>(
        (op.variableDefinitions ?? []).map((d) => [d.variable.name.value, d.defaultValue]),
      );
      return costOf(op.selectionSet, rootOf(op), undefined, variables);
    },
  };
}

function depthAndCostRule(ctx: ValidationContext, l: QueryLimits): ASTVisitor {
  const m = measurer(ctx.getSchema(), ctx.getDocument(), l);
  const deep = (n: number) =>
    `The query nests ${n} fields deep; at most ${l.maxDepth} levels are allowed.`;
  const costly = () =>
    `The query's estimated cost is over ${l.maxCost}, the most allowed. ` +
    "Ask for fewer items per page (`first`), fewer nested lists or fewer fields.";
  return {
    OperationDefinition(op) {
      const depth = m.depth(op);
      if (depth > l.maxDepth)
        return ctx.reportError(refusal("depth", l.maxDepth, depth, op, deep(depth)));
      const cost = m.cost(op);
      if (cost > l.maxCost) ctx.reportError(refusal("cost", l.maxCost, cost, op, costly()));
    },
  };
}

/**
 * Depth and estimated cost of every operation in `document`, exactly as the rules measure them
 * (with no early stop): for sizing the limits and for tests.
 */
export function measureQuery(
  schema: GraphQLSchema,
  document: DocumentNode,
  limits: Partial<QueryLimits> = {},
): { operation: string | undefined; depth: number; cost: number }[] {
  const m = measurer(schema, document, {
    ...DEFAULT_QUERY_LIMITS,
    ...limits,
    maxCost: Number.POSITIVE_INFINITY,
  });
  return document.definitions
    .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .map((op) => ({ operation: op.name?.value, depth: m.depth(op), cost: m.cost(op) }));
}
