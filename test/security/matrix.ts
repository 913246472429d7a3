import type { Actor } from "./actors.js";
import { ACTORS } from "./actors.js";

/**
 * THE authorization matrix: every query, mutation and object field of schema.graphql → what each
 * actor gets. A field with no row fails the suite (matrix.test.ts), so new schema cannot ship
 * unjudged; docs/permissions.md shows it beside the rule map.
 *
 * Outcomes: "allow" (the field resolves), "NOT_FOUND" (answered as missing: the object is null,
 * with code NOT_FOUND, whether or not it exists), or the refusal code.
 * Columns, in order: anonymous, admin, customerSelf, customerOther (a customer acting on another
 * customer's resources), disabled / deleted (a customer disabled / deleted after signing in,
 * token still valid), invited (created by an admin, no password chosen: no token), noGroup
 * (signed in, in neither group), bothGroups (in Admins and Customers: Admins wins).
 * A row "Type.field@GENERAL" is the field reached on a GENERAL file, the same for every customer.
 */
export type Outcome = "allow" | "NOT_FOUND" | "UNAUTHENTICATED" | "FORBIDDEN";

const CODES: Record<string, Outcome> = {
  A: "allow",
  N: "NOT_FOUND",
  U: "UNAUTHENTICATED",
  F: "FORBIDDEN",
};

function row(spec: string): Readonly<Record<Actor, Outcome>> {
  const cells = spec.trim().split(/\s+/);
  if (cells.length !== ACTORS.length)
    throw new Error(`Matrix row "${spec}" needs ${ACTORS.length} cells`);
  return Object.fromEntries(ACTORS.map((a, i) => [a, CODES[cells[i] as string]])) as Record<
    Actor,
    Outcome
  >;
}

//                          anon admin self other disabled deleted invited noGroup both
/** Sign-in flows: anyone, except a request carrying a disabled or deleted user's token. */
const PUBLIC = row("        A    A     A    A     U        U       A       A       A");
/** The viewer's own account. */
const SELF = row("          U    A     A    A     U        U       U       F       A");
/** Administration. */
const ADMIN = row("         U    A     F    F     U        U       U       F       A");
/** Lookups by id: another tenant's thing is answered as missing. */
const BY_ID = row("         U    A     A    N     U        U       U       F       A");
/** Admin-only fields of objects a customer may otherwise read. */
const BY_ID_ADMIN = row("   U    A     F    N     U        U       U       F       A");
/** Folder-scoped listings and uploads: another tenant's folder is refused. */
const SCOPED = row("        U    A     A    F     U        U       U       F       A");
/** A GENERAL file: every customer reads it. */
const GENERAL = row("       U    A     A    A     U        U       U       F       A");

/** "Type.field" of a row ("File.name@GENERAL" → "File.name"), and its variant, if any. */
export function fieldOfRow(rowName: string): { field: string; variant: string | null } {
  const [field, variant] = rowName.split("@") as [string, string | undefined];
  return { field, variant: variant ?? null };
}

