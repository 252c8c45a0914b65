import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { connectionTimings } from '../../../web/src/realtime/backoff.ts';
import { type ConnectionState, RealtimeClient, type SocketLike } from '../../../web/src/realtime/client.ts';

class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  sent: Array<{ type: string; data?: Record<string, unknown> }> = [];
  closed = false;
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.closed = true;
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({ code: 1006 } as CloseEvent);
  }
  receive(frame: unknown) {
    this.onmessage?.({ data: JSON.stringify(frame) } as MessageEvent);
  }
}

function setUp(online = { value: true }) {
  const sockets: FakeSocket[] = [];
  const states: ConnectionState[] = [];
  const frames: unknown[] = [];
  let tokens = 0;
  const onOpen = vi.fn();
  const client = new RealtimeClient({
    url: 'wss://chat.example/ws',
    getToken: async () => `token-${++tokens}`,
    onFrame: (frame) => frames.push(frame),
    onState: (state) => states.push(state),
    onOpen,
    environment: {
      createSocket: (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket;
      },
      random: () => 0.5,
      isOnline: () => online.value,
    },
  });
  return { client, sockets, states, frames, onOpen, online };
}

describe('the realtime client', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('connects with a token, subscribes to its channels and lets the app catch up', async () => {
    const { client, sockets, states, onOpen } = setUp();
    client.subscribe('c1');
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(sockets[0]?.url).toBe('wss://chat.example/ws?token=token-1');
    sockets[0]?.open();
    expect(states).toEqual(['connecting', 'connected']);
    expect(sockets[0]?.sent).toEqual([{ type: 'channel:subscribe', data: { channelId: 'c1' } }]);
    expect(onOpen).toHaveBeenCalledOnce();
  });

  it('paces subscriptions within the frame budget and never sends one unsubscribed while waiting', async () => {
    const { client, sockets } = setUp();
    const ids = Array.from({ length: 50 }, (_, i) => `c${i}`);
    for (const id of ids) client.subscribe(id);
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]?.open();
    const subscribed = () => sockets[0]?.sent.filter((f) => f.type === 'channel:subscribe') ?? [];

    expect(subscribed()).toHaveLength(20);
    client.unsubscribe('c49');
    expect(client.send('message:send', { id: 'm1' })).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(subscribed()).toHaveLength(25);
    await vi.advanceTimersByTimeAsync(10_000);

    expect(subscribed().map((f) => f.data?.channelId)).toEqual(ids.slice(0, 49));
    expect(sockets[0]?.sent.some((f) => f.type === 'channel:unsubscribe')).toBe(false);
    expect(sockets[0]?.sent[20]).toEqual({ type: 'message:send', data: { id: 'm1' } });
  });

  it('reconnects after a drop with backoff, a fresh token and its subscriptions again', async () => {
    const { client, sockets, states, onOpen } = setUp();
    client.subscribe('c1');
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]?.open();
    client.subscribe('c2');
    sockets[0]?.drop();
    expect(states.at(-1)).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(400);
    expect(sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sockets[1]?.url).toBe('wss://chat.example/ws?token=token-2');
    sockets[1]?.open();
    expect(sockets[1]?.sent.map((f) => f.data?.channelId)).toEqual(['c1', 'c2']);
    expect(onOpen).toHaveBeenCalledTimes(2);
    expect(states.at(-1)).toBe('connected');
  });

  it('waits longer after each failed attempt', async () => {
    const { client, sockets } = setUp();
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]?.drop(); // attempt 0: up to 1 s (0.5 → 625 ms)
    await vi.advanceTimersByTimeAsync(625);
    expect(sockets).toHaveLength(2);
    sockets[1]?.drop(); // attempt 1: up to 2 s (0.5 → 1125 ms)
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sockets).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(125);
    expect(sockets).toHaveLength(3);
  });

  it('pings on a heartbeat inside the idle timeout', async () => {
    const { client, sockets } = setUp();
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]?.open();
    await vi.advanceTimersByTimeAsync(connectionTimings.heartbeatMs);
    expect(sockets[0]?.sent).toContainEqual({ type: 'ping' });
  });

  it('replaces a connection that has heard nothing, not even a pong', async () => {
    const { client, sockets } = setUp();
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]?.open();
    await vi.advanceTimersByTimeAsync(connectionTimings.heartbeatMs * 3);
    expect(sockets[0]?.closed).toBe(true);
    expect(sockets.length).toBeGreaterThan(1);
  });

  it('reconnects on purpose before the 2-hour limit', async () => {
    const { client, sockets } = setUp();
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]?.open();
    // Keep it talking so that only the planned reconnect can end it.
    for (let elapsed = 0; elapsed < 2 * 3600_000 && sockets.length === 1; elapsed += 60_000) {
      sockets[0]?.receive({ type: 'pong' });
      await vi.advanceTimersByTimeAsync(60_000);
    }
    expect(sockets[0]?.closed).toBe(true);
    expect(sockets).toHaveLength(2);
  });

  it('goes offline without retrying, and reconnects at once when back online', async () => {
    const { client, sockets, states, online } = setUp();
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]?.open();
    online.value = false;
    client.goOffline();
    expect(states.at(-1)).toBe('offline');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
    online.value = true;
    client.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(sockets).toHaveLength(2);
  });

  it('passes frames on, except pongs', async () => {
    const { client, sockets, frames } = setUp();
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]?.open();
    sockets[0]?.receive({ type: 'pong' });
    sockets[0]?.receive({ type: 'message:new', data: { message: { seq: 1 } } });
    expect(frames).toEqual([{ type: 'message:new', data: { message: { seq: 1 } } }]);
  });

  it('refuses to send while not connected, so the app keeps the message for later', async () => {
    const { client, sockets } = setUp();
    client.start();
    expect(client.send('message:send', { id: 'x' })).toBe(false);
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]?.open();
    expect(client.send('message:send', { id: 'x' })).toBe(true);
  });

  it('stops for good when signing out', async () => {
    const { client, sockets, states } = setUp();
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]?.open();
    client.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
    expect(states.at(-1)).toBe('idle');
  });
});
