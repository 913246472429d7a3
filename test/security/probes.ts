import type { GraphQLSchema } from "graphql";
import { randomBytes } from "node:crypto";
import { getNamedType, isLeafType, isObjectType, isUnionType } from "graphql";
import { generateSync } from "otplib";
import { generatePassword } from "../../src/auth/admins.js";
import { nextMail } from "../helpers/mail.js";
import type { GqlResult } from "../helpers/app.js";
import { fieldOfRow } from "./matrix.js";
import type { Outcome } from "./matrix.js";
import type { Actor, World } from "./world.js";

/** One request that reaches a field as an actor, and where the field sits in the answer. */
export interface Probe {
  readonly query: string;
  readonly variables: Record<string, unknown>;
  /** Response keys from the root field down to the probed field. */
  readonly path: readonly string[];
  /**
   * The token to send instead of the actor's own (null: none), for probes that change the
   * caller's account: they act as a fresh account of the same kind.
   */
  readonly token?: string | null;
}

/** Builds the request reaching an object of one type, with `sel` selected on it. */
type Reach = (w: World, actor: Actor, sel: string) => Promise<Probe>;

const uploadInput = (customerId: string, size = 10) => ({
  filename: "notes.txt",
  contentType: "text/plain",
  size,
  customerId,
});

async function asAdmin<T>(w: World, query: string, variables: Record<string, unknown>) {
  const r = await w.t.exec<T>(query, variables, w.tokens.admin);
  if (!r.data) throw new Error(`setup failed: ${JSON.stringify(r.errors)}`);
  return r.data;
}

/** A multipart upload in progress in the customer's folder (started by the admin). */
async function upload(w: World, customerId: string, withPart: boolean) {
  const { startMultipartUpload: u } = await asAdmin<{
    startMultipartUpload: { fileId: string; uploadId: string };
  }>(
    w,
    `mutation($in: RequestUploadInput!) { startMultipartUpload(input: $in) { fileId uploadId } }`,
    { in: uploadInput(customerId) },
  );
  let etag: string | null = null;
  if (withPart) {
    const { signUploadParts: parts } = await asAdmin<{
      signUploadParts: { url: string; headers: { name: string; value: string }[] }[];
    }>(
      w,
      `mutation($f: ID!, $u: String!) { signUploadParts(fileId: $f, uploadId: $u, partNumbers: [1]) { url headers { name value } } }`,
      { f: u.fileId, u: u.uploadId },
    );
    const part = parts[0]!;
    const res = await fetch(part.url, {
      method: "PUT",
      headers: Object.fromEntries(part.headers.map((h) => [h.name, h.value])),
      body: "0123456789",
    });
    if (!res.ok) throw new Error(`part PUT failed: ${res.status}`);
    etag = res.headers.get("etag");
  }
  return { ...u, etag };
}

