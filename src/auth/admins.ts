import { randomBytes, randomInt } from "node:crypto";
import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoUsers } from "../aws/cognito-users.js";
import { PASSWORD_POLICY_MESSAGE, meetsPasswordPolicy } from "./password-policy.js";
import { normaliseEmail } from "./email.js";

export const ADMINS_GROUP = "Admins";
export const CUSTOMERS_GROUP = "Customers";

/**
 * Admin usernames are "admin." + 16 random hex chars: the dot makes them impossible as customer
 * ids (customer usernames ARE the customer id, a lowercase slug [a-z0-9-]).
 */
export function newAdminUsername(): string {
  return `admin.${randomBytes(8).toString("hex")}`;
}

export const ADMIN_USERNAME_RE = /^admin\.[0-9a-f]{16}$/;

const LOWER = "abcdefghijkmnopqrstuvwxyz";
const UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ";
const DIGITS = "23456789";
// Symbols Cognito accepts that survive copy/paste and shells unquoted-ish: no quotes,
// backslash, space or characters easily confused.
const SYMBOLS = "!#%+-.:=?@^_~";
const ALL = LOWER + UPPER + DIGITS + SYMBOLS;

const pick = (chars: string): string => chars.charAt(randomInt(chars.length));

/** Crypto-random password that always holds a lowercase, an uppercase, a digit and a symbol. */
export function generatePassword(length = 20): string {
  if (!Number.isInteger(length) || length < 12 || length > 256)
    throw new RangeError(`Password length must be a whole number from 12 to 256, not ${length}`);
  const chars = [pick(LOWER), pick(UPPER), pick(DIGITS), pick(SYMBOLS)];
  while (chars.length < length) chars.push(pick(ALL));
  // Fisher–Yates, so the guaranteed classes are not always in front.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return chars.join("");
}

export interface CreateAdminInput {
  readonly email: string;
  readonly name?: string;
  /** When given, set as the permanent password (no temporary password is returned). */
  readonly password?: string;
}

export interface CreatedAdmin {
  readonly username: string;
  /** Only when no password was given: must be replaced at first sign-in. */
  readonly temporaryPassword?: string;
}

/**
 * Creates an administrator: a user with a generated "admin.…" username, the (lowercased)
 * email marked verified, in the Admins group. Refuses when any user already has that email.
 * The check and the creation are not atomic; two concurrent calls for one email can both pass.
 */
export async function createAdmin(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  input: CreateAdminInput,
): Promise<CreatedAdmin> {
  const email = normaliseEmail(input.email);
  if (!email) throw new Error(`Not an email address: ${JSON.stringify(input.email)}`);
  const name = input.name?.trim();
  if (input.password !== undefined && !meetsPasswordPolicy(input.password))
    throw new Error(`The admin password is too weak. ${PASSWORD_POLICY_MESSAGE}`);

  const users = new CognitoUsers(cognito, userPoolId);
  const [taken] = await users.allWithEmail(email);
  if (taken)
    throw new Error(
      `A user with email ${email} already exists (username ${taken.username}); not creating another admin`,
    );

  const temporaryPassword = generatePassword();
  const { username } = await users.create(
    newAdminUsername(),
    { email, email_verified: "true", ...(name ? { name } : {}) },
    temporaryPassword,
  );
  try {
    await users.addToGroup(username, ADMINS_GROUP);
    if (input.password !== undefined) await users.setPermanentPassword(username, input.password);
  } catch (err) {
    // A user outside the Admins group, or with a password nobody knows, is of no use: undo.
    await users.delete(username).catch(() => undefined);
    throw err;
  }
  return input.password !== undefined ? { username } : { username, temporaryPassword };
}
