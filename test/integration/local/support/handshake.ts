import type { WebSocket } from 'ws';

/** Rejects with the status and body of a refused handshake (`refused`), or with the socket's error. */
export function rejectWhenRefused(ws: WebSocket, reject: (error: Error) => void): void {
  ws.on('unexpected-response', (_req, res) => {
    let body = '';
    res.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    res.on('end', () => reject(Object.assign(new Error('refused'), { status: res.statusCode, body })));
  });
  ws.on('error', reject);
}