const REACH: Record<string, Reach> = {
  Viewer: async (_w, _a, sel) => ({ query: `{ me { ${sel} } }`, variables: {}, path: ["me"] }),
  Customer: async (w, a, sel) => ({
    query: `query($id: ID!) { customer(id: $id) { ${sel} } }`,
    variables: { id: w.target(a).id },
    path: ["customer"],
  }),
  CustomerConnection: async (_w, _a, sel) => ({
    query: `{ customers(first: 1) { ${sel} } }`,
    variables: {},
    path: ["customers"],
  }),
  CustomerEdge: async (_w, _a, sel) => ({
    query: `{ customers(first: 1) { edges { ${sel} } } }`,
    variables: {},
    path: ["customers", "edges"],
  }),
  File: async (w, a, sel) => ({
    query: `query($id: ID!) { file(id: $id) { ${sel} } }`,
    variables: { id: w.target(a).fileId },
    path: ["file"],
  }),
  "File@GENERAL": async (w, _a, sel) => ({
    query: `query($id: ID!) { file(id: $id) { ${sel} } }`,
    variables: { id: w.generalFileId },
    path: ["file"],
  }),
  FileConnection: async (w, a, sel) => ({
    query: `query($c: ID) { files(first: 1, customerId: $c) { ${sel} } }`,
    variables: { c: w.target(a).id },
    path: ["files"],
  }),
  FileEdge: async (w, a, sel) => ({
    query: `query($c: ID) { files(first: 1, customerId: $c) { edges { ${sel} } } }`,
    variables: { c: w.target(a).id },
    path: ["files", "edges"],
  }),
  PageInfo: async (w, a, sel) => ({
    query: `query($c: ID) { files(first: 1, customerId: $c) { pageInfo { ${sel} } } }`,
    variables: { c: w.target(a).id },
    path: ["files", "pageInfo"],
  }),
  UploadTicket: async (w, a, sel) => ({
    query: `mutation($in: RequestUploadInput!) { requestUpload(input: $in) { ${sel} } }`,
    variables: { in: uploadInput(w.target(a).id) },
    path: ["requestUpload"],
  }),
  HttpHeader: async (w, a, sel) => ({
    query: `mutation($in: RequestUploadInput!) { requestUpload(input: $in) { headers { ${sel} } } }`,
    variables: { in: uploadInput(w.target(a).id) },
    path: ["requestUpload", "headers"],
  }),
  CreateCustomerPayload: async (w, _a, sel) => {
    const id = `made-${w.tag}-${randomBytes(4).toString("hex")}`;
    return {
      query: `mutation($in: CreateCustomerInput!) { createCustomer(input: $in) { ${sel} } }`,
      variables: { in: { id, name: "Made", email: `${id}@example.test` } },
      path: ["createCustomer"],
    };
  },
  ResetCustomerPasswordPayload: async (w, a, sel) => ({
    query: `mutation($id: ID!) { resetCustomerPassword(id: $id) { ${sel} } }`,
    // The admin resets a customer made for it; the others aim at the target customer.
    variables: {
      id: a === "admin" || a === "bothGroups" ? (await w.makeCustomer()).id : w.target(a).id,
    },
    path: ["resetCustomerPassword"],
  }),
  AuthTokens: async (w, _a, sel) => ({
    query: `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { ... on AuthTokens { ${sel} } } }`,
    variables: { e: w.probe.email, p: w.probe.password },
    path: ["signIn"],
  }),
  NewPasswordRequired: async (w, _a, sel) => {
    const invited = await w.makeUser({ groups: [], invited: true });
    return {
      query: `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { ... on NewPasswordRequired { ${sel} } } }`,
      variables: { e: invited.email, p: invited.password },
      path: ["signIn"],
    };
  },
  MfaRequired: async (w, _a, sel) => {
    const u = await w.mfaUser();
    return {
      query: `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { ... on MfaRequired { ${sel} } } }`,
      variables: { e: u.email, p: u.password },
      path: ["signIn"],
    };
  },
  Invitation: async (w, a, sel) => ({
    query: `mutation($id: ID!) { sendInvitation(customerId: $id) { ${sel} } }`,
    // The admin invites a customer made for it (still invited); the others aim at the target.
    variables: {
      id: a === "admin" || a === "bothGroups" ? (await w.makeCustomer()).id : w.target(a).id,
    },
    path: ["sendInvitation"],
  }),
  TotpSetup: async (_w, _a, sel) => ({
    query: `mutation { beginTotpSetup { ${sel} } }`,
    variables: {},
    path: ["beginTotpSetup"],
  }),
  MultipartUpload: async (w, a, sel) => ({
    query: `mutation($in: RequestUploadInput!) { startMultipartUpload(input: $in) { ${sel} } }`,
    variables: { in: uploadInput(w.target(a).id) },
    path: ["startMultipartUpload"],
  }),
  UploadPart: async (w, a, sel) => {
    const u = await upload(w, w.target(a).id, false);
    return {
      query: `mutation($f: ID!, $u: String!) { signUploadParts(fileId: $f, uploadId: $u, partNumbers: [1]) { ${sel} } }`,
      variables: { f: u.fileId, u: u.uploadId },
      path: ["signUploadParts"],
    };
  },
  UploadedPart: async (w, a, sel) => {
    const u = await upload(w, w.target(a).id, true);
    return {
      query: `query($f: ID!, $u: String!) { uploadedParts(fileId: $f, uploadId: $u) { ${sel} } }`,
      variables: { f: u.fileId, u: u.uploadId },
      path: ["uploadedParts"],
    };
  },
};

