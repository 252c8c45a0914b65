/**
 * Signing in: OIDC authorization code + PKCE against the issuer `config.json` names (the local issuer
 * locally, Cognito in AWS), with oidc-client-ts.
 *
 * - The endpoints come from `config.json`, not discovery: Cognito's discovery has no sign-out endpoint,
 *   and one build serves every environment.
 * - Tokens live in this tab's `sessionStorage`: they survive a reload but not the tab, and no other
 *   tab or page can read them after the tab is closed. A new tab signs in again through the issuer,
 *   which remembers the browser, so it costs one redirect and no typing.
 * - The access token is renewed with the refresh token a minute before it expires.
 * - Signing out revokes the refresh token, forgets the tokens here, then sends the browser to the
 *   issuer's sign-out endpoint (Cognito's `logout?client_id=…&logout_uri=…`).
 */
import { type User, UserManager, WebStorageStateStore } from 'oidc-client-ts';
import { authCallbackPath, type WebAuthConfig } from '../../../lib/web-config.ts';

/** Remembered across tabs: this browser was signed in, so a new tab may sign in without asking. */
const signedInKey = 'hiroba.signedIn';

export interface Auth {
  /** The signed-in user's access token, renewed first if it is about to expire; `null` when signed out. */
  accessToken(): Promise<string | null>;
  /** The current user, if any (from this tab's storage). */
  currentUser(): Promise<User | null>;
  /** Sends the browser to the issuer's sign-in page; it comes back to `returnTo`. */
  signIn(returnTo: string): Promise<void>;
  /** Finishes a sign-in at the callback URL; resolves the path to return to. */
  completeSignIn(): Promise<string>;
  /** Forgets the session and signs out of the issuer. */
  signOut(): Promise<void>;
  /** Forgets the session here only (the issuer refused our token). */
  forget(): Promise<void>;
  /** Whether this browser was signed in before (in another tab, or before this tab was opened). */
  wasSignedIn(): boolean;
  /** Called whenever the user changes (signed in, renewed, signed out). */
  onChange(listener: (user: User | null) => void): void;
}

export function createAuth(config: WebAuthConfig, origin: string): Auth {
  const manager = new UserManager({
    authority: config.issuer,
    client_id: config.clientId,
    redirect_uri: `${origin}${authCallbackPath}`,
    post_logout_redirect_uri: `${origin}/`,
    response_type: 'code',
    scope: 'openid',
    metadata: {
      issuer: config.issuer,
      authorization_endpoint: config.authorizeUrl,
      token_endpoint: config.tokenUrl,
      revocation_endpoint: config.revokeUrl,
    },
    revokeTokenTypes: ['refresh_token'],
    userStore: new WebStorageStateStore({ store: sessionStorage }),
    stateStore: new WebStorageStateStore({ store: sessionStorage }),
    automaticSilentRenew: true,
    accessTokenExpiringNotificationTimeInSeconds: 60,
    loadUserInfo: false,
    monitorSession: false,
  });
  const listeners: Array<(user: User | null) => void> = [];
  const emit = (user: User | null) => {
    for (const listener of listeners) listener(user);
  };
  manager.events.addUserLoaded((user) => emit(user));
  manager.events.addUserUnloaded(() => emit(null));
  manager.events.addSilentRenewError(() => {
    // No refresh token, or the issuer refused it: the session ends when the access token does.
  });

  const remember = (signedIn: boolean) => {
    try {
      if (signedIn) localStorage.setItem(signedInKey, '1');
      else localStorage.removeItem(signedInKey);
    } catch {
      // No storage: nothing to remember.
    }
  };

  return {
    async accessToken() {
      const user = await manager.getUser();
      if (!user) return null;
      if (!user.expired && (user.expires_in ?? 0) > 30) return user.access_token;
      if (!user.refresh_token) return user.expired ? null : user.access_token;
      try {
        const renewed = await manager.signinSilent();
        return renewed?.access_token ?? null;
      } catch {
        return user.expired ? null : user.access_token;
      }
    },
    currentUser: () => manager.getUser(),
    async signIn(returnTo) {
      await manager.signinRedirect({ state: returnTo });
    },
    async completeSignIn() {
      const user = await manager.signinRedirectCallback();
      remember(true);
      const state = typeof user.state === 'string' ? user.state : '/';
      return state.startsWith('/') && !state.startsWith('//') ? state : '/';
    },
    async signOut() {
      remember(false);
      // Cognito's /logout ends its session but revokes nothing: the refresh token is revoked first.
      await manager.revokeTokens(['refresh_token']).catch(() => {});
      await manager.removeUser();
      const url = new URL(config.logoutUrl);
      url.searchParams.set('client_id', config.clientId);
      url.searchParams.set('logout_uri', origin);
      location.assign(url.toString());
    },
    async forget() {
      await manager.removeUser();
    },
    wasSignedIn() {
      try {
        return localStorage.getItem(signedInKey) === '1';
      } catch {
        return false;
      }
    },
    onChange(listener) {
      listeners.push(listener);
    },
  };
}
