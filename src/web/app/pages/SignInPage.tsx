import { useMutation } from "@apollo/client/react";
import { useState } from "react";
import {
  CompleteMfaSignInDocument,
  CompleteNewPasswordDocument,
  SignInDocument,
} from "../../../client/index.js";
import { Link, usePageTitle } from "../router.js";
import {
  AuthCard,
  EmailField,
  NewPasswordFields,
  checkNewPassword,
} from "../components/Password.js";
import { Alert, Field, FormActions, text, useFormAction } from "../components/Form.js";
import type { Session } from "../session.js";

/**
 * Email and password; when the account still has its temporary password, the step that sets a
 * new one. Neither password leaves this component except in the request that needs it.
 */
export function SignInPage({ session, notice }: { session: Session; notice?: string | undefined }) {
  const [step, setStep] = useState<{
    kind: "newPassword" | "mfa";
    email: string;
    session: string;
  } | null>(null);
  usePageTitle(
    step?.kind === "newPassword" ? "Choose a password" : step ? "Authenticator code" : "Sign in",
  );
  return (
    <AuthCard>
      {step?.kind === "mfa" ? (
        <MfaCode
          email={step.email}
          challenge={step.session}
          onDone={(tokens) => session.signedIn(tokens)}
          onRestart={() => setStep(null)}
        />
      ) : step ? (
        <NewPassword
          email={step.email}
          challenge={step.session}
          onDone={(tokens) => session.signedIn(tokens)}
          onRestart={() => setStep(null)}
        />
      ) : (
        <SignInForm
          notice={notice}
          onTokens={(tokens) => session.signedIn(tokens)}
          onStep={(kind, email, challenge) => setStep({ kind, email, session: challenge })}
        />
      )}
    </AuthCard>
  );
}

type Tokens = Parameters<Session["signedIn"]>[0];

/** A second sign-in step: the challenge the API answered with, and where it leads. */
interface StepProps {
  email: string;
  challenge: string;
  onDone: (t: Tokens) => void;
  onRestart: () => void;
}

function SignInForm({
  notice,
  onTokens,
  onStep,
}: {
  notice?: string | undefined;
  onTokens: (t: Tokens) => void;
  onStep: (kind: "newPassword" | "mfa", email: string, session: string) => void;
}) {
  const [signIn, { loading }] = useMutation(SignInDocument);
  const { error, onSubmit } = useFormAction(async (form) => {
    const email = text(form, "email");
    const r = await signIn({ variables: { email, password: text(form, "password", false) } });
    const result = r.data?.signIn;
    if (result?.__typename === "AuthTokens") onTokens(result);
    else if (result?.__typename === "NewPasswordRequired")
      onStep("newPassword", email, result.session);
    else if (result?.__typename === "MfaRequired") onStep("mfa", email, result.session);
    return undefined;
  });
  return (
    <form onSubmit={onSubmit} aria-labelledby="signin-title">
      <h1 id="signin-title" tabIndex={-1}>
        Sign in
      </h1>
      {notice && !error && (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      <EmailField />
      <Field
        label="Password"
        id="password"
        name="password"
        type="password"
        autoComplete="current-password"
        required
      />
      <Alert message={error} />
      <button type="submit" className="primary" disabled={loading}>
        {loading ? "Signing in…" : "Sign in"}
      </button>
      <p className="hint">
        <Link to="/forgot">Forgot your password?</Link>
      </p>
    </form>
  );
}

function NewPassword({ email, challenge, onDone, onRestart }: StepProps) {
  const [complete, { loading }] = useMutation(CompleteNewPasswordDocument);
  const { error, onSubmit } = useFormAction(async (form) => {
    const problem = checkNewPassword(form);
    if (problem) return problem;
    const newPassword = text(form, "new-password", false);
    const r = await complete({ variables: { email, session: challenge, newPassword } });
    if (r.data) onDone(r.data.completeNewPassword);
    return undefined;
  });
  return (
    <form onSubmit={onSubmit} aria-labelledby="newpw-title">
      <h1 id="newpw-title" tabIndex={-1}>
        Choose a password
      </h1>
      <p>
        You signed in as <strong>{email}</strong> with a temporary password. Choose your own to
        continue.
      </p>
      <input type="email" name="username" autoComplete="username" value={email} readOnly hidden />
      <NewPasswordFields autoFocus />
      <Alert message={error} />
      <FormActions
        back="Back"
        onBack={onRestart}
        submit="Set password and sign in"
        busy={loading}
        busyLabel="Saving…"
      />
    </form>
  );
}

/** The second step for an account with an authenticator app: the six-digit code. */
function MfaCode({ email, challenge, onDone, onRestart }: StepProps) {
  const [complete, { loading }] = useMutation(CompleteMfaSignInDocument);
  const { error, onSubmit } = useFormAction(async (form) => {
    const r = await complete({
      variables: { email, session: challenge, code: text(form, "code") },
    });
    if (r.data) onDone(r.data.completeMfaSignIn);
  });
  return (
    <form onSubmit={onSubmit} aria-labelledby="mfa-title">
      <h1 id="mfa-title" tabIndex={-1}>
        Authenticator code
      </h1>
      <p>Enter the six-digit code your authenticator app shows for {email}.</p>
      <Field
        label="Code"
        id="code"
        name="code"
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="\d{6}"
        required
        autoFocus
      />
      <Alert message={error} />
      <FormActions
        back="Back"
        onBack={onRestart}
        submit="Sign in"
        busy={loading}
        busyLabel="Checking…"
      />
    </form>
  );
}
