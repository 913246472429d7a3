import type { GraphQLResolveInfo } from "graphql";
import * as shieldApi from "graphql-shield";
import type { IRules } from "graphql-shield";
import type { Context } from "../auth/context.js";

/**
 * The rule language of the permission map: graphql-shield's, one to one (`rule`, `allow`, `deny`,
 * `and`, `or`, `not`, `chain`, `race`, type-wide rules, "*", fallbackRule, fallbackError), as
 * plain values anyone can read. Two engines run it:
 *  - `toShield` builds the same tree with graphql-shield's public constructors, for
 *    `applyMiddleware(schema, shield(...))` (the reference the tests compare against);
 *  - compile.ts evaluates it synchronously, with graphql-shield 7.6.5's semantics.
 * Nothing is recovered from graphql-shield's objects: each engine reads these values.
 */

/** What a check answers, as in graphql-shield: true passes; an Error (or a string: its message) is returned as it is; anything else is false. */
export type RuleResult = boolean | string | Error;
export type Args = Readonly<Record<string, unknown>>;
/** A check of a "contextual" rule: it sees the request context only (graphql-shield caches it per request). */
export type ContextCheck = (ctx: Context) => RuleResult;
/** A check of a "strict" or "no_cache" rule: a pure function of context, parent and arguments. */
export type FieldCheck = (ctx: Context, parent: unknown, args: Args) => RuleResult;
export type Cache = "no_cache" | "contextual" | "strict";

const CACHES: readonly string[] = ["no_cache", "contextual", "strict"];

/** A named check. */
export class LeafRule {
  constructor(
    readonly name: string,
    readonly cache: Cache,
    readonly check: FieldCheck,
    /** One line for docs/permissions.md. */
    readonly description: string,
  ) {
    Object.freeze(this);
  }
}

export type LogicKind = "and" | "or" | "chain" | "race";

/** `and` / `or` / `chain` / `race` over rules, in order. */
export class LogicRule {
  constructor(
    readonly kind: LogicKind,
    readonly rules: readonly Rule[],
  ) {
    Object.freeze(this);
  }
}

/** `not(rule, error?)`: passes when `rule` does not; `error` replaces false when it does. */
export class NotRule {
  constructor(
    readonly rule: Rule,
    readonly error: Error | undefined,
  ) {
    Object.freeze(this);
  }
}

export class ConstRule {
  constructor(readonly kind: "allow" | "deny") {
    Object.freeze(this);
  }
}

export type Rule = LeafRule | LogicRule | NotRule | ConstRule;

export function isRule(value: unknown): value is Rule {
  return (
    value instanceof LeafRule ||
    value instanceof LogicRule ||
    value instanceof NotRule ||
    value instanceof ConstRule
  );
}

export interface RuleOptions<C extends Cache> {
  /**
   * What the answer depends on, as graphql-shield's cache option says it: "contextual" (the
   * request only: the check is given only the context), "strict" (parent and arguments too) or
   * "no_cache".
   * @default "no_cache"
   */
  readonly cache?: C;
  /** One line for the permissions table. */
  readonly description?: string;
}

/**
 * A named rule. Checks must be synchronous and pure: graphql-shield may answer a check from its
 * cache where the compiled layer evaluates it again, and for a pure check the two agree. A check
 * that throws counts as false (graphql-shield's semantics); the compiled layer logs it.
 */
export function rule(
  name: string,
  options: RuleOptions<"contextual"> & { readonly cache: "contextual" },
  check: ContextCheck,
): Rule;
export function rule(
  name: string,
  options: RuleOptions<"strict" | "no_cache">,
  check: FieldCheck,
): Rule;
export function rule(name: string, options: RuleOptions<Cache>, check: FieldCheck): Rule {
  if (typeof name !== "string" || name === "")
    throw new TypeError("A permission rule needs a name (graphql-shield's default is random)");
  const cache = options.cache ?? "no_cache";
  if (!CACHES.includes(cache))
    throw new TypeError(
      `Rule ${name}: cache ${String(cache)} is not supported; use ${CACHES.join(", ")}`,
    );
  if (typeof check !== "function") throw new TypeError(`Rule ${name} needs a check function`);
  return new LeafRule(name, cache, check, options.description ?? "");
}

export const allow: Rule = new ConstRule("allow");
export const deny: Rule = new ConstRule("deny");

function logic(kind: LogicKind, rules: Rule[]): Rule {
  rules.forEach((rule, i) => {
    if (!isRule(rule)) throw new TypeError(`${kind}(): argument ${i + 1} is not a permission rule`);
  });
  return new LogicRule(kind, Object.freeze([...rules]));
}

/** Every rule is evaluated; passes when all pass, else the first Error among them, else false. */
export const and = (...rules: Rule[]): Rule => logic("and", rules);
/** Every rule is evaluated; passes when one passes, else the first Error among them, else false. */
export const or = (...rules: Rule[]): Rule => logic("or", rules);
/** In order, up to the first that does not pass: its Error, or false. */
export const chain = (...rules: Rule[]): Rule => logic("chain", rules);
/** In order, up to the first that passes; if none does, graphql-shield 7.6.5 answers the last Error among them, else false. */
export const race = (...rules: Rule[]): Rule => logic("race", rules);

/** Passes when `inner` does not (false or an Error); when it passes: `error`, else false. */
export function not(inner: Rule, error?: string | Error): Rule {
  if (!isRule(inner)) throw new TypeError("not(): the argument is not a permission rule");
  if (error !== undefined && typeof error !== "string" && !(error instanceof Error))
    throw new TypeError("not(): the error must be a string or an Error");
  return new NotRule(inner, typeof error === "string" ? new Error(error) : error);
}

