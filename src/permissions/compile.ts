import type { GraphQLFieldResolver, GraphQLResolveInfo, GraphQLSchema } from "graphql";
import { defaultFieldResolver, isIntrospectionType, isObjectType } from "graphql";
import type { Context } from "../auth/context.js";
import type { Args, PermissionOptions, Rule, RuleMap } from "./algebra.js";
import { ConstRule, LeafRule, LogicRule, NotRule, allow, checkOptions, isRule } from "./algebra.js";

/**
 * The permission layer as the API runs it: the rule map evaluated synchronously, decision for
 * decision as graphql-shield 7.6.5 evaluates it (node_modules/graphql-shield/cjs/rules.js and
 * generator.js), without a promise per field: graphql-shield's own middleware costs several times
 * the query on long lists, this layer a small part of it (see docs/performance.md).
 * test/security/differential.test.ts runs every operator combination through both engines.
 *
 * Where graphql-shield would answer a rule from its cache, this layer evaluates the check again,
 * except that a "strict" rule is evaluated once per object on fields without arguments (see
 * compileLeaf): checks are pure (algebra.ts, `rule`), so either way the answer is the same.
 */

/**
 * Told of every mutation the layer refuses, with the error answered (not part of graphql-shield: the
 * API writes the audit line of a refused admin action here, where the resolver never runs).
 */
export type RefusalListener = (
  ctx: Context,
  info: GraphQLResolveInfo,
  args: Args,
  error: unknown,
) => void;

/** A compiled rule: true / false when the answer never changes, else a check. */
type Eval = (ctx: Context, parent: unknown, args: Args) => boolean | Error;
type Compiled = boolean | Eval;

function compileLeaf(leaf: LeafRule): Eval {
  const evaluate = evaluateLeaf(leaf);
  if (leaf.cache !== "strict") return evaluate;
  // "strict": the answer depends on the object and the arguments only. graphql-js resolves the
  // fields of one object one after another, so remembering the last answer gives one evaluation
  // per object for fields without arguments (graphql-shield's cache hits the same way). It keeps
  // the last request's context referenced until the rule runs again: one, never a growing set.
  let lastCtx: Context | undefined;
  let lastParent: unknown;
  let lastAnswer: boolean | Error = false;
  return (ctx, parent, args) => {
    if (parent === lastParent && ctx === lastCtx && noArgs(args)) return lastAnswer;
    const answer = evaluate(ctx, parent, args);
    if (noArgs(args)) [lastCtx, lastParent, lastAnswer] = [ctx, parent, answer];
    return answer;
  };
}

function noArgs(args: Args): boolean {
  for (const _ in args) return false;
  return true;
}

function evaluateLeaf(leaf: LeafRule): Eval {
  const { name, check } = leaf;
  return (ctx, parent, args) => {
    let res: unknown;
    try {
      res = check(ctx, parent, args);
    } catch (err) {
      // graphql-shield counts a check that throws as "not passed"; say so in the log, by name.
      ctx.log.error("permission rule threw; counted as not passed", { rule: name, err });
      return false;
    }
    if (res === true) return true;
    if (res instanceof Error) return res;
    if (typeof res === "string") return new Error(res);
    if (typeof (res as { then?: unknown } | null)?.then === "function")
      throw new Error(`Permission rule ${name} returned a promise; checks must be synchronous`);
    return false;
  };
}

function compileNode(rule: Rule): Compiled {
  if (rule instanceof ConstRule) return rule.kind === "allow";
  if (rule instanceof LeafRule) return compileLeaf(rule);
  if (rule instanceof NotRule) {
    const inner = compileNode(rule.rule);
    const error = rule.error;
    if (inner === false) return true;
    if (inner === true) return error ? () => error : false;
    return (ctx, parent, args) => (inner(ctx, parent, args) === true ? (error ?? false) : true);
  }
  if (!(rule instanceof LogicRule)) throw new TypeError("not a permission rule");
  const parts = rule.rules.map(compileNode);
  switch (rule.kind) {
    case "and": {
      // All are evaluated; the first Error among them wins over a false before it.
      const rest = parts.filter((p) => p !== true);
      if (rest.length === 0) return true;
      const checks = rest.filter((p): p is Eval => p !== false);
      if (checks.length === 0) return false;
      const failed = checks.length < rest.length;
      return (ctx, parent, args) => {
        let ok = !failed;
        for (const check of checks) {
          const res = check(ctx, parent, args);
          if (res instanceof Error) return res;
          if (res !== true) ok = false;
        }
        return ok;
      };
    }
    case "chain": {
      // In order; the first that does not pass is the answer and the rest are never evaluated.
      const upTo = parts.indexOf(false);
      const run = (upTo === -1 ? parts : parts.slice(0, upTo + 1)).filter((p) => p !== true);
      if (run.length === 0) return true;
      if (run[0] === false) return false;
      return (ctx, parent, args) => {
        for (const check of run) {
          if (check === false) return false;
          const res = (check as Eval)(ctx, parent, args);
          if (res !== true) return res;
        }
        return true;
      };
    }
    case "or":
    case "race": {
      if (parts.includes(true)) return true;
      const checks = parts.filter((p): p is Eval => p !== false);
      if (checks.length === 0) return false;
      // `or` answers the first Error among its rules. `race` collects its results in reverse
      // (rules.js, RuleRace.evaluate: `ress.concat(res)`), so it answers the last Error.
      const lastError = rule.kind === "race";
      return (ctx, parent, args) => {
        let error: Error | undefined;
        for (const check of checks) {
          const res = check(ctx, parent, args);
          if (res === true) return true;
          if (res instanceof Error && (lastError || !error)) error = res;
        }
        return error ?? false;
      };
    }
  }
}

