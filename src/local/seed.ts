import {
  AddCustomAttributesCommand,
  AdminAddUserToGroupCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminSetUserPasswordCommand,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  ListGroupsCommand,
  SetUserPoolMfaConfigCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import type {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommandInput,
  SchemaAttributeType,
} from "@aws-sdk/client-cognito-identity-provider";
import { ADMINS_GROUP, CUSTOMERS_GROUP, createAdmin, generatePassword } from "../auth/admins.js";
import { PASSWORD_MIN_LENGTH } from "../auth/password-policy.js";
import { CognitoUsers } from "../aws/cognito-users.js";
import type { Logger } from "../log.js";
import type { LocalStackState } from "./state.js";

export const LOCAL_POOL_NAME = "portal-local";
export const LOCAL_CLIENT_NAME = "portal-api";

/**
 * The pool's custom attributes, as terraform/cognito.tf declares them: the tenant (immutable),
 * the time before which every session is void, and the hash of the one pending email link.
 */
export const CUSTOM_ATTRIBUTES = [
  {
    Name: "customer_id",
    AttributeDataType: "String",
    Mutable: false,
    StringAttributeConstraints: { MinLength: "3", MaxLength: "63" },
  },
  {
    Name: "revoked_at",
    AttributeDataType: "String",
    Mutable: true,
    StringAttributeConstraints: { MinLength: "0", MaxLength: "20" },
  },
  {
    Name: "link_hash",
    AttributeDataType: "String",
    Mutable: true,
    StringAttributeConstraints: { MinLength: "0", MaxLength: "200" },
  },
] as const satisfies readonly SchemaAttributeType[];

/**
 * The app client, as terraform/cognito.tf declares it: confidential (only the API, which holds
 * the secret, can run the password and refresh flows), no SRP, reading the attributes the API
 * shows and writing none it relies on. Token lifetimes as on AWS (the stand-in's defaults differ).
 */
export const APP_CLIENT = {
  ClientName: LOCAL_CLIENT_NAME,
  GenerateSecret: true,
  ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
  ReadAttributes: ["email", "email_verified", "name", "custom:customer_id"],
  WriteAttributes: ["locale"],
  PreventUserExistenceErrors: "ENABLED",
  EnableTokenRevocation: true,
  AccessTokenValidity: 60,
  IdTokenValidity: 60,
  RefreshTokenValidity: 30,
  TokenValidityUnits: { AccessToken: "minutes", IdToken: "minutes", RefreshToken: "days" },
} as const satisfies Omit<CreateUserPoolClientCommandInput, "UserPoolId">;

const sameFlows = (flows: readonly string[] | undefined): boolean =>
  [...(flows ?? [])].sort().join() === [...APP_CLIENT.ExplicitAuthFlows].sort().join();

/**
 * Brings a pool seeded by an earlier version up to today's shape: the custom attributes it lacks
 * and optional TOTP MFA. (Email changes that wait for verification cannot be added to an existing
 * pool, here as on AWS; the API only trusts verified, unique emails either way.)
 */
async function upgradePool(cognito: CognitoIdentityProviderClient, poolId: string) {
  const pool = (await cognito.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool;
  const have = new Set((pool?.SchemaAttributes ?? []).map((a) => a.Name));
  const missing = CUSTOM_ATTRIBUTES.filter((a) => !have.has(`custom:${a.Name}`));
  if (missing.length)
    await cognito.send(
      new AddCustomAttributesCommand({ UserPoolId: poolId, CustomAttributes: [...missing] }),
    );
  if (pool?.MfaConfiguration !== "OPTIONAL")
    await cognito.send(
      new SetUserPoolMfaConfigCommand({
        UserPoolId: poolId,
        MfaConfiguration: "OPTIONAL",
        SoftwareTokenMfaConfiguration: { Enabled: true },
      }),
    );
}

export interface SeedInput {
  readonly adminEmail: string;
  readonly adminPassword?: string;
  readonly log: Logger;
}

export interface SeedResult {
  readonly userPoolId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly adminUsername: string;
  readonly adminPassword: string;
}

const isNotFound = (err: unknown): boolean =>
  (err as { name?: string }).name === "ResourceNotFoundException" ||
  (err as { name?: string }).name === "UserNotFoundException";

async function exists(probe: () => Promise<unknown>): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/**
 * Brings the local pool to the wanted shape, creating only what is missing, so a restart keeps
 * users, groups and memberships. `state` is what the last start recorded.
 */
export async function seedCognito(
  cognito: CognitoIdentityProviderClient,
  state: LocalStackState,
  input: SeedInput,
): Promise<SeedResult> {
  const { log } = input;
  let userPoolId = state.userPoolId;
  let clientId = state.clientId;
  let adminUsername = state.adminUsername;
  let knownPassword = state.adminPassword;

  if (
    userPoolId === undefined ||
    !(await exists(() => cognito.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId }))))
  ) {
    if (userPoolId !== undefined)
      log.warn("The recorded local user pool is gone; seeding a new one", { userPoolId });
    const pool = await cognito.send(
      new CreateUserPoolCommand({
        PoolName: LOCAL_POOL_NAME,
        Schema: [...CUSTOM_ATTRIBUTES],
        AutoVerifiedAttributes: ["email"],
        UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ["email"] },
        UsernameConfiguration: { CaseSensitive: false },
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        Policies: {
          PasswordPolicy: {
            MinimumLength: PASSWORD_MIN_LENGTH,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
            TemporaryPasswordValidityDays: 7,
          },
        },
      }),
    );
    userPoolId = pool.UserPool?.Id;
    if (!userPoolId) throw new Error("cognito-local returned no user pool id");
    clientId = undefined;
    adminUsername = undefined;
    knownPassword = undefined;
    log.info("Seeded a local user pool", { userPoolId });
  }
  const poolId = userPoolId;
  await upgradePool(cognito, poolId);

  const recorded =
    clientId === undefined
      ? undefined
      : await cognito
          .send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId }))
          .then(
            (r) => r.UserPoolClient,
            (err: unknown) => {
              if (isNotFound(err)) return undefined;
              throw err;
            },
          );
  let clientSecret = recorded?.ClientSecret;
  // A client from an earlier version (public, with SRP) is replaced, as on AWS, where a client
  // cannot be given a secret afterwards; its tokens stop verifying and users sign in again.
  if (!recorded || !clientSecret || !sameFlows(recorded.ExplicitAuthFlows)) {
    const client = await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: poolId,
        ...APP_CLIENT,
        ExplicitAuthFlows: [...APP_CLIENT.ExplicitAuthFlows],
        ReadAttributes: [...APP_CLIENT.ReadAttributes],
        WriteAttributes: [...APP_CLIENT.WriteAttributes],
      }),
    );
    clientId = client.UserPoolClient?.ClientId;
    clientSecret = client.UserPoolClient?.ClientSecret;
    if (!clientId || !clientSecret)
      throw new Error("cognito-local returned no app client id or secret");
    if (recorded) log.info("Replaced the local app client with a confidential one", { clientId });
  }

  // cognito-local's CreateGroup on an existing group replaces it and drops its members.
  const groups = await cognito.send(new ListGroupsCommand({ UserPoolId: poolId }));
  const have = new Set((groups.Groups ?? []).map((g) => g.GroupName));
  for (const [GroupName, Description] of [
    [ADMINS_GROUP, "Portal administrators"],
    [CUSTOMERS_GROUP, "Customers; each sees only their own files"],
  ] as const)
    if (!have.has(GroupName))
      await cognito.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName, Description }));

  const email = input.adminEmail.toLowerCase();
  const wanted = input.adminPassword ?? knownPassword ?? generatePassword();

  if (adminUsername !== undefined) {
    // The recorded admin may be gone, or the configured email may have changed.
    const username = adminUsername;
    const user = await cognito
      .send(new AdminGetUserCommand({ UserPoolId: poolId, Username: username }))
      .catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
    const recordedEmail = user?.UserAttributes?.find((a) => a.Name === "email")?.Value;
    if (recordedEmail !== email) {
      adminUsername = undefined;
      knownPassword = undefined;
    }
  }

  if (adminUsername === undefined) {
    const [user] = await new CognitoUsers(cognito, poolId).allWithEmail(email);
    if (user) {
      const groupsOf = await cognito.send(
        new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: user.username }),
      );
      if (!groupsOf.Groups?.some((g) => g.GroupName === ADMINS_GROUP))
        throw new Error(
          `LOCAL_ADMIN_EMAIL ${email} belongs to user ${user.username}, who is not an administrator; choose another LOCAL_ADMIN_EMAIL`,
        );
      adminUsername = user.username;
      knownPassword = undefined; // unknown: set below
    } else {
      const created = await createAdmin(cognito, poolId, {
        email,
        name: "Local admin",
        password: wanted,
      });
      adminUsername = created.username;
      knownPassword = wanted;
      log.info("Seeded the local admin", { email, username: adminUsername });
    }
  } else {
    // Someone may have taken the seeded admin out of the group; it should stay an admin.
    const groupsOf = await cognito.send(
      new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: adminUsername }),
    );
    if (!groupsOf.Groups?.some((g) => g.GroupName === ADMINS_GROUP))
      await cognito.send(
        new AdminAddUserToGroupCommand({
          UserPoolId: poolId,
          Username: adminUsername,
          GroupName: ADMINS_GROUP,
        }),
      );
  }

  if (knownPassword !== wanted) {
    await cognito.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: poolId,
        Username: adminUsername,
        Password: wanted,
        Permanent: true,
      }),
    );
    log.info("Set the local admin's password", { username: adminUsername });
  }

  return {
    userPoolId: poolId,
    clientId: clientId as string,
    clientSecret,
    adminUsername,
    adminPassword: wanted,
  };
}
