import { useApolloClient, useQuery } from "@apollo/client/react";
import { useEffect, useMemo, useRef, useSyncExternalStore } from "react";
import { MeDocument } from "../../client/index.js";
import type { MeQuery } from "../../client/index.js";
import { describeError } from "./errors.js";
import { CustomerPage } from "./pages/CustomerPage.js";
import { CustomersPage } from "./pages/CustomersPage.js";
import { FilesPage, GeneralFilesPage } from "./pages/FilesPage.js";
import { AccountPage, ForgotPasswordPage, SetPasswordPage } from "./pages/AccountPages.js";
import { NotAllowedPage, NotFoundPage } from "./pages/Problems.js";
import { SignInPage } from "./pages/SignInPage.js";
import { Link, match, navigate, useFocusOnNavigate, usePath } from "./router.js";
import type { Session } from "./session.js";
import { ResumeStore, Uploads, apolloUploadApi } from "./uploads.js";

export type Viewer = MeQuery["me"];

/**
 * The app's routes. Customers: /files. Admins: /customers, /customers/:id, /general. Signed out,
 * every route shows the sign-in form and, once signed in, the page that was asked for.
 * /welcome#token=… and /reset#token=… (the emailed links) and /forgot work signed out; /account
 * (change password, sign out everywhere, authenticator app) is every signed-in user's.
 */
export function App({ session }: { session: Session }) {
  const state = useSyncExternalStore(session.subscribe, session.getSnapshot);
  const path = usePath();
  const client = useApolloClient();
  const wasSignedIn = useRef(false);
  useEffect(() => {
    // Nothing one user loaded stays in memory for the next.
    if (state.status === "signedIn") wasSignedIn.current = true;
    else if (wasSignedIn.current) {
      wasSignedIn.current = false;
      void client.clearStore();
    }
  }, [state.status, client]);

  if (state.status === "restoring")
    return (
      <main id="main" className="centered" aria-busy="true">
        <p>Loading…</p>
      </main>
    );
  // The emailed links and the reset request work signed in or out.
  if (path === "/welcome" || path === "/reset")
    return <SetPasswordPage session={session} kind={path === "/welcome" ? "welcome" : "reset"} />;
  if (path === "/forgot" && state.status !== "signedIn") return <ForgotPasswordPage />;
  if (state.status === "signedOut") return <SignInPage session={session} notice={state.notice} />;
  return <SignedIn session={session} />;
}

function SignedIn({ session }: { session: Session }) {
  const { data, error } = useQuery(MeDocument);
  if (error)
    return (
      <main id="main" className="centered">
        <p role="alert" className="error">
          {describeError(error)}
        </p>
        <button type="button" onClick={() => session.signOut()}>
          Back to sign-in
        </button>
      </main>
    );
  if (!data)
    return (
      <main id="main" className="centered" aria-busy="true">
        <p>Loading…</p>
      </main>
    );
  return <Shell session={session} viewer={data.me} />;
}

function Shell({ session, viewer }: { session: Session; viewer: Viewer }) {
  const path = usePath();
  const client = useApolloClient();
  useFocusOnNavigate(path);
  const uploads = useMemo(() => {
    let timer: number | undefined;
    let inFlight = false;
    let again = false;
    // A refetch asked for while one is on its way runs again after it: Apollo would answer it
    // from the request already sent, which left before the newest upload was stored.
    const refetch = () => {
      if (inFlight) {
        again = true;
        return;
      }
      inFlight = true;
      void client.refetchQueries({ include: ["Files"] }).finally(() => {
        inFlight = false;
        if (again) {
          again = false;
          refetch();
        }
      });
    };
    // Several files finishing together refresh the listing once.
    const refresh = () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(refetch, 150);
    };
    return new Uploads(
      apolloUploadApi(client),
      new ResumeStore(window.localStorage),
      viewer.id,
      refresh,
    );
  }, [client, viewer.id]);

  const admin = viewer.role === "ADMIN";
  const home = admin ? "/customers" : "/files";
  useEffect(() => {
    if (path === "/" || path === "/signin" || path === "/forgot" || (admin && path === "/files"))
      navigate(home, { replace: true });
  }, [path, admin, home]);

  let page;
  let params: Record<string, string> | null;
  if (match("/files", path) && !admin) page = <FilesPage uploads={uploads} />;
  else if (match("/account", path)) page = <AccountPage session={session} />;
  else if (match("/customers", path))
    page = admin ? <CustomersPage /> : <NotAllowedPage home={home} />;
  else if ((params = match("/customers/:id", path)))
    page = admin ? (
      <CustomerPage id={params.id as string} uploads={uploads} />
    ) : (
      <NotAllowedPage home={home} />
    );
  else if (match("/general", path))
    page = admin ? <GeneralFilesPage uploads={uploads} /> : <NotAllowedPage home={home} />;
  else if (path === "/" || path === "/signin" || path === "/files" || path === "/forgot")
    page = null;
  else page = <NotFoundPage home={home} />;

  const signOut = () => {
    session.signOut();
    navigate("/", { replace: true });
  };
  const current = (to: string) => (path === to || path.startsWith(`${to}/`) ? "page" : undefined);
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to={home} className="brand">
          File portal
        </Link>
        <nav aria-label="Main">
          <ul>
            {admin ? (
              <>
                <li>
                  <Link to="/customers" aria-current={current("/customers")}>
                    Customers
                  </Link>
                </li>
                <li>
                  <Link to="/general" aria-current={current("/general")}>
                    General files
                  </Link>
                </li>
              </>
            ) : (
              <li>
                <Link to="/files" aria-current={current("/files")}>
                  Files
                </Link>
              </li>
            )}
          </ul>
        </nav>
        <div className="who">
          <span className="viewer" data-testid="viewer">
            {viewer.email ?? viewer.id}
            {admin ? " (admin)" : ""}
          </span>
          <Link to="/account" aria-current={current("/account")}>
            Account
          </Link>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </>
  );
}
