import type { Identity } from "../auth/identity.js";
import { folderOf, folderNamedBy } from "../files/folders.js";
import { AppError, NotFoundError, UnauthenticatedError } from "../errors.js";
import type { Context } from "../auth/context.js";
import type { Folder } from "../policy.js";
import * as policy from "../policy.js";
import { rule } from "./algebra.js";
import type { RuleResult } from "./algebra.js";

/**
 * Named rules: each applies one decision of src/policy.ts to what a field has at hand (the viewer,
 * the parent object, the arguments). The map in index.ts says where each applies. Anonymous
 * requests get UNAUTHENTICATED from every rule; a rule answering false gets FORBIDDEN (the
 * fallbackError in index.ts).
 */

/**
 * `decide(viewer, subject)` for a signed-in viewer, UNAUTHENTICATED without one; an admin refused
 * only because their authenticator app is not set up yet is told so. Callers pass functions defined
 * once, not closures: the object rules run for every field of every object of a response.
 */
function signedIn<X>(
  ctx: Context,
  decide: (viewer: Identity, subject: X) => RuleResult,
  subject: X,
): RuleResult {
  const viewer = ctx.viewer;
  if (!viewer) return new UnauthenticatedError();
  const res = decide(viewer, subject);
  return res === false && policy.awaitsMfaSetup(viewer) ? MFA_SETUP_REQUIRED : res;
}

const MFA_SETUP_REQUIRED = new AppError(
  "FORBIDDEN",
  "Set up an authenticator app first (beginTotpSetup, then confirmTotpSetup): admins need one here",
  { reason: "MFA_SETUP_REQUIRED" },
);

/** For rules decoding a folder from an argument: one that names none is left to the resolver. */
function onFolder(
  decide: (viewer: Identity, folder: Folder) => RuleResult,
): (viewer: Identity, folder: Folder | null) => RuleResult {
  return (viewer, folder) => (folder ? decide(viewer, folder) : policy.hasRole(viewer));
}

const readsFile = (viewer: Identity, parent: unknown): boolean => {
  const folder = folderOf(parent);
  return folder !== null && policy.canReadFolder(viewer, folder);
};
const seesCustomer = (viewer: Identity, parent: unknown): boolean =>
  policy.canSeeCustomer(viewer, (parent as { id?: unknown } | null)?.id);
const looksUpCustomer = (viewer: Identity, id: unknown): RuleResult =>
  policy.canSeeCustomer(viewer, id) || new NotFoundError("No such customer");
const looksUpFile = onFolder(
  (viewer, folder) => policy.canReadFolder(viewer, folder) || new NotFoundError("No such file"),
);
const listsFolder = onFolder(policy.canReadFolder);
const writesFolder = onFolder(policy.canWriteFolder);
const uploadsTo = (viewer: Identity, input: unknown): boolean => {
  const folder = policy.uploadFolder(
    viewer,
    (input ?? {}) as Parameters<typeof policy.uploadFolder>[1],
  );
  return folder ? policy.canWriteFolder(viewer, folder) : policy.hasRole(viewer);
};
const deletesIn = (viewer: Identity, folder: Folder | null): boolean =>
  folder ? policy.canDeleteFrom(viewer, folder) : policy.canDeleteFiles(viewer);

export const hasRole = rule(
  "hasRole",
  { cache: "contextual", description: "signed in as an admin or a customer" },
  (ctx) => signedIn(ctx, policy.hasRole, null),
);

export const canUseOwnAccount = rule(
  "canUseOwnAccount",
  { cache: "contextual", description: "signed in, with a role: the viewer's own account" },
  (ctx) => signedIn(ctx, policy.canUseOwnAccount, null),
);

export const isAdmin = rule(
  "isAdmin",
  { cache: "contextual", description: "signed in as an admin" },
  (ctx) => signedIn(ctx, policy.isAdmin, null),
);

export const canManageCustomers = rule(
  "canManageCustomers",
  { cache: "contextual", description: "admins: list, create, update and reset customers" },
  (ctx) => signedIn(ctx, policy.canManageCustomers, null),
);

export const canSeeCustomer = rule(
  "canSeeCustomer",
  {
    cache: "strict",
    description: "the Customer object is the viewer themself, or the viewer is an admin",
  },
  (ctx, parent) => signedIn(ctx, seesCustomer, parent),
);

export const canLookUpCustomer = rule(
  "canLookUpCustomer",
  {
    description:
      "`id` is the viewer's own customer id, or the viewer is an admin; any other id is answered as missing (NOT_FOUND)",
  },
  (ctx, _parent, args) => signedIn(ctx, looksUpCustomer, args.id),
);

export const canReadFile = rule(
  "canReadFile",
  {
    cache: "strict",
    description:
      "the File object is in a folder the viewer may read: admins any, customers GENERAL and their own",
  },
  (ctx, parent) => signedIn(ctx, readsFile, parent),
);

export const canLookUpFile = rule(
  "canLookUpFile",
  {
    description:
      "the folder `id` names is one the viewer may read; another folder is answered as missing (NOT_FOUND)",
  },
  (ctx, _parent, args) => signedIn(ctx, looksUpFile, folderNamedBy(args.id)),
);

export const canListFolder = rule(
  "canListFolder",
  { description: "`customerId`, when given, names a folder the viewer may read" },
  (ctx, _parent, args) =>
    signedIn(
      ctx,
      listsFolder,
      args.customerId == null ? null : policy.customerFolder(String(args.customerId)),
    ),
);

export const canUploadTo = rule(
  "canUploadTo",
  {
    description:
      "the folder `input` names (a customer's own when it names none) is one the viewer may write: admins any, customers their own",
  },
  (ctx, _parent, args) => signedIn(ctx, uploadsTo, args.input),
);

export const canWriteUpload = rule(
  "canWriteUpload",
  { description: "the folder `fileId` names is one the viewer may write" },
  (ctx, _parent, args) => signedIn(ctx, writesFolder, folderNamedBy(args.fileId)),
);

export const canDeleteFile = rule(
  "canDeleteFile",
  { description: "admins, in the folder `id` names; customers never" },
  (ctx, _parent, args) => signedIn(ctx, deletesIn, folderNamedBy(args.id)),
);
