import type { Actor } from "./world.js";
import { ACTORS } from "./world.js";

/**
 * THE authorization matrix: every query, mutation and object field of schema.graphql → what each
 * actor gets. A field with no row here fails the suite (matrix.test.ts), so new schema cannot ship
 * unjudged.
 *
 * Outcomes: "allow" (the field resolves), "null" (the object is answered as null: it does not
 * exist for this actor), or the refusal code.
 * Columns, in order: anonymous, admin, customerSelf, customerOther (a customer acting on another
 * customer's resources), disabled (a customer disabled after signing in, token still valid),
 * noGroup (signed in, in neither group), bothGroups (in Admins and Customers: Admins wins).
 */
export type Outcome = "allow" | "null" | "UNAUTHENTICATED" | "FORBIDDEN";

const CODES: Record<string, Outcome> = {
  A: "allow",
  N: "null",
  U: "UNAUTHENTICATED",
  F: "FORBIDDEN",
};

function row(spec: string): Readonly<Record<Actor, Outcome>> {
  const cells = spec.trim().split(/\s+/);
  if (cells.length !== ACTORS.length) throw new Error(`Matrix row "${spec}" needs 7 cells`);
  return Object.fromEntries(ACTORS.map((a, i) => [a, CODES[cells[i] as string]])) as Record<
    Actor,
    Outcome
  >;
}

//                          anon admin self other disabled noGroup both
/** Sign-in flows: anyone, except a request carrying a disabled user's token. */
const PUBLIC = row("        A    A     A    A     U        A       A");
/** The viewer's own account. */
const SELF = row("          U    A     A    A     U        F       A");
/** Administration. */
const ADMIN = row("         U    A     F    F     U        F       A");
/** Lookups by id: another tenant's thing is answered as if it did not exist. */
const BY_ID = row("         U    A     A    N     U        F       A");
/** Admin-only fields of objects a customer may otherwise read. */
const BY_ID_ADMIN = row("   U    A     F    N     U        F       A");
/** Folder-scoped listings and uploads: another tenant's folder is refused. */
const SCOPED = row("        U    A     A    F     U        F       A");

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
