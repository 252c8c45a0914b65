import { Duration, Lazy, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnManagedLoginBranding,
  FeaturePlan,
  ManagedLoginVersion,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
  UserPoolGroup,
  VerificationEmailStyle,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { adminGroup } from '../../functions/domain/identity/caller.ts';
import { authCallbackPath, type WebAuthConfig } from '../web-config.ts';
import { stackUuid } from './common.ts';

/** Props of {@link Identity}. */
export interface IdentityProps {
  /**
   * Whether people may create their own accounts on the sign-in page; otherwise an administrator
   * creates them.
   * @default true
   */
  readonly selfSignUp?: boolean;
  /**
   * Puts the user pool on the Plus feature plan with threat protection enforced (compromised credentials,
   * risky sign-ins), which Cognito bills per monthly active user with no free tier; Essentials otherwise.
   * @default false
   */
  readonly threatProtection?: boolean;
  /**
   * Protects the user pool from deletion and keeps it when it leaves the stack: it holds every account.
   * @default false
   */
  readonly deletionProtection?: boolean;
}

/**
 * Who people are: a Cognito user pool with its managed login pages, the `admin` group, and the web app's
 * public client (authorization code grant with PKCE; the access tokens it gets are what the API accepts).
 *
 * The client's callback and sign-out URLs are the app's origins, which only exist once the distribution
 * does; but the distribution serves the APIs, whose functions need the client id. The chain in
 * CloudFormation has no cycle (client → distribution → API ids; functions → client), only the order of
 * construction would: so the client is created here with its URLs left open, and
 * {@link Identity.addAppOrigins} fills them in once the distribution exists, as Media.serveThrough does
 * for CORS. Synthesis fails if it never is.
 */
export class Identity extends Construct {
  /** The user pool. */
  public readonly userPool: UserPool;
  /** The web app's public client. */
  public readonly client: UserPoolClient;
  /** The Cognito prefix domain serving the managed login pages and the OAuth endpoints. */
  public readonly domain: UserPoolDomain;
  /** Members see and manage every channel (`cognito:groups` contains {@link adminGroup}). */
  public readonly adminGroup: UserPoolGroup;
  /** Cognito's default look for the managed login pages, which version 2 needs for each client. */
  public readonly branding: CfnManagedLoginBranding;
  /** `https://cognito-idp.<region>.amazonaws.com/<poolId>`: the `iss` of the pool's tokens. */
  public readonly issuer: string;
  /** The pool's signing keys (`<issuer>/.well-known/jwks.json`). */
  public readonly jwksUrl: string;
  /** The web app's client id: the `client_id` claim of its access tokens. */
  public readonly clientId: string;
  /** `https://<prefix>.auth.<region>.amazoncognito.com`, the base of the managed login and OAuth endpoints. */
  public readonly baseUrl: string;

  private readonly appOrigins: string[] = [];

  constructor(scope: Construct, id: string, props: IdentityProps = {}) {
    super(scope, id);
    const deletionProtection = props.deletionProtection ?? false;
    const threatProtection = props.threatProtection ?? false;

    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: props.selfSignUp ?? true,
      // People pick a username (their name in the chat) and may sign in with their e-mail address too.
      signInAliases: { username: true, email: true },
      signInCaseSensitive: false,
      standardAttributes: { email: { required: true, mutable: true } },
      autoVerify: { email: true },
      // A changed address only replaces the old one once verified, so nobody loses access by a typo.
      keepOriginal: { email: true },
      // Sent by Cognito's own sender, whose small daily quota suits development; a busy production pool
      // sends through SES (`email: UserPoolEmail.withSES(...)`).
      userVerification: {
        emailStyle: VerificationEmailStyle.CODE,
        emailSubject: 'Your hiroba verification code',
        emailBody: 'Your hiroba verification code is {####}',
      },
      userInvitation: {
        emailSubject: 'Your hiroba account',
        emailBody: 'Your hiroba username is {username} and your temporary password is {####}',
      },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Managed login needs Essentials or Plus; threat protection needs Plus.
      featurePlan: threatProtection ? FeaturePlan.PLUS : FeaturePlan.ESSENTIALS,
      ...(threatProtection && { standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION }),
      deletionProtection,
      removalPolicy: deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.acknowledgeUserPoolFindings(threatProtection);

    this.adminGroup = new UserPoolGroup(this, 'AdminGroup', {
      userPool: this.userPool,
      groupName: adminGroup,
      description: 'hiroba administrators: see and manage every channel',
    });

    this.client = this.userPool.addClient('WebClient', {
      userPoolClientName: 'hiroba-web',
      // A browser app cannot keep a secret: it proves possession of the code with PKCE instead.
      generateSecret: false,
      // The code grant only: no implicit grant (tokens in the URL), no client credentials. Cognito has no
      // switch that requires PKCE; the web app always sends an S256 challenge, and Cognito then refuses
      // to redeem the code without its verifier.
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: Lazy.list({
          produce: () => this.appOrigins.map((origin) => `${origin}${authCallbackPath}`),
        }),
        logoutUrls: Lazy.list({ produce: () => [...this.appOrigins] }),
      },
      // Password sign-in with SRP only (the password itself is never sent) and refresh tokens to renew
      // sessions: no plain-password, admin or custom-auth flows.
      authFlows: { userSrp: true },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      enableTokenRevocation: true,
      preventUserExistenceErrors: true,
    });
    this.node.addValidation({
      validate: () =>
        this.appOrigins.length === 0
          ? ['Identity: no app origin was added (addAppOrigins), so the web client has no callback URL']
          : [],
    });

    // The stack id's uuid keeps the prefix unique across accounts, stacks and re-creations, and is known
    // before anything exists; prefixes must not contain "aws", "amazon" or "cognito", which hex cannot.
    this.domain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: `hiroba-${stackUuid()}` },
      managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    this.branding = new CfnManagedLoginBranding(this, 'ManagedLoginBranding', {
      userPoolId: this.userPool.userPoolId,
      clientId: this.client.userPoolClientId,
      useCognitoProvidedValues: true,
    });

    // ProviderName is `cognito-idp.<region>.<url suffix>/<poolId>`, exactly what Cognito puts in `iss`.
    this.issuer = `https://${this.userPool.userPoolProviderName}`;
    this.jwksUrl = `${this.issuer}/.well-known/jwks.json`;
    this.clientId = this.client.userPoolClientId;
    this.baseUrl = this.domain.baseUrl();
  }

  /**
   * Lets the web app served at each `https://` origin sign in and out: `<origin>/auth/callback` becomes a
   * callback URL and the origin itself a sign-out URL.
   */
  public addAppOrigins(origins: readonly string[]): void {
    this.appOrigins.push(...origins);
  }

  /** What the web app needs to sign people in, for its `config.json`. */
  public get webAuthConfig(): WebAuthConfig {
    return {
      issuer: this.issuer,
      clientId: this.clientId,
      authorizeUrl: `${this.baseUrl}/oauth2/authorize`,
      tokenUrl: `${this.baseUrl}/oauth2/token`,
      revokeUrl: `${this.baseUrl}/oauth2/revoke`,
      logoutUrl: `${this.baseUrl}/logout`,
    };
  }

  private acknowledgeUserPoolFindings(threatProtection: boolean): void {
    const acknowledge = (id: string, reason: string) =>
      Validations.of(this.userPool).acknowledge({ id, reason });
    acknowledge(
      'AwsSolutions-COG2',
      'MFA is optional, with authenticator apps (TOTP) as the only second factor: requiring it would put ' +
        'an authenticator-app setup in front of everyone who joins a community chat.',
    );
    if (!threatProtection) {
      acknowledge(
        'AwsSolutions-COG8',
        'Threat protection needs the Plus feature plan, billed for every monthly active user with no free tier; ' +
          'Essentials keeps a development stack in the free tier. Set the threatProtection context for production.',
      );
    }
  }
}
