import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { adminGroup } from '../../functions/domain/identity/caller.ts';
import { Identity } from '../../lib/constructs/identity.ts';
import {
  assemblyDir,
  onlyResource,
  referencedId,
  template,
  templateJson,
  webDeployments,
} from './support/assembly.ts';
import { assetDirectory } from './support/bundles.ts';

const userPoolId = () => onlyResource('AWS::Cognito::UserPool')[0];
const clientId = () => onlyResource('AWS::Cognito::UserPoolClient')[0];
const distributionDomain = () => ({
  'Fn::GetAtt': [onlyResource('AWS::CloudFront::Distribution')[0], 'DomainName'],
});

/** An Identity alone in a stack, for the settings the deployed stack does not exercise. */
function identityTemplate(props: ConstructorParameters<typeof Identity>[2]): Template {
  const stack = new Stack(new App(), 'IdentityOnly');
  new Identity(stack, 'Identity', props).addAppOrigins(['https://chat.example.com']);
  return Template.fromStack(stack);
}

describe('user pool', () => {
  it('lets people sign up themselves, with a username and their e-mail address as an alias', () => {
    template().hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
      AliasAttributes: ['email'],
      UsernameAttributes: Match.absent(),
      UsernameConfiguration: { CaseSensitive: false },
    });
  });

  it('requires a verified e-mail address, and keeps the old one until a new one is verified', () => {
    template().hasResourceProperties('AWS::Cognito::UserPool', {
      Schema: [{ Name: 'email', Required: true, Mutable: true }],
      AutoVerifiedAttributes: ['email'],
      UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['email'] },
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
    });
  });

  it('requires passwords of 12 characters with every character class', () => {
    template().hasResourceProperties('AWS::Cognito::UserPool', {
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
          TemporaryPasswordValidityDays: 3,
        },
      },
    });
  });

  it('offers optional MFA with authenticator apps (TOTP), not SMS', () => {
    template().hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
    });
  });

  it('is on the Essentials plan without threat protection by default', () => {
    template().hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolTier: 'ESSENTIALS',
      UserPoolAddOns: Match.absent(),
    });
  });

  it('is neither deletion-protected nor kept by default', () => {
    template().hasResource('AWS::Cognito::UserPool', {
      Properties: Match.objectLike({ DeletionProtection: 'INACTIVE' }),
      DeletionPolicy: 'Delete',
    });
  });

  it('has the admin group the API checks for', () => {
    expect(adminGroup).toBe('admin');
    template().hasResourceProperties('AWS::Cognito::UserPoolGroup', {
      GroupName: adminGroup,
      UserPoolId: { Ref: userPoolId() },
    });
  });
});

