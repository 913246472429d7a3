import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import type {
  ASTVisitor,
  DocumentNode,
  GraphQLCompositeType,
  GraphQLField,
  GraphQLSchema,
  OperationDefinitionNode,
  ValidationRule,
} from "graphql";
import {
  GraphQLError,
  Kind,
  TypeInfo,
  ValidationContext,
  getNamedType,
  getNullableType,
  isInputType,
  isInterfaceType,
  isListType,
  isObjectType,
  typeFromAST,
  valueFromAST,
} from "graphql";
import { createComplexityRule } from "graphql-query-complexity";
import type { ComplexityEstimator } from "graphql-query-complexity";
import { MAX_PAGE_SIZE } from "../common/page.js";

/**
 * The public error code of a query refused for its shape (too deep, too costly, too many
 * aliases). Refused at validation, before any resolver runs or any AWS call is made; the
 * response is HTTP 400 with `extensions: { code, limit, max, actual }`.
 */
export const QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX";

export interface QueryLimits {
  /**
   * Deepest field nesting, counting the root field as 1 (fragments flattened; `__schema` and
   * its subtree not counted). Measured by @escape.tech/graphql-armor-max-depth.
   * @default 10
   */
  readonly maxDepth: number;
  /**
   * Highest estimated cost, measured by graphql-query-complexity: every field costs 1, or the
   * `complexity` its decorator gives (fields that call S3 or Cognito), every mutation
   * `MUTATION_COST`; a field with `first` (a connection) adds `first` × what its edges select
   * (a variable counts as its default, or `maxPageSize` without one), any other list 10 × its
   * items. Introspection fields cost nothing.
   * @default 10000
   */
  readonly maxCost: number;
  /**
   * Most aliased fields in one operation, fragments counted where spread (aliases are how one
   * request repeats a costly field). Measured by @escape.tech/graphql-armor-max-aliases.
   * @default 20
   */
  readonly maxAliases: number;
  /**
   * Largest value `first` may take; also assumed when `first` is a variable without a default.
   * @default 100
   */
  readonly maxPageSize: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = Object.freeze({
  maxDepth: 10,
  maxCost: 10_000,
  maxAliases: 20,
  maxPageSize: MAX_PAGE_SIZE,
});

/**
 * Most lexical tokens graphql-js parses in one document (Apollo `parseOptions.maxTokens`).
 * Without it, the body limit alone still lets one request of aliased fields cost seconds of CPU
 * to parse and validate; a file page or the full introspection query needs a small fraction of
 * this limit (figures in docs/performance.md).
 */
export const MAX_TOKENS = 10_000;

/** Cost of every mutation (each calls Cognito, S3 or SES), before what it selects. */
const MUTATION_COST = 10;

/** How many items a list field is assumed to hold when no `first` says. */
const UNPAGED_LIST_ITEMS = 10;

/**
 * Selections graphql-query-complexity visits at most per document (it expands a fragment at
 * every spread); past it the query is refused (cost). In the API the duplicate-fields guard,
 * which runs first, already refuses documents that expand past about as many.
 */
const MAX_QUERY_NODES = 20_000;

type Limit = "depth" | "cost" | "aliases";

function refusal(
  limit: Limit,
  max: number,
  actual: number,
  node: OperationDefinitionNode,
): GraphQLError {
  const messages: Record<Limit, string> = {
    depth: `The query nests ${actual} fields deep; at most ${max} levels are allowed.`,
    aliases: `The query uses ${actual} aliases; at most ${max} are allowed. Send several requests instead.`,
    cost:
      actual === Number.POSITIVE_INFINITY
        ? "The query is too large to measure once its fragments are expanded; send a smaller one."
        : `The query's estimated cost is ${actual}; at most ${max} is allowed. ` +
          "Ask for fewer items per page (`first`), fewer nested lists or fewer fields.",
  };
  return new GraphQLError(messages[limit], {
    nodes: [node],
    extensions: { code: QUERY_TOO_COMPLEX, limit, max, actual },
  });
}

/** Items a paged field returns, as the query asks: `first` clamped to 0..maxPageSize. */
function pageOf(first: unknown, limits: QueryLimits): number {
  if (typeof first !== "number" || !Number.isFinite(first)) return limits.maxPageSize;
  return Math.min(Math.max(Math.trunc(first), 0), limits.maxPageSize);
}

/** Types returned by fields that take `first`: the connections (FileConnection…). */
const connectionsOf = new WeakMap<GraphQLSchema, ReadonlySet<string>>();
function connectionTypes(schema: GraphQLSchema): ReadonlySet<string> {
  let set = connectionsOf.get(schema);
  if (!set) {
    const found = new Set<string>();
    for (const type of Object.values(schema.getTypeMap()))
      if ((isObjectType(type) || isInterfaceType(type)) && !type.name.startsWith("__"))
        for (const field of Object.values(type.getFields()))
          if (field.args.some((a) => a.name === "first")) found.add(getNamedType(field.type).name);
    set = found;
    connectionsOf.set(schema, set);
  }
  return set;
}

/** The estimators, first answer wins (graphql-query-complexity calls them field by field). */
function estimators(schema: GraphQLSchema, limits: QueryLimits): ComplexityEstimator[] {
  const mutation = schema.getMutationType();
  const connections = connectionTypes(schema);
  const own = (type: GraphQLCompositeType, field: GraphQLField<unknown, unknown>): number => {
    const set = field.extensions.complexity;
    return typeof set === "number" ? set : type === mutation ? MUTATION_COST : 1;
  };
  return [
    // Introspection (`__schema`, `__type`, `__typename`) is free, and so is all below it.
    ({ field }) => (field.name.startsWith("__") ? 0 : undefined),
    // A connection's own fields: `edges` count what they select (the connection's `first`
    // multiplies it); `pageInfo` is free, or it would count once per item too.
    ({ type, field, childComplexity }) =>
      connections.has(type.name)
        ? isListType(getNullableType(field.type))
          ? childComplexity
          : 0
        : undefined,
    // What repeats: a field with `first` repeats its selection once per item, other lists 10 times.
    ({ type, field, args, childComplexity }) => {
      if (field.args.some((a) => a.name === "first"))
        return own(type, field) + pageOf(args.first, limits) * childComplexity;
      if (isListType(getNullableType(field.type)))
        return own(type, field) + UNPAGED_LIST_ITEMS * childComplexity;
      return undefined;
    },
    // Any other field: its own cost (the decorator's `complexity`, else 1 or a mutation's) plus
    // what it selects.
    ({ type, field, childComplexity }) => own(type, field) + childComplexity,
  ];
}

/**
 * Variables as graphql-query-complexity sees them at validation, where no request values exist
 * yet: a variable's default, or a value that is no number (so `first` counts as the largest page
 * and `@skip`/`@include` keep the field). Set on the visitor directly: its own variable
 * coercion would refuse every required variable as "not provided".
 */
const UNKNOWN = Symbol("unknown variable value");
function variablesOf(schema: GraphQLSchema, op: OperationDefinitionNode): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const definition of op.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type);
    const value =
      definition.defaultValue && isInputType(type)
        ? valueFromAST(definition.defaultValue, type)
        : undefined;
    values[definition.variable.name.value] = value ?? UNKNOWN;
  }
  return values;
}

