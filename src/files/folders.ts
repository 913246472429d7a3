import type { Folder } from "../policy.js";
import { GENERAL_FOLDER } from "../policy.js";
import { GENERAL_ROOT, customerPrefix, folderOfFileId } from "./keys.js";

/** The folders of the policy as the bucket has them: which folder a key, id or file is in. */

/**
 * The folder of a parsed key or a file record; null when the value does not say one clearly (a
 * malformed record is in no folder, so no rule can read it as GENERAL by default).
 */
export function folderOf(value: unknown): Folder | null {
  if (!value || typeof value !== "object") return null;
  const { scope, customerId } = value as { scope?: unknown; customerId?: unknown };
  if (scope === "GENERAL" && customerId == null) return GENERAL_FOLDER;
  // A key or record of a customer's folder has the shape of its Folder: used as it is (this runs
  // for every field of every File a response carries).
  if (scope === "CUSTOMER" && typeof customerId === "string" && customerId !== "")
    return value as Folder;
  return null;
}

/**
 * The folder a file id names, or null when it is not a file id. The id's MAC is not checked: this
 * is for rules deciding who may ask; the services accept only ids this server issued.
 */
export function folderNamedBy(id: unknown): Folder | null {
  return typeof id === "string" ? folderOf(folderOfFileId(id)) : null;
}

/** The key prefix of a folder: `general/` or `customers/{id}/`. */
export function prefixOf(folder: Folder): string {
  return folder.scope === "GENERAL" ? GENERAL_ROOT : customerPrefix(folder.customerId);
}
