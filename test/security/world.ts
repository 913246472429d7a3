import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminSetUserPasswordCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import { generateSync } from "otplib";
import { ADMINS_GROUP, CUSTOMERS_GROUP, generatePassword } from "../../src/auth/admins.js";
import { CUSTOMER_ID_ATTRIBUTE } from "../../src/aws/cognito-users.js";
import { buildKey } from "../../src/files/keys.js";
import { createLocalCognitoClient } from "../../src/local/stack.js";
import type { TestApp } from "../helpers/app.js";
import type { Actor } from "./actors.js";
export { ACTORS } from "./actors.js";
export type { Actor } from "./actors.js";

export interface Account {
  readonly username: string;
  readonly email: string;
  readonly password: string;
}
export interface CustomerAccount extends Account {
  readonly id: string;
  /** A file in the customer's own folder. */
  readonly fileId: string;
}

/** Users, tokens and files the security suites act with, made once per test stack. */
export interface World {
  readonly t: TestApp;
  readonly cognito: CognitoIdentityProviderClient;
  readonly tag: string;
  readonly acme: CustomerAccount;
  readonly globex: CustomerAccount;
  /** A customer whose account was disabled after it signed in (its token still verifies). */
  readonly disabled: CustomerAccount;
  /** A customer whose account was deleted after it signed in (its token still verifies). */
  readonly deleted: CustomerAccount;
  /** A customer created by an admin who never signed in (a temporary password, no token). */
  readonly invited: CustomerAccount;
  /** Signed in, in neither group. */
  readonly noGroup: Account;
  /** In Admins and Customers (with a customer id of its own): Admins wins. */
  readonly bothGroups: Account;
  /** An enabled account only ever used to sign in with. */
  readonly probe: Account;
  readonly generalFileId: string;
  readonly tokens: Readonly<Record<Actor, string | undefined>>;
  /** The customer whose resources an actor's request targets. */
  target(actor: Actor): CustomerAccount;
  /** A fresh file in this customer's folder (or general/ when null); returns its id. */
  putFile(customerId: string | null, name?: string): Promise<string>;
  /** A user made straight in Cognito with a permanent password. */
  makeUser(o: { groups: string[]; customerId?: string; invited?: boolean }): Promise<Account>;
  /** A fresh customer made through the API (createCustomer); not signed in. */
  makeCustomer(): Promise<{ id: string; email: string; temporaryPassword: string }>;
  /**
   * A new account of the actor's kind, signed in (null token for anonymous): for probes that
   * change the caller's own account (its password, its sessions) and must not spend the world's.
   */
  freshActor(actor: Actor): Promise<{ token: string | null; password: string }>;
  /** A new enabled user with an authenticator app set up: its secret, to compute codes. */
  mfaUser(): Promise<Account & { secret: string }>;
}

const seq = { n: 0 };
const unique = (tag: string) => `${tag}-${++seq.n}-${randomBytes(3).toString("hex")}`;