/** Evaluates a rule the way the compiled layer does: true, false or the Error to answer with. */
export function compileRule(
  rule: Rule,
): (ctx: Context, parent: unknown, args: Args) => boolean | Error {
  const compiled = compileNode(rule);
  return typeof compiled === "boolean" ? () => compiled : compiled;
}

/** Every object field of the schema (introspection types aside) as "Type.field". */
export function schemaFields(schema: GraphQLSchema): string[] {
  const out: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || isIntrospectionType(type)) continue;
    for (const field of Object.keys(type.getFields())) out.push(`${type.name}.${field}`);
  }
  return out.sort();
}

/** The rule graphql-shield's generator gives one field (generator.js, applyRuleToType). */
export function ruleFor(
  map: RuleMap | Rule,
  fallbackRule: Rule,
  typeName: string,
  field: string,
): Rule {
  if (isRule(map)) return map;
  const entry = map[typeName];
  if (entry === undefined) return fallbackRule;
  if (isRule(entry)) return entry;
  return entry[field] ?? entry["*"] ?? fallbackRule;
}

/**
 * Refuses, naming the place, what the compiled layer cannot run as graphql-shield would: values
 * that are not rules of algebra.ts (graphql-shield's own objects included), rules for types the
 * schema lacks or that are not object types, fields a type lacks, and two different rules under
 * one name (graphql-shield's rule-tree validation refuses those too).
 */
export function validateRuleMap(
  schema: GraphQLSchema,
  map: RuleMap | Rule,
  fallbackRule: Rule = allow,
): void {
  const problems: string[] = [];
  const byName = new Map<string, LeafRule>();
  const visit = (candidate: unknown, where: string) => {
    if (!isRule(candidate)) {
      problems.push(`${where} is not a rule made with src/permissions/algebra.ts`);
      return;
    }
    const walk = (rule: Rule, path: string): void => {
      if (rule instanceof LeafRule) {
        const seen = byName.get(rule.name);
        if (seen && seen !== rule)
          problems.push(`${path}: another rule is also named ${rule.name}`);
        byName.set(rule.name, rule);
      } else if (rule instanceof NotRule) {
        if (!isRule(rule.rule)) problems.push(`${path}: not() of something that is not a rule`);
        else walk(rule.rule, `${path} > not`);
      } else if (rule instanceof LogicRule) {
        rule.rules.forEach((child, i) => {
          if (!isRule(child)) problems.push(`${path} > ${rule.kind}[${i}] is not a rule`);
          else walk(child, `${path} > ${rule.kind}[${i}]`);
        });
      }
    };
    walk(candidate, where);
  };
  visit(fallbackRule, "fallbackRule");
  if (isRule(map)) visit(map, "the schema-wide rule");
  else
    for (const [typeName, entry] of Object.entries(map)) {
      const type = schema.getType(typeName);
      if (!type || !isObjectType(type) || isIntrospectionType(type)) {
        problems.push(`${typeName} is not an object type of the schema`);
        continue;
      }
      if (isRule(entry)) {
        visit(entry, typeName);
        continue;
      }
      if (
        !entry ||
        typeof entry !== "object" ||
        Object.getPrototypeOf(entry) !== Object.prototype
      ) {
        problems.push(`${typeName} is neither a rule nor a field → rule object`);
        continue;
      }
      const fields = type.getFields();
      for (const [field, rule] of Object.entries(entry)) {
        if (field !== "*" && !fields[field])
          problems.push(`${typeName}.${field} is not in the schema`);
        else visit(rule, `${typeName}.${field}`);
      }
    }
  if (problems.length)
    throw new Error(`The permission map cannot be applied:\n  ${problems.join("\n  ")}`);
}

export interface ApplyReport {
  /** Fields wrapped with a check. */
  readonly guarded: number;
  /** Fields whose rule always passes, left unwrapped. */
  readonly open: number;
}

