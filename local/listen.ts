import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Listens on `127.0.0.1:<port>` (0: any free port); resolves `http://127.0.0.1:<port>` once listening,
 * rejects when listening fails (the port is taken, say).
 */
export async function listenLocal(server: Server, port = 0): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * Stops listening and ends every connection, idle or not (SDK clients keep theirs alive, which would
 * hold `close` open); rejects when the server was not listening.
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
