import { useMutation, useQuery } from "@apollo/client/react";
import { useEffect, useMemo, useState } from "react";
import { encode } from "uqr";
import {
  BeginTotpSetupDocument,
  ChangePasswordDocument,
  ConfirmTotpSetupDocument,
  MeDocument,
  RequestPasswordResetDocument,
  SetPasswordWithTokenDocument,
  SignOutEverywhereDocument,
} from "../../../client/index.js";
import type { BeginTotpSetupMutation } from "../../../client/index.js";
import { Alert, Field, FormActions, text, useFormAction } from "../components/Form.js";
import { describeError } from "../errors.js";
import { Link, navigate, usePageTitle } from "../router.js";
import type { Session } from "../session.js";
import {
  AuthCard,
  EmailField,
  NewPasswordFields,
  checkNewPassword,
} from "../components/Password.js";

/**
 * `/welcome#token=…` (invitation) and `/reset#token=…` (forgot password): choose a password with
 * the one-time token from the email, then the user is signed in. The token is read from the URL
 * fragment (never sent to a server in a request line or a Referer) and removed from the address
 * bar at once.
 */
export function SetPasswordPage({
  session,
  kind,
}: {
  session: Session;
  kind: "welcome" | "reset";
}) {
  const title = kind === "welcome" ? "Welcome: choose your password" : "Choose a new password";
  usePageTitle(title);
  const [token] = useState(() => new URLSearchParams(window.location.hash.slice(1)).get("token"));
  useEffect(() => {
    if (window.location.hash) window.history.replaceState(null, "", window.location.pathname);
  }, []);
  const [setPassword, { loading }] = useMutation(SetPasswordWithTokenDocument);
  const { error, onSubmit } = useFormAction(async (form) => {
    const problem = checkNewPassword(form);
    if (problem) return problem;
    if (!token) return "This link is incomplete. Open the link from the email again.";
    const r = await setPassword({
      variables: { token, newPassword: text(form, "new-password", false) },
    });
    if (r.data) {
      session.signedIn(r.data.setPasswordWithToken);
      navigate("/", { replace: true });
    }
    return undefined;
  });
  return (
    <AuthCard>
      <form onSubmit={onSubmit} aria-labelledby="setpw-title">
        <h1 id="setpw-title" tabIndex={-1}>
          {title}
        </h1>
        {!token && (
          <p role="alert" className="error">
            This link is incomplete. Open the link from the email again, or{" "}
            <Link to="/forgot">ask for a new one</Link>.
          </p>
        )}
        <NewPasswordFields autoFocus />
        <Alert message={error} />
        {error && (
          <p>
            Links work once and for a limited time: <Link to="/forgot">ask for a new one</Link>.
          </p>
        )}
        <button type="submit" className="primary" disabled={loading || !token}>
          {loading ? "Saving…" : "Set password and sign in"}
        </button>
      </form>
    </AuthCard>
  );
}

/** `/forgot`: asks for a reset link; the answer is the same whether the address is known or not. */
export function ForgotPasswordPage() {
  usePageTitle("Forgot password");
  const [request, { loading }] = useMutation(RequestPasswordResetDocument);
  const [sentTo, setSentTo] = useState("");
  const { error, onSubmit } = useFormAction(async (form) => {
    const email = text(form, "email");
    await request({ variables: { email } });
    setSentTo(email);
  });
  return (
    <AuthCard>
      <form onSubmit={onSubmit} aria-labelledby="forgot-title">
        <h1 id="forgot-title" tabIndex={-1}>
          Forgot password
        </h1>
        {sentTo ? (
          <p role="status">
            If an account uses <strong>{sentTo}</strong>, an email with a link to choose a new
            password is on its way. The link works once.
          </p>
        ) : (
          <>
            <p>We email you a link to choose a new password.</p>
            <EmailField />
            <Alert message={error} />
            <button type="submit" className="primary" disabled={loading}>
              {loading ? "Sending…" : "Email me a link"}
            </button>
          </>
        )}
        <p>
          <Link to="/">Back to sign-in</Link>
        </p>
      </form>
    </AuthCard>
  );
}

/** A QR code as SVG squares (no inline style, no image request): the CSP stays strict. */
function QrCode({ value, label }: { value: string; label: string }) {
  const path = useMemo(() => {
    const { data, size } = encode(value, { border: 2 });
    let d = "";
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) if (data[y]?.[x]) d += `M${x} ${y}h1v1h-1z`;
    return { d, size };
  }, [value]);
  return (
    <svg
      className="qr"
      viewBox={`0 0 ${path.size} ${path.size}`}
      role="img"
      aria-label={label}
      shapeRendering="crispEdges"
    >
      <rect width={path.size} height={path.size} fill="#fff" />
      <path d={path.d} fill="#000" />
    </svg>
  );
}