/** Type → field (or "*") → rule, or a rule for a whole type. */
export type FieldRules = Readonly<Record<string, Rule>>;
export type RuleMap = Readonly<Record<string, Rule | FieldRules>>;

/**
 * graphql-shield's fallbackError as a function: called when a rule answers false, with null
 * (resolver errors pass unchanged: allowExternalErrors), and what it returns is the answer.
 */
export type FallbackError = (
  thrown: unknown,
  parent: unknown,
  args: Args,
  ctx: Context,
  info: GraphQLResolveInfo,
) => Error;

/** graphql-shield's options, as far as both engines support them. */
export interface PermissionOptions {
  /** The rule of every field the map does not name. @default allow (as graphql-shield) */
  readonly fallbackRule?: Rule;
  /** What a rule answering false gives. @default new Error("Not Authorised!") (as graphql-shield) */
  readonly fallbackError?: string | Error | FallbackError;
  /** Resolver errors reach the client as they are. Only `true` is supported. */
  readonly allowExternalErrors: true;
}

const OPTION_KEYS: readonly string[] = ["fallbackRule", "fallbackError", "allowExternalErrors"];

/** Refuses options the compiled layer does not implement (debug, hashFunction, masking resolver errors). */
export function checkOptions(options: PermissionOptions): void {
  const unknown = Object.keys(options).filter((k) => !OPTION_KEYS.includes(k));
  if (unknown.length)
    throw new TypeError(`Permission options not supported: ${unknown.join(", ")}`);
  if (options.allowExternalErrors !== true)
    throw new TypeError(
      "Permission options: allowExternalErrors must be true (resolver errors carry public codes)",
    );
  if (options.fallbackRule !== undefined && !isRule(options.fallbackRule))
    throw new TypeError("Permission options: fallbackRule is not a permission rule");
  const fe = options.fallbackError;
  if (
    fe !== undefined &&
    typeof fe !== "string" &&
    typeof fe !== "function" &&
    !(fe instanceof Error)
  )
    throw new TypeError(
      "Permission options: fallbackError must be a string, an Error or a function",
    );
}

type ShieldRule = Parameters<typeof shieldApi.and>[number];
type ShieldOptions = NonNullable<Parameters<typeof shieldApi.shield>[1]>;

/** The same rule built with graphql-shield's public constructors (one shield rule per leaf). */
export function toShieldRule(rule: Rule, leaves = new Map<LeafRule, ShieldRule>()): ShieldRule {
  if (rule instanceof LeafRule) {
    let made = leaves.get(rule);
    if (!made) {
      const check = rule.check;
      made = shieldApi.rule(rule.name, { cache: rule.cache })((parent, args, ctx) =>
        check(ctx as Context, parent, args as Args),
      );
      leaves.set(rule, made);
    }
    return made;
  }
  if (rule instanceof ConstRule) return rule.kind === "allow" ? shieldApi.allow : shieldApi.deny;
  if (rule instanceof NotRule) return shieldApi.not(toShieldRule(rule.rule, leaves), rule.error);
  if (rule instanceof LogicRule) {
    const parts = rule.rules.map((x) => toShieldRule(x, leaves));
    return shieldApi[rule.kind](...parts);
  }
  throw new TypeError("not a permission rule");
}

/** The map and options for `shield(...)`: graphql-shield's own engine over the same rules. */
export function toShield(
  map: RuleMap | Rule,
  options: PermissionOptions,
): { rules: IRules; options: ShieldOptions } {
  const leaves = new Map<LeafRule, ShieldRule>();
  const rules: IRules = isRule(map)
    ? toShieldRule(map, leaves)
    : Object.fromEntries(
        Object.entries(map).map(([type, entry]) => [
          type,
          isRule(entry)
            ? toShieldRule(entry, leaves)
            : Object.fromEntries(
                Object.entries(entry).map(([f, r]) => [f, toShieldRule(r, leaves)]),
              ),
        ]),
      );
  return {
    rules,
    options: {
      allowExternalErrors: options.allowExternalErrors,
      ...(options.fallbackRule ? { fallbackRule: toShieldRule(options.fallbackRule, leaves) } : {}),
      ...(options.fallbackError !== undefined
        ? { fallbackError: options.fallbackError as ShieldOptions["fallbackError"] }
        : {}),
    },
  };
}

/** A rule as one line: `and(canReadFile, isAdmin)`, `not(isAdmin, "…")`. */
export function describeRule(rule: Rule): string {
  if (rule instanceof LeafRule) return rule.name;
  if (rule instanceof ConstRule) return rule.kind;
  if (rule instanceof NotRule)
    return rule.error
      ? `not(${describeRule(rule.rule)}, ${JSON.stringify(rule.error.message)})`
      : `not(${describeRule(rule.rule)})`;
  return `${rule.kind}(${rule.rules.map(describeRule).join(", ")})`;
}

/** Every named rule inside `rule`, each once, in order of appearance. */
export function leavesOf(rule: Rule, out: LeafRule[] = []): LeafRule[] {
  if (rule instanceof LeafRule) {
    if (!out.includes(rule)) out.push(rule);
  } else if (rule instanceof NotRule) leavesOf(rule.rule, out);
  else if (rule instanceof LogicRule) for (const child of rule.rules) leavesOf(child, out);
  return out;
}
