/**
 * Evaluates a variable's `validation { condition = ... }` for a candidate value, so tests can
 * check what a validation accepts and rejects instead of how it is spelled.
 *
 * Supports exactly the subset of Terraform's expression language the conditions in
 * terraform/variables.tf use: literals, `var.<name>`, && || ! == != < <= > >=, parentheses,
 * tuples, `can(regex(...))`, `contains`, `endswith`, `floor`, `coalesce`, `length`,
 * `distinct` and `alltrue([for x in var.<name> : ...])`. The expression is rewritten into
 * JavaScript over a fixed set of helpers; anything else (an unknown function or identifier)
 * throws, so an unsupported condition fails the test instead of being guessed at.
 * Regex patterns are run by JavaScript's engine; they use only syntax that means the same in
 * RE2, Terraform's engine.
 */

type Value = unknown;

const helpers = {
  canRegex: (pattern: Value, s: Value): boolean =>
    typeof pattern === "string" && typeof s === "string" && new RegExp(pattern).test(s),
  contains: (list: Value, v: Value): boolean => Array.isArray(list) && list.includes(v),
  endswith: (s: Value, suffix: Value): boolean =>
    typeof s === "string" && typeof suffix === "string" && s.endsWith(suffix),
  floor: (n: Value): number => {
    if (typeof n !== "number") throw new Error(`floor of ${String(n)}`);
    return Math.floor(n);
  },
  coalesce: (...vs: Value[]): Value => vs.find((v) => v !== null && v !== undefined),
  length: (v: Value): number => {
    if (typeof v === "string" || Array.isArray(v)) return v.length;
    throw new Error(`length of ${String(v)}`);
  },
  distinct: (v: Value): Value[] => {
    if (!Array.isArray(v)) throw new Error(`distinct of ${String(v)}`);
    return [...new Set(v)];
  },
  alltrue: (list: Value, f: (x: Value) => boolean): boolean => {
    if (!Array.isArray(list)) throw new Error(`alltrue over ${String(list)}`);
    return list.every((x) => f(x) === true);
  },
};

type Helpers = typeof helpers;
type Compiled = (v: Value, h: Helpers) => unknown;
const cache = new Map<string, Compiled>();

const ALLOWED_IDENTIFIERS = new Set(["v", "h", "x", "null", "true", "false"]);

/** Index of the bracket closing the one at `open`, skipping string literals. */
function matching(js: string, open: number): number {
  let depth = 0;
  for (let i = open; i < js.length; i++) {
    const c = js[i];
    if (c === '"') {
      for (i++; i < js.length && js[i] !== '"'; i++) if (js[i] === "\\") i++;
    } else if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new Error(`unbalanced brackets in condition: ${js}`);
}

/** Replaces every `name(args)` call with `rewrite(args)`, innermost calls first. */
function rewriteCalls(js: string, name: string, rewrite: (args: string) => string): string {
  const re = new RegExp(`(?<![.\\w])${name}\\(`, "g");
  for (;;) {
    const calls = [...js.matchAll(re)];
    const last = calls[calls.length - 1];
    if (!last) return js;
    const open = (last.index ?? 0) + last[0].length - 1;
    const close = matching(js, open);
    js = js.slice(0, last.index) + rewrite(js.slice(open + 1, close)) + js.slice(close + 1);
  }
}

/** Rewrites the HCL condition into a JavaScript expression over `v` (the value) and `h`. */
export function translateCondition(condition: string, varName: string): string {
  let js = condition.trim();
  const wrapped = /^\$\{([\s\S]*)\}$/.exec(js);
  if (wrapped) js = (wrapped[1] as string).trim();

  // alltrue([for o in var.x : EXPR]) -> h.alltrue(var.x, (x) => EXPR with o renamed x)
  js = rewriteCalls(js, "alltrue", (args) => {
    const m =
      /^\s*\[\s*for\s+([A-Za-z_]\w*)\s+in\s+(var\.[A-Za-z_]\w*)\s*:\s*([\s\S]*?)\s*\]\s*$/.exec(
        args,
      );
    if (!m) throw new Error(`unsupported alltrue(${args})`);
    const [, item, list, body] = m as unknown as [string, string, string, string];
    return `h.alltrue(${list}, (x) => ${body.replace(new RegExp(`\\b${item}\\b`, "g"), "x")})`;
  });
  // can(regex(p, s)) -> h.canRegex(p, s); can() of anything else is not supported.
  js = rewriteCalls(js, "can", (args) => {
    const m = /^\s*regex\(([\s\S]*)\)\s*$/.exec(args);
    if (!m) throw new Error(`unsupported can(${args})`);
    return `h.canRegex(${m[1] as string})`;
  });
  js = js.replace(/(?<![.\w])(contains|endswith|floor|coalesce|length|distinct)\(/g, "h.$1(");
  js = js.replace(new RegExp(`\\bvar\\.${varName}\\b`, "g"), "v");
  js = js.replace(/([^=!<>])==(?!=)/g, "$1===").replace(/!=(?!=)/g, "!==");

  // Every identifier left outside string literals must be one we provide.
  const code = js.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  for (const m of code.matchAll(/[A-Za-z_$][\w$]*/g)) {
    const id = m[0];
    const before = code[(m.index ?? 0) - 1];
    if (before === ".") {
      if (id in helpers && code.slice((m.index ?? 0) - 2, m.index) === "h.") continue;
      throw new Error(`unsupported member .${id} in condition: ${condition}`);
    }
    if (!ALLOWED_IDENTIFIERS.has(id))
      throw new Error(`unsupported identifier "${id}" in condition: ${condition}`);
  }
  return js;
}

/** True when the condition accepts `value` for `var.<varName>`. */
export function evaluateCondition(condition: string, varName: string, value: Value): boolean {
  const key = `${varName}\u0000${condition}`;
  let fn = cache.get(key);
  if (!fn) {
    const js = translateCondition(condition, varName);
    fn = new Function("v", "h", `"use strict"; return (${js});`) as Compiled;
    cache.set(key, fn);
  }
  const result = fn(value, helpers);
  if (typeof result !== "boolean")
    throw new Error(`condition did not yield a boolean (${String(result)}): ${condition}`);
  return result;
}
