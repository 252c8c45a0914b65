import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Collects the JSON that fixture handlers POST to it (they run in Lambda sandboxes, so they report
 * what they saw over HTTP), and lets tests wait for a matching one.
 */
export class EventRecorder<Event> {
  readonly events: Event[] = [];
  readonly server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      this.events.push(JSON.parse(body) as Event);
      res.end();
    });
  });

  /** Listens on a free port and answers the URL the fixtures report to. */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The first recorded event that matches, waiting up to `timeoutMs` for it. */
  async waitFor(predicate: (event: Event) => boolean, timeoutMs = 10_000): Promise<Event> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error('Timed out waiting for a recorded event');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
