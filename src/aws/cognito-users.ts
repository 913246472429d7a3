import type {
  AttributeType,
  CognitoIdentityProviderClient,
  UserType,
} from "@aws-sdk/client-cognito-identity-provider";
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  AdminUserGlobalSignOutCommand,
  ListUsersCommand,
  ListUsersInGroupCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { rethrowAws } from "./errors.js";

/** A Cognito user as the API sees it. */
export interface UserRecord {
  readonly username: string;
  readonly sub: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly name: string;
  readonly enabled: boolean;
  /** Cognito's UserStatus: CONFIRMED, FORCE_CHANGE_PASSWORD, RESET_REQUIRED, … */
  readonly status: string;
  /** `custom:customer_id`; null for admins. */
  readonly customerId: string | null;
  /** `custom:revoked_at`: sessions that began before this (epoch seconds) are void; 0 for none. */
  readonly revokedAt: number;
  /** `custom:link_hash`: the one pending email link (see auth/links.ts), or null. */
  readonly linkHash: string | null;
  /** An authenticator app (TOTP) is on. Known from AdminGetUser only (false from listings). */
  readonly mfaEnabled: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export const CUSTOMER_ID_ATTRIBUTE = "custom:customer_id";
export const REVOKED_AT_ATTRIBUTE = "custom:revoked_at";
export const LINK_HASH_ATTRIBUTE = "custom:link_hash";

export function attributesToRecord(
  username: string,
  attrs: readonly AttributeType[] | undefined,
  meta: {
    enabled?: boolean;
    status?: string;
    createdAt?: Date;
    updatedAt?: Date;
    mfa?: readonly string[];
  },
): UserRecord {
  const attributes = new Map((attrs ?? []).map((x) => [x.Name ?? "", x.Value ?? ""]));
  const epoch = new Date(0);
  return {
    username,
    sub: attributes.get("sub") ?? "",
    email: attributes.get("email") ?? "",
    emailVerified: attributes.get("email_verified") === "true",
    name: attributes.get("name") ?? "",
    enabled: meta.enabled ?? true,
    status: meta.status ?? "UNKNOWN",
    customerId: attributes.get(CUSTOMER_ID_ATTRIBUTE) || null,
    revokedAt: Number(attributes.get(REVOKED_AT_ATTRIBUTE)) || 0,
    linkHash: attributes.get(LINK_HASH_ATTRIBUTE) || null,
    mfaEnabled: meta.mfa?.includes("SOFTWARE_TOKEN_MFA") ?? false,
    createdAt: meta.createdAt ?? epoch,
    updatedAt: meta.updatedAt ?? meta.createdAt ?? epoch,
  };
}

export function userTypeToRecord(user: UserType): UserRecord {
  return attributesToRecord(user.Username ?? "", user.Attributes, {
    ...(user.Enabled !== undefined ? { enabled: user.Enabled } : {}),
    ...(user.UserStatus !== undefined ? { status: user.UserStatus } : {}),
    ...(user.UserCreateDate ? { createdAt: user.UserCreateDate } : {}),
    ...(user.UserLastModifiedDate ? { updatedAt: user.UserLastModifiedDate } : {}),
  });
}

/** Quotes a value for a ListUsers filter (Cognito accepts double quotes only). */
export function filterValue(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Reads users of one pool. Every method is one Cognito call. */
export class CognitoUsers {
  /** Every call, an outage (throttling, 5xx, network) answered as SERVICE_UNAVAILABLE. */
  private readonly send: CognitoIdentityProviderClient["send"];

  constructor(
    client: CognitoIdentityProviderClient,
    private readonly userPoolId: string,
  ) {
    this.send = ((command: Parameters<CognitoIdentityProviderClient["send"]>[0]) =>
      client.send(command).catch(rethrowAws)) as CognitoIdentityProviderClient["send"];
  }

  async get(username: string): Promise<UserRecord | null> {
    try {
      const response = await this.send(
        new AdminGetUserCommand({ UserPoolId: this.userPoolId, Username: username }),
      );
      return attributesToRecord(response.Username ?? username, response.UserAttributes, {
        ...(response.Enabled !== undefined ? { enabled: response.Enabled } : {}),
        ...(response.UserStatus !== undefined ? { status: response.UserStatus } : {}),
        ...(response.UserCreateDate ? { createdAt: response.UserCreateDate } : {}),
        ...(response.UserLastModifiedDate ? { updatedAt: response.UserLastModifiedDate } : {}),
        mfa: response.UserMFASettingList ?? [],
      });
    } catch (err) {
      if ((err as { name?: string }).name === "UserNotFoundException") return null;
      rethrowAws(err);
    }
  }

  /**
   * The user who signs in with this email: the one user whose email it is AND who has verified
   * it. An unverified address (a change still waiting for its code) never resolves, and neither
   * does an address two verified users share (then nobody signs in with it until an admin fixes
   * it), so nobody signs in as someone else by claiming their email.
   */
  async findSignInUser(email: string): Promise<UserRecord | null> {
    const verified = (await this.allWithEmail(email)).filter((u) => u.emailVerified);
    return verified.length === 1 ? (verified[0] as UserRecord) : null;
  }

  /** Whether any user, verified or not, has this email (creating and renaming refuse it). */
  async emailTaken(email: string, except?: string): Promise<boolean> {
    return (await this.allWithEmail(email)).some((u) => u.username !== except);
  }

  /** Every user with this email, oldest first (more than one only during a create race). */
  async allWithEmail(email: string): Promise<UserRecord[]> {
    try {
      const response = await this.send(
        new ListUsersCommand({
          UserPoolId: this.userPoolId,
          Filter: `email = ${filterValue(email.toLowerCase())}`,
          Limit: 10,
        }),
      );
      return (response.Users ?? [])
        .map(userTypeToRecord)
        .sort(
          (a, b) =>
            a.createdAt.getTime() - b.createdAt.getTime() || a.username.localeCompare(b.username),
        );
    } catch (err) {
      rethrowAws(err);
    }
  }

  /** One page of a group's members: Cognito returns at most 60 per call. */
  async listGroupPage(
    group: string,
    limit: number,
    nextToken: string | undefined,
  ): Promise<{ users: UserRecord[]; nextToken: string | undefined }> {
    try {
      const response = await this.send(
        new ListUsersInGroupCommand({
          UserPoolId: this.userPoolId,
          GroupName: group,
          Limit: Math.min(limit, 60),
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      return {
        users: (response.Users ?? []).map(userTypeToRecord),
        nextToken: response.NextToken || undefined,
      };
    } catch (err) {
      rethrowAws(err);
    }
  }

  /** Creates a user with a temporary password and no message from Cognito. */
  async create(
    username: string,
    attributes: Record<string, string>,
    temporaryPassword: string,
  ): Promise<UserRecord> {
    const response = await this.send(
      new AdminCreateUserCommand({
        UserPoolId: this.userPoolId,
        Username: username,
        TemporaryPassword: temporaryPassword,
        MessageAction: "SUPPRESS",
        UserAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
      }),
    );
    if (!response.User) throw new Error("AdminCreateUser returned no user");
    return userTypeToRecord(response.User);
  }

  async addToGroup(username: string, group: string): Promise<void> {
    await this.send(
      new AdminAddUserToGroupCommand({
        UserPoolId: this.userPoolId,
        Username: username,
        GroupName: group,
      }),
    );
  }

  async delete(username: string): Promise<void> {
    await this.send(
      new AdminDeleteUserCommand({ UserPoolId: this.userPoolId, Username: username }),
    );
  }

  async updateAttributes(username: string, attributes: Record<string, string>): Promise<void> {
    await this.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: this.userPoolId,
        Username: username,
        UserAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
      }),
    );
  }

  async setEnabled(username: string, enabled: boolean): Promise<void> {
    const input = { UserPoolId: this.userPoolId, Username: username };
    await this.send(
      enabled ? new AdminEnableUserCommand(input) : new AdminDisableUserCommand(input),
    );
  }

  /** Revokes the user's refresh tokens at Cognito (AWS only: the local stand-in lacks it). */
  async globalSignOut(username: string): Promise<void> {
    await this.send(
      new AdminUserGlobalSignOutCommand({ UserPoolId: this.userPoolId, Username: username }),
    );
  }

  /** Sets a password the user keeps (no new-password step at sign-in). */
  async setPermanentPassword(username: string, password: string): Promise<void> {
    await this.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: this.userPoolId,
        Username: username,
        Password: password,
        Permanent: true,
      }),
    );
  }

  /** Sets a temporary password: the user must choose a new one at next sign-in. */
  async setTemporaryPassword(username: string, password: string): Promise<void> {
    await this.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: this.userPoolId,
        Username: username,
        Password: password,
        Permanent: false,
      }),
    );
  }
}