describe('web app client', () => {
  const client = () => onlyResource('AWS::Cognito::UserPoolClient')[1].Properties ?? {};

  it('is public: no secret', () => {
    expect(client().GenerateSecret).toBe(false);
  });

  it('allows the authorization code grant only (PKCE), with the openid, email and profile scopes', () => {
    expect(client()).toMatchObject({
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      SupportedIdentityProviders: ['COGNITO'],
    });
  });

  it('signs passwords in with SRP only, and renews sessions with refresh tokens', () => {
    expect(client().ExplicitAuthFlows).toEqual(['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);
  });

  it('issues access tokens for 1 hour and refresh tokens for 30 days, which can be revoked', () => {
    expect(client()).toMatchObject({
      AccessTokenValidity: 60,
      RefreshTokenValidity: 30 * 24 * 60,
      TokenValidityUnits: { AccessToken: 'minutes', RefreshToken: 'minutes' },
      EnableTokenRevocation: true,
    });
  });

  it('does not rotate refresh tokens, as the local issuer does not', () => {
    expect(client().RefreshTokenRotation).toBeUndefined();
  });

  it('does not reveal whether an account exists', () => {
    expect(client().PreventUserExistenceErrors).toBe('ENABLED');
  });

  it("returns to the app's /auth/callback and signs out to the app's origin, on the distribution", () => {
    expect(client().CallbackURLs).toEqual([
      { 'Fn::Join': ['', ['https://', distributionDomain(), '/auth/callback']] },
    ]);
    expect(client().LogoutURLs).toEqual([{ 'Fn::Join': ['', ['https://', distributionDomain()]] }]);
  });
});

describe('managed login', () => {
  it('is served on a Cognito prefix domain named from the stack id, in version 2', () => {
    template().hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      UserPoolId: { Ref: userPoolId() },
      Domain: {
        'Fn::Join': ['', ['hiroba-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }]],
      },
      ManagedLoginVersion: 2,
      CustomDomainConfig: Match.absent(),
    });
  });

  it("has Cognito's default branding for the web client", () => {
    template().hasResourceProperties('AWS::Cognito::ManagedLoginBranding', {
      UserPoolId: { Ref: userPoolId() },
      ClientId: { Ref: clientId() },
      UseCognitoProvidedValues: true,
    });
  });
});

describe('web app configuration', () => {
  /** config.json as deployed: each deploy-time marker replaced by `${LogicalId}` or `${LogicalId.Attr}`. */
  function deployedConfig(): unknown {
    const [, deployment] = webDeployments().app;
    const keys = deployment.Properties?.SourceObjectKeys as string[];
    const markers = deployment.Properties?.SourceMarkers as Record<string, unknown>[];
    const index = keys.findIndex((key) =>
      existsSync(join(assemblyDir(), assetDirectory(key), 'config.json')),
    );
    expect(index, 'an asset holding config.json').toBeGreaterThanOrEqual(0);
    let text = readFileSync(join(assemblyDir(), assetDirectory(keys[index] ?? ''), 'config.json'), 'utf8');
    for (const [marker, value] of Object.entries(markers[index] ?? {})) {
      const name = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
      const spelled = name.Ref ?? name['Fn::GetAtt']?.join('.') ?? JSON.stringify(value);
      text = text.replaceAll(marker, `\${${spelled}}`);
    }
    return JSON.parse(text);
  }

  it("writes config.json with the pool's issuer, the web client and the managed login endpoints", () => {
    const domain = onlyResource('AWS::Cognito::UserPoolDomain')[0];
    const base = `https://\${${domain}}.auth.\${AWS::Region}.amazoncognito.com`;
    expect(deployedConfig()).toEqual({
      auth: {
        issuer: `https://\${${userPoolId()}.ProviderName}`,
        clientId: `\${${clientId()}}`,
        authorizeUrl: `${base}/oauth2/authorize`,
        tokenUrl: `${base}/oauth2/token`,
        revokeUrl: `${base}/oauth2/revoke`,
        logoutUrl: `${base}/logout`,
      },
    });
  });
});

describe('stack outputs', () => {
  it('name the user pool, the web client, the issuer and the sign-in base URL', () => {
    const outputs = templateJson().Outputs ?? {};
    expect(referencedId(outputs.UserPoolId?.Value)).toBe(userPoolId());
    expect(referencedId(outputs.WebClientId?.Value)).toBe(clientId());
    expect(outputs.AuthIssuer?.Value).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [userPoolId(), 'ProviderName'] }]],
    });
    expect(JSON.stringify(outputs.SignInBaseUrl?.Value)).toContain('.amazoncognito.com');
  });
});

describe('Identity', () => {
  it('lets only administrators create accounts when self sign-up is off', () => {
    identityTemplate({ selfSignUp: false }).hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
  });

  it('enforces threat protection on the Plus plan when asked to', () => {
    identityTemplate({ threatProtection: true }).hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    });
  });

  it('protects and keeps the user pool when deletion protection is on', () => {
    identityTemplate({ deletionProtection: true }).hasResource('AWS::Cognito::UserPool', {
      Properties: Match.objectLike({ DeletionProtection: 'ACTIVE' }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('registers a callback and a sign-out URL for every app origin', () => {
    const stack = new Stack(new App(), 'TwoOrigins');
    new Identity(stack, 'Identity').addAppOrigins([
      'https://chat.example.com',
      'https://d111.cloudfront.net',
    ]);
    Template.fromStack(stack).hasResourceProperties('AWS::Cognito::UserPoolClient', {
      CallbackURLs: ['https://chat.example.com/auth/callback', 'https://d111.cloudfront.net/auth/callback'],
      LogoutURLs: ['https://chat.example.com', 'https://d111.cloudfront.net'],
    });
  });

  it('refuses to synthesize a client without any app origin to return to', () => {
    const stack = new Stack(new App(), 'NoOrigin');
    new Identity(stack, 'Identity');
    expect(() => Template.fromStack(stack)).toThrow(/no app origin was added/);
  });

  it('derives the issuer, the signing keys and the OAuth endpoints from the pool and its domain', () => {
    const stack = new Stack(new App(), 'Endpoints');
    const identity = new Identity(stack, 'Identity');
    const resolve = (value: string) => JSON.stringify(stack.resolve(value));
    expect(resolve(identity.issuer)).toMatch(
      /^\{"Fn::Join":\["",\["https:\/\/",\{"Fn::GetAtt":\["IdentityUserPool[0-9A-F]+","ProviderName"\]\}\]\]\}$/,
    );
    expect(resolve(identity.jwksUrl)).toContain('"/.well-known/jwks.json"');
    const auth = identity.webAuthConfig;
    expect(resolve(auth.authorizeUrl)).toMatch(/\.amazoncognito\.com\/oauth2\/authorize"\]\]\}$/);
    expect(resolve(auth.tokenUrl)).toMatch(/\.amazoncognito\.com\/oauth2\/token"\]\]\}$/);
    expect(resolve(auth.revokeUrl)).toMatch(/\.amazoncognito\.com\/oauth2\/revoke"\]\]\}$/);
    expect(resolve(auth.logoutUrl)).toMatch(/\.amazoncognito\.com\/logout"\]\]\}$/);
  });
});
