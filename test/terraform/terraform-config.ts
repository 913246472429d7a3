import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/**
 * Loads terraform/*.tf as data (no terraform binary needed) with @cdktf/hcl2json,
 * which turns HCL into Terraform's JSON syntax: every block becomes an array of objects,
 * literal values stay literal, and any expression becomes a "${...}" string
 * (`aws_s3_bucket.files.arn` -> "${aws_s3_bucket.files.arn}").
 */

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const TERRAFORM_DIR = path.join(REPO_ROOT, "terraform");

// Loaded through require so that the package's `/// <reference lib="dom" />` stays out of the
// project's type program.
type Hcl2JsonParse = (filename: string, contents: string) => Promise<unknown>;
const { parse } = createRequire(__filename)("@cdktf/hcl2json") as { parse: Hcl2JsonParse };

export type HclValue = string | number | boolean | null | HclValue[] | HclObject;
export interface HclObject {
  [key: string]: HclValue;
}

export interface TfFile {
  readonly name: string;
  readonly text: string;
  readonly json: HclObject;
}

export interface TerraformConfig {
  readonly files: readonly TfFile[];
  /** Keyed "type.name", e.g. "aws_s3_bucket.files". */
  readonly resources: ReadonlyMap<string, HclObject>;
  /** Keyed "type.name", e.g. "aws_iam_policy_document.api". */
  readonly data: ReadonlyMap<string, HclObject>;
  readonly variables: ReadonlyMap<string, HclObject>;
  readonly outputs: ReadonlyMap<string, HclObject>;
  readonly locals: ReadonlyMap<string, HclValue>;
  readonly providers: ReadonlyMap<string, readonly HclObject[]>;
  readonly terraformBlocks: readonly HclObject[];
}

export function isObject(v: HclValue | undefined): v is HclObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Parses one file's text; exported so tests can prove the parser rejects broken HCL. */
export async function parseHcl(filename: string, text: string): Promise<HclObject> {
  const json = (await parse(filename, text)) as HclValue;
  if (!isObject(json)) throw new Error(`${filename}: hcl2json returned ${typeof json}`);
  return json;
}

export function listTfFiles(dir = TERRAFORM_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".tf"))
    .sort();
}

function addUnique<T>(map: Map<string, T>, key: string, value: T, file: string): void {
  if (map.has(key)) throw new Error(`${file}: ${key} is declared twice`);
  map.set(key, value);
}

/** `{ name: [ {...} ] }` -> the single block, as Terraform requires for resources and the like. */
function singleBlock(v: HclValue | undefined, what: string): HclObject {
  if (!Array.isArray(v) || v.length !== 1 || !isObject(v[0]))
    throw new Error(`${what}: expected exactly one block, got ${JSON.stringify(v)}`);
  return v[0];
}

export async function loadTerraform(dir = TERRAFORM_DIR): Promise<TerraformConfig> {
  const files: TfFile[] = [];
  const resources = new Map<string, HclObject>();
  const data = new Map<string, HclObject>();
  const variables = new Map<string, HclObject>();
  const outputs = new Map<string, HclObject>();
  const locals = new Map<string, HclValue>();
  const providers = new Map<string, HclObject[]>();
  const terraformBlocks: HclObject[] = [];

  for (const name of listTfFiles(dir)) {
    const text = readFileSync(path.join(dir, name), "utf8");
    const json = await parseHcl(name, text);
    files.push({ name, text, json });

    for (const [kind, target] of [
      ["resource", resources],
      ["data", data],
    ] as const) {
      const byType = json[kind];
      if (byType === undefined) continue;
      if (!isObject(byType)) throw new Error(`${name}: unexpected ${kind} shape`);
      for (const [type, byName] of Object.entries(byType)) {
        if (!isObject(byName)) throw new Error(`${name}: unexpected ${kind} ${type} shape`);
        for (const [label, blocks] of Object.entries(byName))
          addUnique(
            target,
            `${type}.${label}`,
            singleBlock(blocks, `${kind} ${type}.${label}`),
            name,
          );
      }
    }
    for (const [kind, target] of [
      ["variable", variables],
      ["output", outputs],
    ] as const) {
      const byName = json[kind];
      if (byName === undefined) continue;
      if (!isObject(byName)) throw new Error(`${name}: unexpected ${kind} shape`);
      for (const [label, blocks] of Object.entries(byName))
        addUnique(target, label, singleBlock(blocks, `${kind} ${label}`), name);
    }
    const localBlocks = json.locals;
    if (Array.isArray(localBlocks))
      for (const block of localBlocks)
        if (isObject(block))
          for (const [key, value] of Object.entries(block)) addUnique(locals, key, value, name);
    const providerBlocks = json.provider;
    if (isObject(providerBlocks))
      for (const [provider, blocks] of Object.entries(providerBlocks))
        if (Array.isArray(blocks)) providers.set(provider, blocks.filter(isObject));
    const tf = json.terraform;
    if (Array.isArray(tf)) terraformBlocks.push(...tf.filter(isObject));
  }
  return { files, resources, data, variables, outputs, locals, providers, terraformBlocks };
}

