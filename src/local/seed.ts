import {
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
} from "@aws-sdk/client-cognito-identity-provider";
import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { ADMINS_GROUP, CUSTOMERS_GROUP, createAdmin, generatePassword } from "../auth/admins.js";
import { CognitoUsers } from "../aws/cognito-users.js";
import type { Logger } from "../log.js";
import type { LocalStackState } from "./state.js";

export const LOCAL_POOL_NAME = "portal-local";
export const LOCAL_CLIENT_NAME = "portal-web";

export interface SeedInput {
  readonly adminEmail: string;
  readonly adminPassword?: string;
  readonly log: Logger;
}

export interface SeedResult {
  readonly userPoolId: string;
  readonly clientId: string;
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
        Schema: [
          {
            Name: "customer_id",
            AttributeDataType: "String",
            Mutable: false,
            StringAttributeConstraints: { MinLength: "3", MaxLength: "63" },
          },
        ],
        AutoVerifiedAttributes: [],
        UsernameConfiguration: { CaseSensitive: false },
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        Policies: {
          PasswordPolicy: {
            MinimumLength: 12,
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

  if (
    clientId === undefined ||
    !(await exists(() =>
      cognito.send(
        new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId as string }),
      ),
    ))
  ) {
    const client = await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: poolId,
        ClientName: LOCAL_CLIENT_NAME,
        GenerateSecret: false,
        ExplicitAuthFlows: [
          "ALLOW_USER_PASSWORD_AUTH",
          "ALLOW_USER_SRP_AUTH",
          "ALLOW_REFRESH_TOKEN_AUTH",
        ],
        // Users must never set their own customer id: it is what scopes their files.
        WriteAttributes: ["email", "name"],
        ReadAttributes: ["email", "email_verified", "name", "custom:customer_id"],
        PreventUserExistenceErrors: "ENABLED",
      }),
    );
    clientId = client.UserPoolClient?.ClientId;
    if (!clientId) throw new Error("cognito-local returned no app client id");
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
    const user = await new CognitoUsers(cognito, poolId).findByEmail(email);
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

  return { userPoolId: poolId, clientId, adminUsername, adminPassword: wanted };
}