/** `/account`: the signed-in user's own settings. */
export function AccountPage({ session }: { session: Session }) {
  usePageTitle("Account");
  const { data, refetch } = useQuery(MeDocument);
  const me = data?.me;
  const [change, { loading: changing }] = useMutation(ChangePasswordDocument);
  const [everywhere, { loading: leaving }] = useMutation(SignOutEverywhereDocument);
  const [problem, setProblem] = useState("");
  const password = useFormAction(async (form) => {
    const bad = checkNewPassword(form);
    if (bad) return bad;
    await change({
      variables: {
        currentPassword: text(form, "current-password", false),
        newPassword: text(form, "new-password", false),
      },
    });
    // Every session of this user ends with the change, this one too.
    session.signOut("Your password was changed. Sign in with the new one.");
    return undefined;
  });
  const signOutEverywhere = async () => {
    try {
      await everywhere();
      session.signOut("You were signed out on every device.");
    } catch (err) {
      setProblem(describeError(err));
    }
  };
  return (
    <section className="page">
      <h1 tabIndex={-1}>Account</h1>
      <dl>
        <dt>Email</dt>
        <dd>{me?.email}</dd>
        <dt>Role</dt>
        <dd>{me?.role === "ADMIN" ? "Administrator" : "Customer"}</dd>
        <dt>Authenticator app</dt>
        <dd data-testid="mfa-status">{me ? (me.mfaEnabled ? "On" : "Off") : ""}</dd>
      </dl>

      <h2>Change password</h2>
      <form onSubmit={password.onSubmit} className="narrow">
        <Field
          label="Current password"
          id="current-password"
          name="current-password"
          type="password"
          autoComplete="current-password"
          required
        />
        <NewPasswordFields />
        <Alert message={password.error} />
        <button type="submit" className="primary" disabled={changing}>
          {changing ? "Saving…" : "Change password"}
        </button>
      </form>

      <h2>Sessions</h2>
      <p>Sign out on every device and browser where you are signed in, this one included.</p>
      <button type="button" onClick={() => void signOutEverywhere()} disabled={leaving}>
        Sign out everywhere
      </button>
      <Alert message={problem} />

      <h2>Authenticator app</h2>
      {me?.mfaEnabled ? (
        <p>Sign-in asks for a code from your authenticator app.</p>
      ) : (
        <TotpSetup onDone={() => void refetch()} />
      )}
    </section>
  );
}

function TotpSetup({ onDone }: { onDone: () => void }) {
  const [begin, { loading: beginning }] = useMutation(BeginTotpSetupDocument);
  const [confirm, { loading: confirming }] = useMutation(ConfirmTotpSetupDocument);
  const [setup, setSetup] = useState<BeginTotpSetupMutation["beginTotpSetup"] | null>(null);
  const [problem, setProblem] = useState("");
  const start = async () => {
    setProblem("");
    try {
      const r = await begin();
      if (r.data) setSetup(r.data.beginTotpSetup);
    } catch (err) {
      setProblem(describeError(err));
    }
  };
  const { error, onSubmit } = useFormAction(async (form) => {
    await confirm({ variables: { code: text(form, "totp-code") } });
    setSetup(null);
    onDone();
  });
  if (!setup)
    return (
      <>
        <p>Add a second step to sign-in: a six-digit code from an app on your phone.</p>
        <button type="button" onClick={() => void start()} disabled={beginning}>
          Set up an authenticator app
        </button>
        <Alert message={problem} />
      </>
    );
  return (
    <form onSubmit={onSubmit} className="narrow">
      <p>Scan this code with your authenticator app, or type the key by hand.</p>
      <QrCode value={setup.otpauthUri} label="QR code for your authenticator app" />
      <p>
        Key: <code data-testid="totp-secret">{setup.secret}</code>
      </p>
      <Field
        label="Code from the app"
        id="totp-code"
        name="totp-code"
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="\d{6}"
        required
      />
      <Alert message={error} />
      <FormActions
        back="Cancel"
        onBack={() => setSetup(null)}
        submit="Turn on"
        busy={confirming}
        busyLabel="Checking…"
      />
    </form>
  );
}
