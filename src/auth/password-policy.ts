/**
 * The password policy the user pool enforces (terraform/cognito.tf and the local seed say the
 * same). The API checks it first so a bad password costs no Cognito call and every path — first
 * password, invitation, reset, change — answers with this one message. The local stand-in does
 * not enforce any policy, so this check is what holds there.
 */
export const PASSWORD_MIN_LENGTH = 12;

export const PASSWORD_POLICY_MESSAGE =
  "The password needs at least 12 characters with a lowercase and an uppercase letter, a digit and a symbol";

export function meetsPasswordPolicy(pw: string): boolean {
  return (
    pw.length >= PASSWORD_MIN_LENGTH &&
    pw.length <= 256 &&
    /[a-z]/.test(pw) &&
    /[A-Z]/.test(pw) &&
    /\d/.test(pw) &&
    /[^A-Za-z0-9]/.test(pw)
  );
}