/** Depth, aliases and cost of each operation of one document, measured by the libraries. */
function measurer(ctx: ValidationContext, limits: QueryLimits) {
  const schema = ctx.getSchema();
  // The armor rules refuse nothing here (n: Infinity): they report every count to onAccept, and
  // the refusal is ours, with the public code and the figures.
  let counted = 0;
  const onAccept = [(_ctx: unknown, details: { n: number }) => void (counted = details.n)];
  const depth = maxDepthRule({
    n: Number.POSITIVE_INFINITY,
    flattenFragments: true,
    ignoreIntrospection: true,
    onAccept,
  })(ctx);
  const aliases = maxAliasesRule({ n: Number.POSITIVE_INFINITY, allowList: [], onAccept })(ctx);
  // Its own context, so that argument values it cannot read are not reported a second time
  // (graphql-js's ValuesOfCorrectType rule reports them).
  const quiet = new ValidationContext(schema, ctx.getDocument(), new TypeInfo(schema), () => {});
  const cost = createComplexityRule({
    maximumComplexity: Number.POSITIVE_INFINITY,
    estimators: estimators(schema, limits),
    maxQueryNodes: MAX_QUERY_NODES,
  })(quiet);
  const rootOf = (op: OperationDefinitionNode) => schema.getRootType(op.operation) ?? undefined;

  return {
    depth(op: OperationDefinitionNode): number {
      depth.onOperationDefinitionEnter(op);
      return counted;
    },
    aliases(op: OperationDefinitionNode): number {
      aliases.onOperationDefinitionEnter(op);
      return counted;
    },
    /** Infinity when the document expands past MAX_QUERY_NODES selections. */
    cost(op: OperationDefinitionNode): number {
      cost.variableValues = variablesOf(schema, op);
      try {
        return cost.nodeComplexity(op, rootOf(op));
      } catch (err) {
        if (err instanceof GraphQLError) return Number.POSITIVE_INFINITY;
        throw err;
      }
    },
  };
}

/**
 * graphql-js validation rules enforcing `limits` on every operation of a document: depth, then
 * aliases, then cost, one refusal per operation at most.
 */
export function queryLimitRules(limits: Partial<QueryLimits> = {}): ValidationRule[] {
  const effective: QueryLimits = { ...DEFAULT_QUERY_LIMITS, ...limits };
  return [
    (ctx: ValidationContext): ASTVisitor => {
      const meter = measurer(ctx, effective);
      return {
        OperationDefinition(op) {
          for (const [limit, max, measure] of [
            ["depth", effective.maxDepth, meter.depth],
            ["aliases", effective.maxAliases, meter.aliases],
            ["cost", effective.maxCost, meter.cost],
          ] as const) {
            const actual = measure(op);
            if (actual > max) {
              ctx.reportError(refusal(limit, max, actual, op));
              return;
            }
          }
        },
      };
    },
  ];
}

/**
 * Depth, aliases and estimated cost of every operation in `document`, exactly as the rules
 * measure them: for sizing the limits and for tests.
 */
export function measureQuery(
  schema: GraphQLSchema,
  document: DocumentNode,
  limits: Partial<QueryLimits> = {},
): { operation: string | undefined; depth: number; aliases: number; cost: number }[] {
  const ctx = new ValidationContext(schema, document, new TypeInfo(schema), () => {});
  const meter = measurer(ctx, { ...DEFAULT_QUERY_LIMITS, ...limits });
  return document.definitions
    .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .map((op) => ({
      operation: op.name?.value,
      depth: meter.depth(op),
      aliases: meter.aliases(op),
      cost: meter.cost(op),
    }));
}