export const MATRIX: Readonly<Record<string, Readonly<Record<Actor, Outcome>>>> = {
  "Query.me": SELF,
  "Query.customers": ADMIN,
  "Query.customer": BY_ID,
  "Query.files": SCOPED,
  "Query.file": BY_ID,
  "Query.uploadedParts": SCOPED,

  "Mutation.signIn": PUBLIC,
  "Mutation.completeNewPassword": PUBLIC,
  "Mutation.completeMfaSignIn": PUBLIC,
  "Mutation.setPasswordWithToken": PUBLIC,
  "Mutation.requestPasswordReset": PUBLIC,
  "Mutation.sendInvitation": ADMIN,
  "Mutation.changePassword": SELF,
  "Mutation.signOutEverywhere": SELF,
  "Mutation.beginTotpSetup": SELF,
  "Mutation.confirmTotpSetup": SELF,
  "Mutation.refreshTokens": PUBLIC,
  "Mutation.createCustomer": ADMIN,
  "Mutation.updateCustomer": ADMIN,
  "Mutation.resetCustomerPassword": ADMIN,
  "Mutation.deleteCustomer": ADMIN,
  "Mutation.deleteFile": ADMIN,
  "Mutation.requestUpload": SCOPED,
  "Mutation.startMultipartUpload": SCOPED,
  "Mutation.signUploadParts": SCOPED,
  "Mutation.completeMultipartUpload": SCOPED,
  "Mutation.abortMultipartUpload": SCOPED,

  "Viewer.id": SELF,
  "Viewer.email": SELF,
  "Viewer.role": SELF,
  "Viewer.customer": SELF,
  "Viewer.mfaEnabled": SELF,

  "Customer.id": BY_ID,
  "Customer.name": BY_ID,
  "Customer.email": BY_ID,
  "Customer.status": BY_ID,
  "Customer.createdAt": BY_ID,
  "Customer.updatedAt": BY_ID,
  "Customer.files": BY_ID,
  "CustomerConnection.edges": ADMIN,
  "CustomerConnection.pageInfo": ADMIN,
  "CustomerEdge.cursor": ADMIN,
  "CustomerEdge.node": ADMIN,
  "CreateCustomerPayload.customer": ADMIN,
  "CreateCustomerPayload.temporaryPassword": ADMIN,
  "ResetCustomerPasswordPayload.customer": ADMIN,
  "ResetCustomerPasswordPayload.temporaryPassword": ADMIN,

  "File.id": BY_ID,
  "File.name": BY_ID,
  "File.scope": BY_ID,
  "File.customerId": BY_ID,
  "File.size": BY_ID,
  "File.lastModified": BY_ID,
  "File.contentType": BY_ID,
  "File.downloadUrl": BY_ID,
  "File.uploadedBy": BY_ID_ADMIN,
  "File.customer": BY_ID_ADMIN,
  "File.id@GENERAL": GENERAL,
  "File.name@GENERAL": GENERAL,
  "File.scope@GENERAL": GENERAL,
  "File.customerId@GENERAL": GENERAL,
  "File.size@GENERAL": GENERAL,
  "File.lastModified@GENERAL": GENERAL,
  "File.contentType@GENERAL": GENERAL,
  "File.downloadUrl@GENERAL": GENERAL,
  "File.uploadedBy@GENERAL": ADMIN,
  "File.customer@GENERAL": ADMIN,
  "FileConnection.edges": SCOPED,
  "FileConnection.pageInfo": SCOPED,
  "FileEdge.cursor": SCOPED,
  "FileEdge.node": SCOPED,
  "PageInfo.endCursor": SCOPED,
  "PageInfo.hasNextPage": SCOPED,

  "UploadTicket.fileId": SCOPED,
  "UploadTicket.method": SCOPED,
  "UploadTicket.url": SCOPED,
  "UploadTicket.headers": SCOPED,
  "UploadTicket.expiresAt": SCOPED,
  "HttpHeader.name": SCOPED,
  "HttpHeader.value": SCOPED,
  "MultipartUpload.fileId": SCOPED,
  "MultipartUpload.uploadId": SCOPED,
  "MultipartUpload.partSize": SCOPED,
  "MultipartUpload.partCount": SCOPED,
  "MultipartUpload.expiresAt": SCOPED,
  "UploadPart.partNumber": SCOPED,
  "UploadPart.url": SCOPED,
  "UploadPart.size": SCOPED,
  "UploadPart.headers": SCOPED,
  "UploadPart.expiresAt": SCOPED,
  "UploadedPart.partNumber": SCOPED,
  "UploadedPart.etag": SCOPED,
  "UploadedPart.size": SCOPED,

  "AuthTokens.accessToken": PUBLIC,
  "AuthTokens.idToken": PUBLIC,
  "AuthTokens.refreshToken": PUBLIC,
  "AuthTokens.expiresIn": PUBLIC,
  "NewPasswordRequired.session": PUBLIC,
  "MfaRequired.session": PUBLIC,
  "Invitation.customerId": ADMIN,
  "Invitation.sentTo": ADMIN,
  "Invitation.expiresAt": ADMIN,
  "TotpSetup.secret": SELF,
  "TotpSetup.otpauthUri": SELF,
};
