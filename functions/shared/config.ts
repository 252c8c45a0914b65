import * as z from 'zod/mini';
import { ENV } from './env.ts';
import { once } from './once.ts';

const arn = z.string().check(z.regex(/^arn:aws[a-z-]*:/, 'must be an ARN'));
const url = z.url({ protocol: /^https?$/ });

/**
 * Reads and validates a group of environment variables once, on first use (at cold start), and throws
 * one error naming every missing or malformed variable.
 */
function fromEnvironment<Shape extends z.core.$ZodLooseShape>(
  shape: Shape,
): () => z.infer<z.ZodMiniObject<Shape>> {
  return once(() => {
    const parsed = z.object(shape).safeParse(process.env);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
      throw new Error(`Invalid configuration: ${problems.join('; ')}`);
    }
    return parsed.data;
  });
}

const database = fromEnvironment({
  [ENV.databaseClusterArn]: arn,
  [ENV.databaseSecretArn]: arn,
  [ENV.databaseName]: z.string().check(z.minLength(1)),
});

/** Where the Data API finds the database. */
export function databaseConfig() {
  const env = database();
  return {
    clusterArn: env[ENV.databaseClusterArn],
    secretArn: env[ENV.databaseSecretArn],
    database: env[ENV.databaseName],
  };
}

const connections = fromEnvironment({
  [ENV.connectionsTable]: z.string().check(z.minLength(1)),
  [ENV.connectionTtlSeconds]: z._default(z.coerce.number().check(z.int(), z.positive()), 7200),
});

/** The table of WebSocket connections and how long a record of one lives. */
export function connectionsConfig() {
  const env = connections();
  return { tableName: env[ENV.connectionsTable], ttlSeconds: env[ENV.connectionTtlSeconds] };
}

const management = fromEnvironment({ [ENV.connectionsEndpoint]: url });

/** The `@connections` management API of the WebSocket stage. */
export function managementConfig() {
  return { endpoint: management()[ENV.connectionsEndpoint] };
}

const auth = fromEnvironment({
  [ENV.authIssuer]: url,
  [ENV.authClientId]: z.string().check(z.minLength(1)),
  [ENV.authJwksUrl]: url,
});

/** Whose access tokens are accepted, for which app client, and where the issuer's signing keys are. */
export function authConfig() {
  const env = auth();
  return {
    issuer: env[ENV.authIssuer],
    clientId: env[ENV.authClientId],
    jwksUrl: env[ENV.authJwksUrl],
  };
}

const fanOut = fromEnvironment({ [ENV.fanOutFunction]: z.string().check(z.minLength(1)) });

/** The function that delivers stored messages to subscribers. */
export function fanOutConfig() {
  return { functionName: fanOut()[ENV.fanOutFunction] };
}

const media = fromEnvironment({
  [ENV.mediaBucket]: z.string().check(z.minLength(3)),
  [ENV.maxUploadBytes]: z.coerce.number().check(z.int(), z.positive()),
});

/** The bucket of uploaded images, and the largest upload it takes. */
export function mediaConfig() {
  const env = media();
  return { bucket: env[ENV.mediaBucket], maxUploadBytes: env[ENV.maxUploadBytes] };
}
