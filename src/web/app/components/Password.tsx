import type { ReactNode } from "react";
import { Field, text } from "./Form.js";

/** Cognito's policy for this pool, checked here first so the message is immediate. */
export const PASSWORD_RULES =
  "At least 12 characters, with a lowercase and an uppercase letter, a digit and a symbol.";

export function meetsPasswordRules(pw: string): boolean {
  return (
    pw.length >= 12 &&
    /[a-z]/.test(pw) &&
    /[A-Z]/.test(pw) &&
    /\d/.test(pw) &&
    /[^A-Za-z0-9]/.test(pw)
  );
}

/** The new password, typed twice: the message for the first problem, or undefined. */
export function checkNewPassword(form: FormData): string | undefined {
  const pw = text(form, "new-password", false);
  if (!meetsPasswordRules(pw)) return PASSWORD_RULES;
  if (pw !== text(form, "confirm-password", false)) return "The two passwords differ.";
  return undefined;
}

/** The two fields `checkNewPassword` reads. */
export function NewPasswordFields({ autoFocus }: { autoFocus?: boolean }) {
  return (
    <>
      <Field
        label="New password"
        id="new-password"
        name="new-password"
        type="password"
        autoComplete="new-password"
        hint={PASSWORD_RULES}
        required
        autoFocus={autoFocus}
      />
      <Field
        label="Repeat the new password"
        id="confirm-password"
        name="confirm-password"
        type="password"
        autoComplete="new-password"
        required
      />
    </>
  );
}

/** The account's email, as password managers expect it on sign-in and reset forms. */
export function EmailField() {
  return (
    <Field
      label="Email"
      id="email"
      name="email"
      type="email"
      autoComplete="username"
      required
      autoFocus
    />
  );
}

/** The small centred card of the signed-out pages (sign-in, links from emails, forgot password). */
export function AuthCard({ children }: { children: ReactNode }) {
  return (
    <main id="main" className="centered">
      <div className="card narrow">
        <p className="brand-line">File portal</p>
        {children}
      </div>
    </main>
  );
}
