import { rule } from "graphql-shield";
import type { Context } from "../graphql/context.js";

/**
 * A permission check that answers synchronously: true (allowed), false (refused with the
 * default code) or an Error to return as it is.
 */
export type Check = (
  ctx: Context,
  parent: unknown,
  args: Record<string, unknown>,
) => boolean | Error;

type ShieldRule = ReturnType<ReturnType<typeof rule>>;

const checks = new WeakMap<object, Check>();

/**
 * Declares a named graphql-shield rule whose body is the synchronous `check`. The rule is a real
 * graphql-shield `Rule` (so the map also runs under graphql-shield's own engine, which the tests
 * use as the reference); `compileRule` reads the check back to evaluate it without a promise per
 * field.
 */
export function predicate(name: string, check: Check): ShieldRule {
  const r = rule(name, { cache: "no_cache" })((parent, args, ctx) =>
    check(ctx as Context, parent, args as Record<string, unknown>),
  );
  checks.set(r, check);
  return r;
}

export function checkOf(r: object): Check | undefined {
  return checks.get(r);
}