/** Root fields: the type reached (its probe with a minimal selection), or a probe of their own. */
const ROOTS: Record<string, string | ((w: World, a: Actor) => Promise<Probe>)> = {
  "Query.me": "Viewer",
  "Query.customers": "CustomerConnection",
  "Query.customer": "Customer",
  "Query.files": "FileConnection",
  "Query.file": "File",
  "Query.uploadedParts": "UploadedPart",
  "Mutation.signIn": "AuthTokens",
  "Mutation.createCustomer": "CreateCustomerPayload",
  "Mutation.resetCustomerPassword": "ResetCustomerPasswordPayload",
  "Mutation.requestUpload": "UploadTicket",
  "Mutation.startMultipartUpload": "MultipartUpload",
  "Mutation.signUploadParts": "UploadPart",
  "Mutation.sendInvitation": "Invitation",
  "Mutation.beginTotpSetup": "TotpSetup",
  "Mutation.setPasswordWithToken": async (w) => {
    const c = await w.makeCustomer();
    await asAdmin(w, `mutation($id: ID!) { sendInvitation(customerId: $id) { customerId } }`, {
      id: c.id,
    });
    const mail = await nextMail(w.t.stack.ses.mailDir, c.email);
    return {
      query: `mutation($t: String!, $p: String!) { setPasswordWithToken(token: $t, newPassword: $p) { expiresIn } }`,
      variables: { t: mail.token, p: generatePassword() },
      path: ["setPasswordWithToken"],
    };
  },
  "Mutation.requestPasswordReset": async () => ({
    query: `mutation($e: String!) { requestPasswordReset(email: $e) }`,
    // A new address each time: requests for one address are throttled like sign-in.
    variables: { e: `reset-${randomBytes(4).toString("hex")}@example.test` },
    path: ["requestPasswordReset"],
  }),
  "Mutation.completeMfaSignIn": async (w) => {
    const u = await w.mfaUser();
    const r = await w.t.exec<{ signIn: { session: string } }>(
      `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { ... on MfaRequired { session } } }`,
      { e: u.email, p: u.password },
    );
    return {
      query: `mutation($e: String!, $s: String!, $c: String!) { completeMfaSignIn(email: $e, session: $s, code: $c) { expiresIn } }`,
      variables: { e: u.email, s: r.data!.signIn.session, c: generateSync({ secret: u.secret }) },
      path: ["completeMfaSignIn"],
    };
  },
  "Mutation.changePassword": async (w, a) => {
    const me = await w.freshActor(a);
    return {
      query: `mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }`,
      variables: { c: me.password || "Any!Passw0rd-x", n: generatePassword() },
      path: ["changePassword"],
      token: me.token,
    };
  },
  "Mutation.signOutEverywhere": async (w, a) => ({
    query: `mutation { signOutEverywhere }`,
    variables: {},
    path: ["signOutEverywhere"],
    token: (await w.freshActor(a)).token,
  }),
  "Mutation.confirmTotpSetup": async (w, a) => {
    const me = await w.freshActor(a);
    const begun = await w.t.exec<{ beginTotpSetup: { secret: string } }>(
      `mutation { beginTotpSetup { secret } }`,
      {},
      me.token ?? undefined,
    );
    const secret = begun.data?.beginTotpSetup.secret;
    return {
      query: `mutation($c: String!) { confirmTotpSetup(code: $c) }`,
      variables: { c: secret ? generateSync({ secret }) : "000000" },
      path: ["confirmTotpSetup"],
      token: me.token,
    };
  },
  "Mutation.completeNewPassword": async (w) => {
    const invited = await w.makeUser({ groups: [], invited: true });
    const r = await w.t.exec<{ signIn: { session: string } }>(
      `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { ... on NewPasswordRequired { session } } }`,
      { e: invited.email, p: invited.password },
    );
    return {
      query: `mutation($e: String!, $s: String!, $n: String!) { completeNewPassword(email: $e, session: $s, newPassword: $n) { expiresIn } }`,
      variables: { e: invited.email, s: r.data!.signIn.session, n: generatePassword() },
      path: ["completeNewPassword"],
    };
  },
  "Mutation.refreshTokens": async (w) => {
    const r = await w.t.exec<{ signIn: { refreshToken: string } }>(
      `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { ... on AuthTokens { refreshToken } } }`,
      { e: w.probe.email, p: w.probe.password },
    );
    return {
      query: `mutation($r: String!) { refreshTokens(refreshToken: $r) { expiresIn } }`,
      variables: { r: r.data!.signIn.refreshToken },
      path: ["refreshTokens"],
    };
  },
  "Mutation.updateCustomer": async (w, a) => ({
    query: `mutation($id: ID!) { updateCustomer(id: $id, input: { name: "Renamed" }) { id } }`,
    variables: { id: w.target(a).id },
    path: ["updateCustomer"],
  }),
  "Mutation.deleteCustomer": async (w, a) => ({
    query: `mutation($id: ID!) { deleteCustomer(id: $id) }`,
    // The admin deletes a customer made for it (no files); the others aim at the target customer.
    variables: {
      id: a === "admin" || a === "bothGroups" ? (await w.makeCustomer()).id : w.target(a).id,
    },
    path: ["deleteCustomer"],
  }),
  "Mutation.deleteFile": async (w, a) => ({
    query: `mutation($id: ID!) { deleteFile(id: $id) }`,
    variables: { id: await w.putFile(w.target(a).id, "to-delete.txt") },
    path: ["deleteFile"],
  }),
  "Mutation.completeMultipartUpload": async (w, a) => {
    const u = await upload(w, w.target(a).id, true);
    return {
      query: `mutation($f: ID!, $u: String!, $p: [CompletedPartInput!]!) { completeMultipartUpload(fileId: $f, uploadId: $u, parts: $p) { id } }`,
      variables: { f: u.fileId, u: u.uploadId, p: [{ partNumber: 1, etag: u.etag }] },
      path: ["completeMultipartUpload"],
    };
  },
  "Mutation.abortMultipartUpload": async (w, a) => {
    const u = await upload(w, w.target(a).id, false);
    return {
      query: `mutation($f: ID!, $u: String!) { abortMultipartUpload(fileId: $f, uploadId: $u) }`,
      variables: { f: u.fileId, u: u.uploadId },
      path: ["abortMultipartUpload"],
    };
  },
};

