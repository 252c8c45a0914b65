/**
 * Names of the environment variables that configure the functions.
 *
 * The stack (`lib/`) sets them, local AWS (`local/`) sets them, and `functions/shared/config.ts`
 * reads them: this map is the one place the names are spelled.
 */
export const ENV = {
  /** ARN of the Aurora cluster the Data API talks to. */
  databaseClusterArn: 'DATABASE_CLUSTER_ARN',
  /** ARN of the Secrets Manager secret holding the database credentials. */
  databaseSecretArn: 'DATABASE_SECRET_ARN',
  /** Name of the PostgreSQL database. */
  databaseName: 'DATABASE_NAME',
  /** Name of the DynamoDB table holding WebSocket connections and subscriptions. */
  connectionsTable: 'CONNECTIONS_TABLE',
  /** `https://` URL of the WebSocket API stage, used for the `@connections` management API. */
  connectionsEndpoint: 'CONNECTIONS_ENDPOINT',
  /** Seconds a connection record lives before its TTL removes it (API Gateway's 2 h maximum). */
  connectionTtlSeconds: 'CONNECTION_TTL_SECONDS',
  /** The OIDC issuer whose access tokens are accepted (Cognito user pool, or the local issuer). */
  authIssuer: 'AUTH_ISSUER',
  /** The app client whose tokens are accepted: Cognito's `client_id` claim, or the local issuer's `aud`. */
  authClientId: 'AUTH_CLIENT_ID',
  /** The issuer's JWKS document (signing keys), fetched once per container and cached. */
  authJwksUrl: 'AUTH_JWKS_URL',
  /** Name of the function that delivers a stored message to a channel's subscribers (invoked asynchronously). */
  fanOutFunction: 'FAN_OUT_FUNCTION',
  /** Name of the S3 bucket holding uploaded images (under `images/`). */
  mediaBucket: 'MEDIA_BUCKET',
  /** Largest image upload in bytes: the presigned POST's limit, checked again when a message attaches it. */
  maxUploadBytes: 'MAX_UPLOAD_BYTES',
  /** Powertools' service name, shown in every log line. */
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  /** Powertools' log level. */
  logLevel: 'POWERTOOLS_LOG_LEVEL',
} as const;

/** Any one of the environment variable names above. */
export type EnvName = (typeof ENV)[keyof typeof ENV];