export async function makeWorld(t: TestApp): Promise<World> {
  const cognito = createLocalCognitoClient(t.stack);
  const poolId = t.stack.cognito.userPoolId;
  const bucket = t.stack.s3.bucket;
  const tag = randomBytes(3).toString("hex");
  const admin = await t.adminToken();

  const putFile = async (customerId: string | null, name = "report.pdf"): Promise<string> => {
    const key = buildKey(customerId ? "CUSTOMER" : "GENERAL", customerId, name);
    await t.app.clients.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: "hello",
        ContentType: "application/pdf",
        Metadata: { "uploaded-by": "admin%40example.test" },
      }),
    );
    return t.ids.of(key);
  };

  const makeCustomer: World["makeCustomer"] = async () => {
    const id = unique(`c${tag}`);
    const email = `${id}@example.test`;
    const r = await t.exec<{ createCustomer: { temporaryPassword: string } }>(
      `mutation($in: CreateCustomerInput!) { createCustomer(input: $in) { temporaryPassword } }`,
      { in: { id, email, name: `Customer ${id}` } },
      admin,
    );
    if (!r.data?.createCustomer) throw new Error(`createCustomer failed: ${JSON.stringify(r)}`);
    return { id, email, temporaryPassword: r.data.createCustomer.temporaryPassword };
  };

  const customer = async (): Promise<CustomerAccount & { token: string }> => {
    const c = await makeCustomer();
    const password = generatePassword();
    const token = await t.signIn(c.email, c.temporaryPassword, password);
    const fileId = await putFile(c.id);
    return { id: c.id, username: c.id, email: c.email, password, fileId, token };
  };

  const makeUser: World["makeUser"] = async (o) => {
    const username = unique(`u${tag}`);
    const email = `${username}@example.test`;
    const password = generatePassword();
    await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: poolId,
        Username: username,
        MessageAction: "SUPPRESS",
        TemporaryPassword: password,
        UserAttributes: [
          { Name: "email", Value: email },
          { Name: "email_verified", Value: "true" },
          ...(o.customerId ? [{ Name: CUSTOMER_ID_ATTRIBUTE, Value: o.customerId }] : []),
        ],
      }),
    );
    if (!o.invited)
      await cognito.send(
        new AdminSetUserPasswordCommand({
          UserPoolId: poolId,
          Username: username,
          Password: password,
          Permanent: true,
        }),
      );
    for (const g of o.groups)
      await cognito.send(
        new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: username, GroupName: g }),
      );
    return { username, email, password };
  };

  const freshActor: World["freshActor"] = async (actor) => {
    if (actor === "anonymous") return { token: null, password: "" };
    if (actor === "admin") {
      const a = await makeUser({ groups: [ADMINS_GROUP] });
      return { token: await t.signIn(a.email, a.password), password: a.password };
    }
    if (actor === "noGroup" || actor === "bothGroups") {
      const u = await makeUser(
        actor === "noGroup"
          ? { groups: [] }
          : { groups: [CUSTOMERS_GROUP, ADMINS_GROUP], customerId: unique(`b${tag}`) },
      );
      return { token: await t.signIn(u.email, u.password), password: u.password };
    }
    // An invited customer has no token yet.
    if (actor === "invited")
      return { token: null, password: (await makeCustomer()).temporaryPassword };
    const c = await customer();
    if (actor === "disabled")
      await cognito.send(new AdminDisableUserCommand({ UserPoolId: poolId, Username: c.id }));
    if (actor === "deleted")
      await cognito.send(new AdminDeleteUserCommand({ UserPoolId: poolId, Username: c.id }));
    return { token: c.token, password: c.password };
  };

  const mfaUser: World["mfaUser"] = async () => {
    const u = await makeUser({ groups: [CUSTOMERS_GROUP], customerId: unique(`m${tag}`) });
    const token = await t.signIn(u.email, u.password);
    const begun = await t.exec<{ beginTotpSetup: { secret: string } }>(
      `mutation { beginTotpSetup { secret } }`,
      {},
      token,
    );
    const secret = begun.data!.beginTotpSetup.secret;
    const done = await t.exec(
      `mutation($c: String!) { confirmTotpSetup(code: $c) }`,
      { c: generateSync({ secret }) },
      token,
    );
    if (done.errors) throw new Error(`TOTP setup failed: ${JSON.stringify(done.errors)}`);
    return { ...u, secret };
  };

  const [acme, globex, disabled, deleted] = [
    await customer(),
    await customer(),
    await customer(),
    await customer(),
  ];
  // Disabled or deleted after signing in, before the token is ever used (nothing cached yet).
  await cognito.send(new AdminDisableUserCommand({ UserPoolId: poolId, Username: disabled.id }));
  await cognito.send(new AdminDeleteUserCommand({ UserPoolId: poolId, Username: deleted.id }));
  const made = await makeCustomer();
  const invited: CustomerAccount = {
    id: made.id,
    username: made.id,
    email: made.email,
    password: made.temporaryPassword,
    fileId: await putFile(made.id),
  };
  const noGroup = await makeUser({ groups: [] });
  const bothGroups = await makeUser({
    groups: [CUSTOMERS_GROUP, ADMINS_GROUP],
    customerId: unique(`b${tag}`),
  });
  const probe = await makeUser({ groups: [] });
  const generalFileId = await putFile(null, "general.pdf");

  const tokens: Record<Actor, string | undefined> = {
    anonymous: undefined,
    admin,
    customerSelf: acme.token,
    customerOther: acme.token,
    disabled: disabled.token,
    deleted: deleted.token,
    invited: undefined,
    noGroup: await t.signIn(noGroup.email, noGroup.password),
    bothGroups: await t.signIn(bothGroups.email, bothGroups.password),
  };

  // A deleted customer has no customer record left to act on: it aims at acme's.
  const targets: Partial<Record<Actor, CustomerAccount>> = {
    customerOther: globex,
    disabled,
    invited,
  };
  return {
    t,
    cognito,
    tag,
    acme,
    globex,
    disabled,
    deleted,
    invited,
    noGroup,
    bothGroups,
    probe,
    generalFileId,
    tokens,
    target: (actor) => targets[actor] ?? acme,
    putFile,
    makeUser,
    makeCustomer,
    freshActor,
    mfaUser,
  };
}
