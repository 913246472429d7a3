import { randomBytes } from "node:crypto";

/** Lowercase letters and digits, inner single dashes, 3–63 characters. */
const CUSTOMER_ID_RE = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){1,61}[a-z0-9]$/;

export function isCustomerId(value: unknown): value is string {
  return typeof value === "string" && CUSTOMER_ID_RE.test(value);
}

/**
 * A readable, collision-safe id from a display name: "Acme Corp." → "acme-corp-7k2m9q".
 * Six base-36 random characters (~31 bits) make a clash unlikely; Cognito's unique usernames
 * make it impossible, and the caller retries on a clash.
 */
export function generateCustomerId(name: string): string {
  const base = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/g, "");
  const suffix = Array.from(
    randomBytes(6),
    (b) => "abcdefghijklmnopqrstuvwxyz0123456789"[b % 36],
  ).join("");
  return base.length >= 2 ? `${base}-${suffix}` : `customer-${suffix}`;
}
