/**
 * `npm start`: builds the web app and runs hiroba on local AWS until Ctrl-C.
 * State lives in `HIROBA_STATE_DIR` (default `.hiroba/`) and survives restarts; delete the directory to
 * start afresh. Two instances of one checkout run side by side with different `PORT`s and state dirs.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { startLocalAws } from './local-aws.ts';

const stateDir = process.env.HIROBA_STATE_DIR
  ? `${resolve(process.env.HIROBA_STATE_DIR)}/`
  : fileURLToPath(new URL('../.hiroba/', import.meta.url));
const webRoot = `${stateDir}web`;
const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`PORT must be a port number, not "${process.env.PORT}"`);
  process.exit(1);
}

console.log('Building the web app...');
await build({
  configFile: fileURLToPath(new URL('../web/vite.config.ts', import.meta.url)),
  build: { outDir: webRoot, emptyOutDir: true },
  logLevel: 'warn',
});

console.log('Starting local AWS...');
const local = await startLocalAws({ stateDir, port, webRoot, logLevel: process.env.HIROBA_LOG_LEVEL });
const { endpoints } = local;

const startSeconds = (performance.now() / 1000).toFixed(1);

console.log(`
hiroba is running at ${endpoints.edge}   (started in ${startSeconds} s)

  web app, /api, /ws, /images  ${endpoints.edge}   (the local edge, as CloudFront in AWS)
  HTTP API                     ${endpoints.httpApi}
  WebSocket API                ${endpoints.webSocket}   (@connections: ${endpoints.management})
  RDS Data API                 ${endpoints.dataApi}   (PostgreSQL 17 underneath)
  DynamoDB                     ${endpoints.dynamoDb}   (table ${local.connectionsTable})
  S3                           ${endpoints.s3}
  Lambda API                   ${endpoints.lambda}   (asynchronous invocations, e.g. the fan-out)
  OIDC issuer                  ${local.auth.issuer}   (client ${local.auth.clientId})

Sign in through the local issuer: its sign-in page takes any username and no password (tick "admin"
for the admin group). OIDC discovery, for clients of the authorization code flow with PKCE (S256):
  ${local.auth.issuer}/.well-known/openid-configuration
The web app reads the issuer's endpoints from ${endpoints.edge}/config.json, as it reads Cognito's in AWS.

A token for scripts and tools (the same username is always the same user):
  curl -s -X POST ${endpoints.edge}/local/token -H 'content-type: application/json' -d '{"username": "alice"}'
  curl -s -X POST ${endpoints.edge}/local/token -H 'content-type: application/json' -d '{"username": "root", "groups": ["admin"]}'

State: ${stateDir}   Press Ctrl-C to stop.
`);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping local AWS...`);
  await local.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
