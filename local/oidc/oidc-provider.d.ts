/**
 * Types for the part of oidc-provider 9 that the local issuer uses. The package ships no types and
 * `@types/oidc-provider` is not a dependency; these follow its documentation and `lib/` sources.
 */

declare module 'oidc-provider' {
  type IncomingMessage = import('node:http').IncomingMessage;
  type ServerResponse = import('node:http').ServerResponse;

  /** A registered client, as `Client.find` returns it. */
  export interface ClientModel {
    readonly clientId: string;
    grantTypeAllowed(grantType: string): boolean;
  }

  export interface SessionModel {
    readonly accountId?: string;
    grantIdFor(clientId: string): string | undefined;
    /** Removes the session from storage. */
    destroy(): Promise<void>;
  }

  /** Options of the provider's cookies, as the `cookies` package takes them. */
  export interface CookieOptions {
    httpOnly?: boolean;
    sameSite?: 'lax' | 'strict' | 'none';
    path?: string;
  }

  /** A plain Koa context around a request, as `Provider.createContext` makes one. */
  export interface KoaContext {
    readonly cookies: {
      get(name: string, options?: CookieOptions): string | undefined;
      set(name: string, value: string | null, options?: CookieOptions): void;
    };
  }

  export interface GrantModel {
    readonly accountId: string;
    readonly clientId: string;
    addOIDCScope(scope: string): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }

  export interface AccessTokenModel {
    readonly kind: string;
    readonly accountId?: string;
    readonly expiration: number;
    /** Saves (for opaque tokens) and returns the token's value; a JWT access token is only signed. */
    save(): Promise<string>;
  }

  export interface ResourceServerInfo {
    scope: string;
    audience?: string;
    accessTokenTTL?: number;
    accessTokenFormat?: 'opaque' | 'jwt';
    jwt?: { sign?: { alg?: string; kid?: string } };
  }

  export interface InteractionResults {
    login?: { accountId: string; remember?: boolean };
    consent?: { grantId: string };
    error?: string;
    error_description?: string;
  }

  export interface InteractionDetails {
    readonly uid: string;
    readonly prompt: { readonly name: string; readonly reasons: readonly string[] };
    readonly params: Readonly<Record<string, unknown>>;
  }

  /** The request context oidc-provider passes to configuration functions (a Koa context). */
  export interface ProviderContext {
    readonly host: string;
    type: string;
    body: unknown;
    readonly oidc: {
      readonly provider: Provider;
      readonly client?: ClientModel;
      readonly session?: SessionModel;
      readonly result?: InteractionResults;
      readonly requestParamOIDCScopes: ReadonlySet<string>;
    };
  }

  export interface ClientMetadata {
    client_id: string;
    client_name?: string;
    application_type?: 'web' | 'native';
    token_endpoint_auth_method?: string;
    redirect_uris: string[];
    post_logout_redirect_uris?: string[];
    grant_types?: string[];
    response_types?: string[];
  }

  export interface Account {
    accountId: string;
    claims(use: string, scope: string): Promise<Record<string, unknown>> | Record<string, unknown>;
  }

  export interface Configuration {
    adapter?: unknown;
    clients?: ClientMetadata[];
    jwks?: { keys: unknown[] };
    responseTypes?: string[];
    scopes?: string[];
    cookies?: { keys?: string[]; long?: CookieOptions };
    ttl?: Record<string, number>;
    pkce?: { required?: (ctx: ProviderContext, client: ClientModel) => boolean };
    clientBasedCORS?: (ctx: ProviderContext, origin: string, client: ClientModel) => boolean;
    interactions?: {
      url?: (ctx: ProviderContext, interaction: InteractionDetails) => string | Promise<string>;
    };
    findAccount?: (ctx: ProviderContext, sub: string) => Promise<Account | undefined>;
    extraTokenClaims?: (
      ctx: ProviderContext | undefined,
      token: AccessTokenModel,
    ) => Promise<Record<string, unknown> | undefined>;
    loadExistingGrant?: (ctx: ProviderContext) => Promise<GrantModel | undefined>;
    issueRefreshToken?: (ctx: ProviderContext, client: ClientModel, code: unknown) => Promise<boolean>;
    rotateRefreshToken?: (ctx: ProviderContext) => boolean | Promise<boolean>;
    expiresWithSession?: (ctx: ProviderContext, code: unknown) => Promise<boolean>;
    renderError?: (
      ctx: ProviderContext,
      out: { error: string; error_description?: string },
      error: Error,
    ) => Promise<void>;
    features?: {
      devInteractions?: { enabled: boolean };
      resourceIndicators?: {
        enabled: boolean;
        defaultResource?: (ctx: ProviderContext, client: ClientModel, oneOf?: string[]) => Promise<string>;
        getResourceServerInfo?: (
          ctx: ProviderContext,
          resourceIndicator: string,
          client: ClientModel,
        ) => Promise<ResourceServerInfo>;
        useGrantedResource?: (ctx: ProviderContext, model: unknown) => Promise<boolean>;
      };
      revocation?: { enabled: boolean };
      rpInitiatedLogout?: {
        enabled: boolean;
        logoutSource?: (ctx: ProviderContext, form: string) => Promise<void>;
        postLogoutSuccessSource?: (ctx: ProviderContext) => Promise<void>;
      };
    };
  }

  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    /** Koa's request listener for the provider's routes. */
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    on(event: string, listener: (...args: unknown[]) => void): this;
    /** Koa's context for a request outside the provider's routes (its cookies, signed with its keys). */
    createContext(req: IncomingMessage, res: ServerResponse): KoaContext;
    /** The configured name of a cookie (`session`, `interaction`, `resume`). */
    cookieName(type: 'session' | 'interaction' | 'resume'): string;
    readonly Session: {
      /** The session the request's cookie names; a new, unsaved one when there is none. */
      get(ctx: KoaContext): Promise<SessionModel & { readonly new?: boolean }>;
    };
    readonly Client: { find(id: string): Promise<ClientModel | undefined> };
    readonly Grant: {
      new (init: { accountId: string; clientId: string }): GrantModel;
      find(id: string): Promise<GrantModel | undefined>;
    };
    readonly AccessToken: new (init: {
      accountId: string;
      client: ClientModel;
      resourceServer: unknown;
      gty?: string;
    }) => AccessTokenModel;
    readonly ResourceServer: new (
      identifier: string,
      info: ResourceServerInfo,
    ) => unknown;
  }

  export const errors: {
    OIDCProviderError: new (...args: unknown[]) => Error & { status: number; error: string };
    SessionNotFound: new (description?: string) => Error & { status: number; error: string };
    InvalidTarget: new (description?: string) => Error & { status: number; error: string };
  };

  export default Provider;
}

declare module 'oidc-provider/lib/adapters/memory_adapter.js' {
  /** A factory of in-memory adapters sharing one store of their own (not the module's global one). */
  export function createMemoryAdapter(clockTolerance?: number): (model: string) => unknown;
}
