import type { Viewer } from "../auth/viewer.js";
import { folderOf, folderNamedBy } from "../files/folders.js";
import { NotFoundError, UnauthenticatedError } from "../errors.js";
import type { Context } from "../graphql/context.js";
import type { Folder } from "./policy.js";
import * as policy from "./policy.js";
import { rule } from "./algebra.js";
import type { RuleResult } from "./algebra.js";

/**
 * Named rules: each applies one decision of policy.ts to what a field has at hand (the viewer,
 * the parent object, the arguments). The map in index.ts says where each applies. Anonymous
 * requests get UNAUTHENTICATED from every rule; a rule answering false gets FORBIDDEN (the
 * fallbackError in index.ts).
 */

function signedIn(ctx: Context, decide: (viewer: Viewer) => RuleResult): RuleResult {
  return ctx.viewer ? decide(ctx.viewer) : new UnauthenticatedError();
}

/** Decides on the folder an argument names; an argument naming none is left to the resolver. */
function onFolder(
  ctx: Context,
  folder: Folder | null,
  decide: (viewer: Viewer, folder: Folder) => RuleResult,
): RuleResult {
  return signedIn(ctx, (v) => (folder ? decide(v, folder) : policy.hasRole(v)));
}

export const hasRole = rule(
  "hasRole",
  { cache: "contextual", description: "signed in as an admin or a customer" },
  (ctx) => signedIn(ctx, policy.hasRole),
);

export const canUseOwnAccount = rule(
  "canUseOwnAccount",
  { cache: "contextual", description: "signed in, with a role: the viewer's own account" },
  (ctx) => signedIn(ctx, policy.canUseOwnAccount),
);

export const isAdmin = rule(
  "isAdmin",
  { cache: "contextual", description: "signed in as an admin" },
  (ctx) => signedIn(ctx, policy.isAdmin),
);

export const canManageCustomers = rule(
  "canManageCustomers",
  { cache: "contextual", description: "admins: list, create, update and reset customers" },
  (ctx) => signedIn(ctx, policy.canManageCustomers),
);

export const canSeeCustomer = rule(
  "canSeeCustomer",
  { description: "the Customer object is the viewer themself, or the viewer is an admin" },
  (ctx, parent) =>
    signedIn(ctx, (v) => policy.canSeeCustomer(v, (parent as { id?: unknown } | null)?.id)),
);

export const canLookUpCustomer = rule(
  "canLookUpCustomer",
  {
    description:
      "`id` is the viewer's own customer id, or the viewer is an admin; any other id is answered as missing (NOT_FOUND)",
  },
  (ctx, _parent, args) =>
    signedIn(
      ctx,
      (v) => policy.canSeeCustomer(v, args.id) || new NotFoundError("No such customer"),
    ),
);

export const canReadFile = rule(
  "canReadFile",
  {
    description:
      "the File object is in a folder the viewer may read: admins any, customers GENERAL and their own",
  },
  (ctx, parent) =>
    signedIn(ctx, (v) => {
      const folder = folderOf(parent);
      return folder !== null && policy.canReadFolder(v, folder);
    }),
);

export const canLookUpFile = rule(
  "canLookUpFile",
  {
    description:
      "the folder `id` names is one the viewer may read; another folder is answered as missing (NOT_FOUND)",
  },
  (ctx, _parent, args) =>
    onFolder(
      ctx,
      folderNamedBy(args.id),
      (v, f) => policy.canReadFolder(v, f) || new NotFoundError("No such file"),
    ),
);

export const canListFolder = rule(
  "canListFolder",
  { description: "`customerId`, when given, names a folder the viewer may read" },
  (ctx, _parent, args) =>
    onFolder(
      ctx,
      args.customerId == null ? null : policy.customerFolder(String(args.customerId)),
      policy.canReadFolder,
    ),
);

export const canUploadTo = rule(
  "canUploadTo",
  {
    description:
      "the folder `input` names (a customer's own when it names none) is one the viewer may write: admins any, customers their own",
  },
  (ctx, _parent, args) =>
    signedIn(ctx, (v) => {
      const folder = policy.uploadFolder(
        v,
        (args.input ?? {}) as Parameters<typeof policy.uploadFolder>[1],
      );
      return folder ? policy.canWriteFolder(v, folder) : policy.hasRole(v);
    }),
);

export const canWriteUpload = rule(
  "canWriteUpload",
  { description: "the folder `fileId` names is one the viewer may write" },
  (ctx, _parent, args) => onFolder(ctx, folderNamedBy(args.fileId), policy.canWriteFolder),
);

export const canDeleteFile = rule(
  "canDeleteFile",
  { description: "admins, in the folder `id` names; customers never" },
  (ctx, _parent, args) => {
    const folder = folderNamedBy(args.id);
    return signedIn(ctx, (v) =>
      folder ? policy.canDeleteFrom(v, folder) : policy.canDeleteFiles(v),
    );
  },
);
