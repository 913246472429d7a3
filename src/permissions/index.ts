import { audit, outcomeOf } from "../audit.js";
import type { Context } from "../auth/context.js";
import { ForbiddenError, UnauthenticatedError } from "../errors.js";
import type { RefusalListener } from "./compile.js";
import type { PermissionOptions, RuleMap } from "./algebra.js";
import { allow, chain, deny } from "./algebra.js";
import {
  canDeleteFile,
  canListFolder,
  canLookUpCustomer,
  canLookUpFile,
  canManageCustomers,
  canReadFile,
  canSeeCustomer,
  canUploadTo,
  canUseOwnAccount,
  canWriteUpload,
  hasRole,
  isAdmin,
} from "./rules.js";

/**
 * Who may read and do what: every type and field of the schema, each rule a decision of
 * src/policy.ts (rules.ts says which). Start-up refuses a schema field missing here, and
 * docs/permissions.md shows this map with what each kind of actor gets (`npm run
 * docs:permissions`). Types reached only through a guarded field (a payload, an edge) are
 * `allow`ed: the field returning them is the gate. Services scope their S3 and Cognito queries
 * with the same policy functions; they decide nothing else.
 */
export const permissions: RuleMap = {
  Query: {
    me: canUseOwnAccount,
    customers: canManageCustomers,
    customer: chain(hasRole, canLookUpCustomer),
    files: chain(hasRole, canListFolder),
    file: chain(hasRole, canLookUpFile),
    uploadedParts: chain(hasRole, canWriteUpload),
  },
  Mutation: {
    signIn: allow,
    completeNewPassword: allow,
    completeMfaSignIn: allow,
    refreshTokens: allow,
    createCustomer: canManageCustomers,
    updateCustomer: canManageCustomers,
    resetCustomerPassword: canManageCustomers,
    deleteCustomer: canManageCustomers,
    requestUpload: chain(hasRole, canUploadTo),
    startMultipartUpload: chain(hasRole, canUploadTo),
    signUploadParts: chain(hasRole, canWriteUpload),
    completeMultipartUpload: chain(hasRole, canWriteUpload),
    abortMultipartUpload: chain(hasRole, canWriteUpload),
    deleteFile: chain(hasRole, canDeleteFile),
    // Account lifecycle: links and resets are public (the token or email is the credential);
    // the viewer's own account is theirs to manage, an admin still setting up MFA included.
    sendInvitation: canManageCustomers,
    setPasswordWithToken: allow,
    requestPasswordReset: allow,
    changePassword: canUseOwnAccount,
    signOutEverywhere: canUseOwnAccount,
    beginTotpSetup: canUseOwnAccount,
    confirmTotpSetup: canUseOwnAccount,
  },
  // Every field, the id included: admins, and the customer themself.
  Customer: { "*": canSeeCustomer },
  // Every File object is checked on its own: admins, GENERAL files, the viewer's own folder.
  File: { "*": canReadFile, uploadedBy: isAdmin, customer: isAdmin },
  CustomerConnection: { "*": allow },
  CustomerEdge: { "*": allow },
  PageInfo: { "*": allow },
  FileConnection: { "*": allow },
  FileEdge: { "*": allow },
  UploadTicket: { "*": allow },
  HttpHeader: { "*": allow },
  MultipartUpload: { "*": allow },
  UploadPart: { "*": allow },
  UploadedPart: { "*": allow },
  CreateCustomerPayload: { "*": allow },
  ResetCustomerPasswordPayload: { "*": allow },
  // Returned by `me` only, to the viewer themself.
  Viewer: { "*": allow },
  AuthTokens: { "*": allow },
  NewPasswordRequired: { "*": allow },
  MfaRequired: { "*": allow },
  Invitation: { "*": allow },
  TotpSetup: { "*": allow },
};

/**
 * graphql-shield's options for this map, the same for the compiled layer and the reference:
 * deny what the map does not name; a rule answering false is UNAUTHENTICATED without a token,
 * FORBIDDEN with one; resolver errors keep their public codes.
 */
export const permissionOptions: PermissionOptions = {
  fallbackRule: deny,
  fallbackError: (_thrown, _parent, _args, ctx) =>
    ctx?.viewer ? new ForbiddenError() : new UnauthenticatedError(),
  allowExternalErrors: true,
};

/**
 * Mutations audited on every call, refusals included: what only admins may do, and uploads. The
 * services write the line of a call that reaches them (`audited`); `auditRefusal` writes it for
 * a call this layer refuses, so each call has exactly one.
 */
export const AUDITED_MUTATIONS: ReadonlySet<string> = new Set([
  "createCustomer",
  "updateCustomer",
  "resetCustomerPassword",
  "deleteCustomer",
  "sendInvitation",
  "deleteFile",
  "requestUpload",
  "startMultipartUpload",
  "completeMultipartUpload",
  "abortMultipartUpload",
]);

/** The id an audited mutation names, for the audit line of its refusal. */
function targetOf(args: Record<string, unknown>): string {
  const input = args.input as { customerId?: unknown; scope?: unknown } | undefined;
  for (const value of [args.id, args.fileId, args.customerId, input?.customerId, input?.scope])
    if (typeof value === "string") return value;
  return "-";
}

/** The audit line of an audited mutation the permission layer refused. */
export const auditRefusal: RefusalListener = (ctx: Context, info, args, error) => {
  if (!AUDITED_MUTATIONS.has(info.fieldName)) return;
  audit(ctx.log, { action: info.fieldName, target: targetOf(args), outcome: outcomeOf(error) });
};