/**
 * Applies the rules to the schema's resolvers, as `applyMiddleware(schema, shield(rules,
 * options))` would decide: each field's rule (its own, else its type's "*", else fallbackRule;
 * a type-wide rule for every field of its type) runs before the resolver; true runs the
 * resolver, an Error is the answer, false is fallbackError's answer. Fields whose rule always
 * passes are left as they are. Mutates the schema: call it on a freshly built one.
 */
export function compilePermissions(
  schema: GraphQLSchema,
  map: RuleMap | Rule,
  options: PermissionOptions,
  onRefusal?: RefusalListener,
): ApplyReport {
  checkOptions(options);
  const fallbackRule = options.fallbackRule ?? allow;
  validateRuleMap(schema, map, fallbackRule);
  const fe = options.fallbackError ?? new Error("Not Authorised!");
  const fallback = typeof fe === "string" ? new Error(fe) : fe;
  const refuse: GraphQLFieldResolver<unknown, Context> =
    typeof fallback === "function"
      ? (parent, args, ctx, info) => fallback(null, parent, args, ctx, info)
      : () => fallback;
  // Mutations only: the listener is for actions, never for the fields of objects in a response.
  const mutation = schema.getMutationType();
  const told = (error: unknown, ctx: Context, info: GraphQLResolveInfo, args: Args) => {
    onRefusal?.(ctx, info, args, error);
    return error;
  };

  const compiled = new Map<Rule, Compiled>();
  let guarded = 0;
  let open = 0;
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || isIntrospectionType(type)) continue;
    const listened = onRefusal !== undefined && type === mutation;
    for (const field of Object.values(type.getFields())) {
      const rule = ruleFor(map, fallbackRule, type.name, field.name);
      let compiledRule = compiled.get(rule);
      if (compiledRule === undefined) compiled.set(rule, (compiledRule = compileNode(rule)));
      if (compiledRule === true) {
        open++;
        continue;
      }
      guarded++;
      const resolve: GraphQLFieldResolver<unknown, Context> = field.resolve ?? defaultFieldResolver;
      if (compiledRule === false) {
        field.resolve = listened
          ? (parent, args, ctx: Context, info) =>
              told(refuse(parent, args, ctx, info), ctx, info, args)
          : refuse;
        continue;
      }
      const check = compiledRule;
      // An Error is returned, not thrown, as graphql-shield's middleware does: graphql-js turns
      // a returned Error into the field's error all the same.
      field.resolve = (parent, args, ctx: Context, info) => {
        const res = check(ctx, parent, args);
        if (res === true) return resolve(parent, args, ctx, info);
        const error = res === false ? refuse(parent, args, ctx, info) : res;
        return listened ? told(error, ctx, info, args) : error;
      };
    }
  }
  return { guarded, open };
}

/**
 * Compares the map with the schema: fields with no explicit rule (neither their own nor their
 * type's, nor "*"), and names of types or fields the schema does not have.
 */
export function auditRuleMap(
  schema: GraphQLSchema,
  map: RuleMap,
): { unruled: string[]; unknown: string[] } {
  const unruled: string[] = [];
  const unknown: string[] = [];
  for (const field of schemaFields(schema)) {
    const [type, name] = field.split(".") as [string, string];
    const entry = map[type];
    if (!entry || (!isRule(entry) && entry[name] === undefined && entry["*"] === undefined))
      unruled.push(field);
  }
  for (const [typeName, entry] of Object.entries(map)) {
    const type = schema.getType(typeName);
    if (!type || !isObjectType(type)) {
      unknown.push(typeName);
      continue;
    }
    if (isRule(entry)) continue;
    const fields = type.getFields();
    for (const field of Object.keys(entry))
      if (field !== "*" && !fields[field]) unknown.push(`${typeName}.${field}`);
  }
  return { unruled, unknown };
}

/**
 * The API's permission layer: deny by default, so start-up fails when any field has no explicit
 * rule or the map names something the schema lacks; then `compilePermissions`.
 */
export function applyPermissions(
  schema: GraphQLSchema,
  map: RuleMap,
  options: PermissionOptions,
  onRefusal?: RefusalListener,
): ApplyReport {
  const { unruled, unknown } = auditRuleMap(schema, map);
  if (unruled.length || unknown.length) {
    throw new Error(
      [
        unruled.length ? `Fields without a permission rule: ${unruled.join(", ")}` : "",
        unknown.length
          ? `Rules for types or fields the schema does not have: ${unknown.join(", ")}`
          : "",
      ]
        .filter(Boolean)
        .join("\n") + "\nAdd them to src/permissions/index.ts (deny by default).",
    );
  }
  return compilePermissions(schema, map, options, onRefusal);
}
