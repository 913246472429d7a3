import { randomBytes } from "node:crypto";
import { isCustomerId } from "../customers/customer-id.js";
import type { Sealer } from "../common/sealer.js";
import { BadUserInputError } from "../errors.js";

/**
 * S3 keys are built here and nowhere else:
 *
 *   customers/{customerId}/{stamp}/{name}     general/{stamp}/{name}
 *
 * `stamp` is 13 digits of (MAX_MS − upload time in ms) followed by 8 random hex characters, so
 * ListObjectsV2 — which returns keys in ascending order — lists the newest upload first and a
 * page costs one list call per prefix whatever the folder's size. The random part keeps two
 * uploads of one name in the same millisecond apart (never an overwrite).
 *
 * `name` is the original file name, cleaned (see `cleanFileName`), so listings need no extra
 * request to show names.
 */
export const CUSTOMERS_ROOT = "customers/";
export const GENERAL_ROOT = "general/";
const MAX_MS = 9_999_999_999_999;
const STAMP_RE = /^\d{13}-[0-9a-f]{8}$/;
export const MAX_NAME_BYTES = 255;
const MAX_KEY_BYTES = 1024;

export type Scope = "CUSTOMER" | "GENERAL";

export function customerPrefix(customerId: string): string {
  if (!isCustomerId(customerId)) throw new Error(`not a customer id: ${customerId}`);
  return `${CUSTOMERS_ROOT}${customerId}/`;
}

export function newStamp(now = Date.now()): string {
  return `${String(MAX_MS - now).padStart(13, "0")}-${randomBytes(4).toString("hex")}`;
}

/** Upload time encoded in a stamp (ms since the epoch), or null for a key without one. */
export function stampTime(stamp: string): number | null {
  return STAMP_RE.test(stamp) ? MAX_MS - Number(stamp.slice(0, 13)) : null;
}

/**
 * The name people see and download under: Unicode NFC, the last path part only (both / and \),
 * no control characters, trimmed, at most 255 UTF-8 bytes. Empty, "." and ".." are refused.
 */
export function cleanFileName(input: string): string {
  const lastPart = input.normalize("NFC").split(/[/\\]/).pop() ?? "";
  // Control characters (C0, DEL, C1) and Unicode line/paragraph separators and bidi overrides.
  const name = lastPart
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, "")
    .trim();
  if (name === "" || name === "." || name === "..")
    throw new BadUserInputError(
      "'filename' is empty once path parts and control characters are removed",
      "filename",
    );
  if (Buffer.byteLength(name, "utf8") > MAX_NAME_BYTES)
    throw new BadUserInputError(
      `'filename' is longer than ${MAX_NAME_BYTES} bytes (UTF-8)`,
      "filename",
    );
  return name;
}

export function buildKey(
  scope: Scope,
  customerId: string | null,
  name: string,
  now = Date.now(),
): string {
  const prefix = scope === "GENERAL" ? GENERAL_ROOT : customerPrefix(customerId ?? "");
  return `${prefix}${newStamp(now)}/${cleanFileName(name)}`;
}

/** What a key says about the file it holds. */
export interface ParsedKey {
  readonly key: string;
  readonly scope: Scope;
  readonly customerId: string | null;
  /** The folder the key lives in: `customers/{id}/` or `general/`. */
  readonly prefix: string;
  /** Display name: the last path segment. */
  readonly name: string;
}

/**
 * Parses any key under the two roots, including objects put in the bucket by other means
 * (`general/manual.pdf`, `customers/acme/2024/report.pdf`). Returns null for anything that is
 * not a well-formed key there: empty, "." or ".." segments, a leading or doubled slash, control
 * characters, a bad customer id, or more than 1,024 bytes.
 */
export function parseKey(key: string): ParsedKey | null {
  if (key.length === 0 || Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES) return null;
  if (/[\u0000-\u001f\u007f]/.test(key) || key.includes("\\")) return null;
  const parts = key.split("/");
  if (parts.some((p) => p === "" || p === "." || p === "..")) return null;
  let customerId: string | null = null;
  let prefix: string;
  let rest: string[];
  if (parts[0] === "general" && parts.length >= 2) {
    prefix = GENERAL_ROOT;
    rest = parts.slice(1);
  } else if (parts[0] === "customers" && parts.length >= 3 && isCustomerId(parts[1])) {
    customerId = parts[1] ?? null;
    prefix = `${CUSTOMERS_ROOT}${customerId}/`;
    rest = parts.slice(2);
  } else {
    return null;
  }
  const name = rest[rest.length - 1] ?? "";
  return { key, scope: customerId === null ? "GENERAL" : "CUSTOMER", customerId, prefix, name };
}

/**
 * Opaque file ids: a version tag, the key in base64url and a MAC of both, so an id names exactly
 * the key this server issued it for. `folderOfFileId` reads the folder without the MAC, for
 * permission rules that only decide who may ask; `FileIds.parse` is what every use goes through.
 */
const ID_PREFIX = "f2_";
const ID_RE = /^f2_([A-Za-z0-9_-]{1,1400})\.([A-Za-z0-9_-]{22})$/;

/** The key an id claims to name (MAC not checked), or null when it is not in canonical form. */
export function folderOfFileId(id: string): ParsedKey | null {
  const match = ID_RE.exec(id);
  if (!match) return null;
  const key = Buffer.from(match[1] as string, "base64url").toString("utf8");
  // Canonical form only: one id per key (no padding variants, no invalid UTF-8 smuggled through).
  if (Buffer.from(key, "utf8").toString("base64url") !== match[1]) return null;
  return parseKey(key);
}

export class FileIds {
  constructor(private readonly sealer: Sealer) {}

  of(key: string): string {
    const body = ID_PREFIX + Buffer.from(key, "utf8").toString("base64url");
    return `${body}.${this.sealer.sign("file-id", body)}`;
  }

  /** The key an id names, or null when the id was not issued by this server or is malformed. */
  parse(id: string): ParsedKey | null {
    const dot = id.lastIndexOf(".");
    if (dot < 0 || !this.sealer.verify("file-id", id.slice(0, dot), id.slice(dot + 1))) return null;
    return folderOfFileId(id);
  }
}

/** RFC 6266 Content-Disposition for downloading under the original name. */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