/** `field` plus the smallest sub-selection its type needs. */
export function selectionOf(schema: GraphQLSchema, typeName: string, fieldName: string): string {
  const type = schema.getType(typeName);
  if (!isObjectType(type)) throw new Error(`${typeName} is not an object type`);
  const field = type.getFields()[fieldName];
  if (!field) throw new Error(`${typeName}.${fieldName} is not in the schema`);
  const leaf = (named: ReturnType<typeof getNamedType>): string => {
    if (isLeafType(named)) return "";
    if (isUnionType(named)) return " { __typename }";
    if (!isObjectType(named)) return " { __typename }";
    const fields = Object.values(named.getFields()).sort((a, b) => a.name.localeCompare(b.name));
    const scalar = fields.find(
      (f) => isLeafType(getNamedType(f.type)) && f.args.every((x) => x.defaultValue !== undefined),
    );
    if (scalar) return ` { ${scalar.name} }`;
    const first = fields[0]!;
    return ` { ${first.name}${leaf(getNamedType(first.type))} }`;
  };
  return `${fieldName}${leaf(getNamedType(field.type))}`;
}

/** The probe for one matrix row ("Type.field", or "Type.field@VARIANT") and actor. */
export async function probeFor(
  schema: GraphQLSchema,
  rowName: string,
  w: World,
  actor: Actor,
): Promise<Probe> {
  const { field, variant } = fieldOfRow(rowName);
  const [typeName, fieldName] = field.split(".") as [string, string];
  if (typeName === "Query" || typeName === "Mutation") {
    const root = ROOTS[rowName];
    if (root === undefined) throw new Error(`No probe for ${rowName}: add one to ROOTS`);
    if (typeof root === "function") return root(w, actor);
    const reach = REACH[root];
    if (!reach) throw new Error(`No reach for ${root}`);
    return reach(w, actor, "__typename");
  }
  const via = variant ? `${typeName}@${variant}` : typeName;
  const reach = REACH[via];
  if (!reach) throw new Error(`No way to reach ${via}: add one to REACH`);
  const p = await reach(w, actor, selectionOf(schema, typeName, fieldName));
  return { ...p, path: [...p.path, fieldName] };
}

/**
 * What a result says: the refusal code of its first error ("NOT_FOUND" only when the object
 * asked for is null, as "answered as missing" requires), "allow" when the probed field is in the
 * answer; anything else is reported as it is (e.g. "null" when the object on the path is null
 * without an error, "empty" when a list on the path had no items, so the field was never reached).
 */
export function outcomeOf(r: GqlResult<unknown>, path: readonly string[]): Outcome | string {
  const code = r.errors?.[0]?.extensions?.code;
  if (r.errors?.length) {
    const root = (r.data as Record<string, unknown> | null | undefined)?.[path[0] as string];
    if (code === "NOT_FOUND" && root !== null) return "NOT_FOUND, with data";
    return String(code ?? r.errors[0]!.message);
  }
  let at: unknown = r.data;
  for (const [i, key] of path.entries()) {
    if (Array.isArray(at)) {
      if (at.length === 0) return "empty";
      at = at[0];
    }
    if (at === null || typeof at !== "object") return "null";
    if (!(key in at)) return "missing";
    at = (at as Record<string, unknown>)[key];
    if (at === null && i < path.length - 1) return "null";
    if (at === null && i === 0) return "null";
  }
  return "allow";
}
