import type { RuleTree } from "./compile.js";
import { allow, hasRole, isAdmin, isAdminOrSelf, isPublic, isSignedIn } from "./rules.js";

/**
 * Who may read what: every type and field of the schema has an explicit entry (a "*" entry
 * covers a whole type). Start-up refuses a schema with a field missing here, and a test says
 * which. Object types reached only through a guarded field (a payload, an edge) are `allow`ed:
 * the field that returns them is the gate.
 */
export const permissions: RuleTree = {
  Query: {
    // Also for an admin who still has to set up MFA (the one thing they may do).
    me: isSignedIn,
    customers: isAdmin,
    // Customers may ask; the resolver answers null for anyone but themself.
    customer: hasRole,
    // The service scopes both to the viewer's folders; a customer's file(id) of another tenant is null.
    files: hasRole,
    file: hasRole,
    // Multipart steps re-check the file id's folder against the viewer in the service.
    uploadedParts: hasRole,
  },
  Mutation: {
    signIn: isPublic,
    completeNewPassword: isPublic,
    completeMfaSignIn: isPublic,
    refreshTokens: isPublic,
    createCustomer: isAdmin,
    updateCustomer: isAdmin,
    resetCustomerPassword: isAdmin,
    deleteCustomer: isAdmin,
    // Customers: their own folder only (checked in the service, where the folder is known).
    requestUpload: hasRole,
    deleteFile: isAdmin,
    // Same rule as requestUpload; every later step re-checks the file id's folder in the service.
    startMultipartUpload: hasRole,
    signUploadParts: hasRole,
    completeMultipartUpload: hasRole,
    abortMultipartUpload: hasRole,
    // Account lifecycle: links and resets are public (the token or email is the credential);
    // the viewer's own account needs a signed-in viewer.
    sendInvitation: isAdmin,
    setPasswordWithToken: isPublic,
    requestPasswordReset: isPublic,
    changePassword: isSignedIn,
    signOutEverywhere: isSignedIn,
    beginTotpSetup: isSignedIn,
    confirmTotpSetup: isSignedIn,
  },
  // Every field, the id included, is for admins and the customer themself.
  Customer: { "*": isAdminOrSelf },
  CustomerConnection: { "*": allow },
  CustomerEdge: { "*": allow },
  PageInfo: { "*": allow },
  // Files reach a viewer only through queries already scoped to the folders they may read.
  File: {
    id: allow,
    name: allow,
    scope: allow,
    customerId: allow,
    size: allow,
    lastModified: allow,
    contentType: allow,
    downloadUrl: allow,
    uploadedBy: isAdmin,
    customer: isAdmin,
  },
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
