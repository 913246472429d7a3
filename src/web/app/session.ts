import type { AuthTokensFieldsFragment } from "../../client/index.js";

/**
 * The signed-in session. Access and ID tokens live in this module's memory only; the refresh
 * token is the one thing kept in sessionStorage, so a reload (same tab) signs back in without a
 * password and closing the tab ends it. No password is ever stored.
 *
 * Tokens are refreshed ahead of their expiry (`expiresIn`), so requests never carry a token that
 * is about to lapse; a refused refresh signs out.
 */
export type SessionState =
  | { readonly status: "restoring" }
  | { readonly status: "signedOut"; readonly notice?: string }
  | { readonly status: "signedIn"; readonly expiresAt: number };

/** sessionStorage key of the refresh token (the only credential kept in the browser). */
export const REFRESH_KEY = "portal.refreshToken";

/** Refresh this long before expiry (or at 80% of a short lifetime). */
const REFRESH_AHEAD_SECONDS = 300;
/** After a failed refresh that was not a refusal (network, outage), try again after this. */
const RETRY_SECONDS = 20;

export type Refresher = (refreshToken: string) => Promise<AuthTokensFieldsFragment>;

/** Thrown by a Refresher when the API refused the token (not a network problem). */
export class RefreshRefused extends Error {}

export class Session {
  private state: SessionState = { status: "restoring" };
  private accessToken: string | null = null;
  private timer: number | undefined;
  private readonly listeners = new Set<() => void>();
  private refresher: Refresher | undefined;

  constructor(private readonly storage: Storage) {}

  /** How the session gets new tokens (set once the API client exists). */
  setRefresher(refresher: Refresher): void {
    this.refresher = refresher;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): SessionState => this.state;

  /** The bearer token for API requests, or null when signed out. */
  token(): string | null {
    return this.accessToken;
  }

  /** At start: sign back in from the refresh token kept for this tab, if any. */
  async restore(): Promise<void> {
    const refreshToken = this.storage.getItem(REFRESH_KEY);
    if (!refreshToken) {
      this.set({ status: "signedOut" });
      return;
    }
    await this.refresh(refreshToken, true);
  }

  /** New tokens from signIn, completeNewPassword or refreshTokens. */
  signedIn(tokens: AuthTokensFieldsFragment): void {
    this.accessToken = tokens.accessToken;
    // Cognito does not send a new refresh token on refresh: keep the one we have.
    if (tokens.refreshToken) this.storage.setItem(REFRESH_KEY, tokens.refreshToken);
    const expiresAt = Date.now() + tokens.expiresIn * 1000;
    const ahead = Math.min(REFRESH_AHEAD_SECONDS, tokens.expiresIn * 0.2);
    this.schedule(Math.max(5, tokens.expiresIn - ahead));
    this.set({ status: "signedIn", expiresAt });
  }

  /** Forgets every token; `notice` is shown on the sign-in page. */
  signOut(notice?: string): void {
    this.accessToken = null;
    this.storage.removeItem(REFRESH_KEY);
    if (this.timer !== undefined) window.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.state.status === "signedOut" && !notice) return;
    this.set(notice ? { status: "signedOut", notice } : { status: "signedOut" });
  }

  /** The API refused the token: back to sign-in, saying why. */
  expired(): void {
    if (this.state.status !== "signedIn") return;
    this.signOut("Your session has ended. Please sign in again.");
  }

  private schedule(seconds: number): void {
    if (this.timer !== undefined) window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => {
      const refreshToken = this.storage.getItem(REFRESH_KEY);
      if (refreshToken) void this.refresh(refreshToken, false);
      else this.expired();
    }, seconds * 1000);
  }

  private async refresh(refreshToken: string, restoring: boolean): Promise<void> {
    if (!this.refresher) throw new Error("Session.setRefresher was not called");
    try {
      this.signedIn(await this.refresher(refreshToken));
    } catch (err) {
      if (err instanceof RefreshRefused) {
        this.signOut(restoring ? undefined : "Your session has ended. Please sign in again.");
        return;
      }
      // Not a refusal: the network or the API is down. Keep the token and try again soon; the
      // current access token stays valid until its own expiry.
      if (restoring) this.set({ status: "signedOut", notice: "Cannot reach the server." });
      else this.schedule(RETRY_SECONDS);
    }
  }

  private set(state: SessionState): void {
    this.state = state;
    for (const l of this.listeners) l();
  }
}