let cached: Promise<TerraformConfig> | undefined;
/** The repository's terraform/ configuration, parsed once per test file. */
export function terraform(): Promise<TerraformConfig> {
  cached ??= loadTerraform();
  return cached;
}

// ---------------------------------------------------------------------------------------
// Accessors that fail with a message naming what is missing
// ---------------------------------------------------------------------------------------

export function resource(cfg: TerraformConfig, address: string): HclObject {
  const r = cfg.resources.get(address);
  if (!r) throw new Error(`resource ${address} is not declared in terraform/`);
  return r;
}

export function dataSource(cfg: TerraformConfig, address: string): HclObject {
  const d = cfg.data.get(address);
  if (!d) throw new Error(`data ${address} is not declared in terraform/`);
  return d;
}

export function variable(cfg: TerraformConfig, name: string): HclObject {
  const v = cfg.variables.get(name);
  if (!v) throw new Error(`variable "${name}" is not declared in terraform/`);
  return v;
}

export function output(cfg: TerraformConfig, name: string): HclObject {
  const o = cfg.outputs.get(name);
  if (!o) throw new Error(`output "${name}" is not declared in terraform/`);
  return o;
}

export function resourcesOfType(cfg: TerraformConfig, type: string): [string, HclObject][] {
  return [...cfg.resources].filter(([address]) => address.startsWith(`${type}.`));
}

/** Nested blocks (`rule { ... }`) under `key`; [] when there are none. */
export function blocks(obj: HclObject, key: string): HclObject[] {
  const v = obj[key];
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new Error(`${key}: expected blocks, got ${JSON.stringify(v)}`);
  return v.filter(isObject);
}

/** The one nested block under `key`. */
export function block(obj: HclObject, key: string): HclObject {
  const all = blocks(obj, key);
  if (all.length !== 1) throw new Error(`${key}: expected one block, found ${all.length}`);
  return all[0] as HclObject;
}

/** A literal list of strings: fails for a computed expression (whose items cannot be checked). */
export function stringList(obj: HclObject, key: string): string[] {
  const v = obj[key];
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === "string"))
    throw new Error(`${key}: expected a literal list of strings, got ${JSON.stringify(v)}`);
  return v;
}

export function str(obj: HclObject, key: string): string {
  const v = obj[key];
  if (typeof v !== "string") throw new Error(`${key}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}

/** The expression inside a pure "${...}" string, or undefined for a literal. */
export function expressionOf(v: HclValue | undefined): string | undefined {
  if (typeof v !== "string") return undefined;
  const m = /^\$\{([\s\S]*)\}$/.exec(v);
  return m?.[1];
}

/** Every value in a (possibly nested) HCL structure, flattened: for "no X anywhere" checks. */
export function allStrings(v: HclValue | undefined): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.flatMap(allStrings);
  if (isObject(v)) return Object.values(v).flatMap(allStrings);
  return [];
}

/** The `dynamic "<key>"` blocks of `obj`: each one's for_each expression and content. */
export function dynamicBlocks(
  obj: HclObject,
  key: string,
): { forEach: string; content: HclObject }[] {
  const dyn = obj.dynamic;
  if (dyn === undefined) return [];
  if (!isObject(dyn)) throw new Error(`dynamic: unexpected shape ${JSON.stringify(dyn)}`);
  return blocks(dyn, key).map((d) => ({
    forEach: str(d, "for_each"),
    content: block(d, "content"),
  }));
}

/** Static `key` blocks plus the contents of `dynamic "key"` blocks: for "every X" checks. */
export function allBlocks(obj: HclObject, key: string): HclObject[] {
  return [...blocks(obj, key), ...dynamicBlocks(obj, key).map((d) => d.content)];
}
