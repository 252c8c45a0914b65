/**
 * hiroba's WebSocket client: one connection to `/ws?token=…`, kept alive and brought back.
 *
 * - Each (re)connection asks for a fresh token, then resubscribes to every channel it was told about
 *   and calls `onOpen`, where the app catches up with `after=` on what it missed.
 * - A drop reconnects after {@link backoffDelay}: capped, exponential, jittered. Going offline waits
 *   for the browser's `online` event instead; coming back to a hidden tab reconnects at once.
 * - A `ping` every few minutes keeps API Gateway's 10-minute idle timeout away, and a connection that
 *   has heard nothing for too long is dropped and replaced; before the 2-hour limit it is replaced on
 *   purpose.
 */

import { backoffDelay, connectionTimings } from './backoff.ts';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** A frame from the server: `{"type", "data"}`. */
export interface ServerFrame {
  readonly type: string;
  readonly data?: Record<string, unknown>;
}

/** The small part of `WebSocket` the client uses, so tests can hand it a fake. */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** Timers and environment, replaceable in tests. */
export interface RealtimeEnvironment {
  createSocket(url: string): SocketLike;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
  random(): number;
  isOnline(): boolean;
}

export interface RealtimeOptions {
  /** The WebSocket endpoint without the token: `wss://<host>/ws`. */
  readonly url: string;
  /** A valid access token, renewed if needed; `null` when signed out (the client then stays idle). */
  getToken(): Promise<string | null>;
  onFrame(frame: ServerFrame): void;
  onState(state: ConnectionState): void;
  /** The connection is open and subscriptions are sent: catch up now. */
  onOpen(): void;
  readonly environment?: Partial<RealtimeEnvironment>;
  readonly timings?: Partial<typeof connectionTimings>;
}

const OPEN = 1;
/**
 * Subscriptions are paced within the server's frame budget per connection (10 a second, bursts of 30;
 * docs/api.md): up to {@link subscriptionBurst} at once, then {@link subscriptionsPerSecond}, leaving
 * room for messages and pings. Someone in a hundred channels would otherwise be refused, then closed.
 */
const subscriptionBurst = 20;
const subscriptionsPerSecond = 5;
/** Our own close code for a connection we replace on purpose (planned, dead or offline). */
const replacedCode = 4000;

const browserEnvironment: RealtimeEnvironment = {
  createSocket: (url) => new WebSocket(url),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as number),
  now: () => Date.now(),
  random: Math.random,
  isOnline: () => (typeof navigator === 'undefined' ? true : navigator.onLine !== false),
};

export class RealtimeClient {
  private readonly env: RealtimeEnvironment;
  private readonly timings: typeof connectionTimings;
  private socket: SocketLike | undefined;
  private state: ConnectionState = 'idle';
  private running = false;
  /** Failed attempts since the last successful open. */
  private attempt = 0;
  private readonly channels = new Set<string>();
  private reconnectTimer: unknown;
  private heartbeatTimer: unknown;
  private plannedTimer: unknown;
  private lastHeard = 0;
  /** Bumped on every new connection, so stale callbacks of an old socket are ignored. */
  private generation = 0;
  /** Subscribe and unsubscribe frames waiting for their turn ({@link subscriptionsPerSecond}). */
  private subscriptionQueue: Array<{ type: string; data: { channelId: string } }> = [];
  private subscriptionTokens = subscriptionBurst;
  private subscriptionRefilledAt = 0;
  private subscriptionTimer: unknown;

  private readonly options: RealtimeOptions;

  constructor(options: RealtimeOptions) {
    this.options = options;
    this.env = { ...browserEnvironment, ...options.environment };
    this.timings = { ...connectionTimings, ...options.timings };
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  /** Starts connecting (and keeps doing so until {@link stop}). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    void this.connect();
  }

  /** Closes the connection for good (signing out). */
  stop(): void {
    this.running = false;
    this.generation += 1;
    this.clearTimers();
    this.env.clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(1000, 'bye');
    this.setState('idle');
  }

  /** Follows `channelId` on this and every later connection. */
  subscribe(channelId: string): void {
    if (this.channels.has(channelId)) return;
    this.channels.add(channelId);
    this.queueSubscription('channel:subscribe', channelId);
  }

  unsubscribe(channelId: string): void {
    if (!this.channels.delete(channelId)) return;
    const queued = this.subscriptionQueue.length;
    this.subscriptionQueue = this.subscriptionQueue.filter((frame) => frame.data.channelId !== channelId);
    // A subscription still waiting is simply never sent.
    if (this.subscriptionQueue.length === queued) this.queueSubscription('channel:unsubscribe', channelId);
  }

  /** Sends a frame if the connection is open; `false` when it is not (the caller keeps it for later). */
  send(type: string, data: Record<string, unknown>): boolean {
    return this.sendFrame({ type, data });
  }

  /** The browser came back online, or the page became visible: reconnect now if not connected. */
  wake(): void {
    if (!this.running) return;
    if (this.socket?.readyState === OPEN) {
      this.sendFrame({ type: 'ping' });
      return;
    }
    this.env.clearTimeout(this.reconnectTimer);
    this.attempt = 0;
    if (!this.socket) void this.connect();
  }

  /** The browser went offline: drop the connection and wait for {@link wake}. */
  goOffline(): void {
    if (!this.running) return;
    this.env.clearTimeout(this.reconnectTimer);
    this.dropSocket();
    this.setState('offline');
  }

  /** Sends a subscription frame when the pace allows; frames queued on a closed connection are dropped. */
  private queueSubscription(type: string, channelId: string): void {
    if (this.state !== 'connected') return;
    this.subscriptionQueue.push({ type, data: { channelId } });
    this.drainSubscriptions();
  }

  private drainSubscriptions(): void {
    const now = this.env.now();
    this.subscriptionTokens = Math.min(
      subscriptionBurst,
      this.subscriptionTokens + ((now - this.subscriptionRefilledAt) / 1000) * subscriptionsPerSecond,
    );
    this.subscriptionRefilledAt = now;
    while (this.subscriptionQueue.length > 0 && this.subscriptionTokens >= 1) {
      const frame = this.subscriptionQueue.shift();
      if (frame) this.sendFrame(frame);
      this.subscriptionTokens -= 1;
    }
    this.env.clearTimeout(this.subscriptionTimer);
    if (this.subscriptionQueue.length > 0) {
      const generation = this.generation;
      this.subscriptionTimer = this.env.setTimeout(() => {
        if (generation === this.generation) this.drainSubscriptions();
      }, 1000 / subscriptionsPerSecond);
    }
  }

  private sendFrame(frame: { type: string; data?: Record<string, unknown> }): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN || this.state !== 'connected') return false;
    try {
      socket.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  private async connect(): Promise<void> {
    if (!this.running) return;
    if (!this.env.isOnline()) {
      this.setState('offline');
      return;
    }
    this.setState(this.attempt === 0 && this.state !== 'reconnecting' ? 'connecting' : 'reconnecting');
    const generation = ++this.generation;
    let token: string | null = null;
    try {
      token = await this.options.getToken();
    } catch {
      token = null;
    }
    if (generation !== this.generation || !this.running) return;
    if (!token) {
      this.scheduleReconnect();
      return;
    }
    let socket: SocketLike;
    try {
      socket = this.env.createSocket(`${this.options.url}?token=${encodeURIComponent(token)}`);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (generation !== this.generation) return;
      this.attempt = 0;
      this.lastHeard = this.env.now();
      this.setState('connected');
      // A new connection has a fresh frame budget on the server.
      this.subscriptionQueue = [];
      this.subscriptionTokens = subscriptionBurst;
      this.subscriptionRefilledAt = this.env.now();
      for (const channelId of this.channels) this.queueSubscription('channel:subscribe', channelId);
      this.startTimers(generation);
      this.options.onOpen();
    };
    socket.onmessage = (event) => {
      if (generation !== this.generation) return;
      this.lastHeard = this.env.now();
      let frame: unknown;
      try {
        frame = JSON.parse(String(event.data));
      } catch {
        return;
      }
      if (typeof frame !== 'object' || frame === null || typeof (frame as ServerFrame).type !== 'string')
        return;
      if ((frame as ServerFrame).type === 'pong') return;
      this.options.onFrame(frame as ServerFrame);
    };
    socket.onerror = () => {
      // A close event always follows; that is where reconnecting starts.
    };
    socket.onclose = () => {
      if (generation !== this.generation) return;
      this.socket = undefined;
      this.clearTimers();
      if (!this.running) return;
      if (!this.env.isOnline()) {
        this.setState('offline');
        return;
      }
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    this.setState('reconnecting');
    const delay = backoffDelay(this.attempt, this.env.random);
    this.attempt += 1;
    this.env.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = this.env.setTimeout(() => void this.connect(), delay);
  }

  private startTimers(generation: number): void {
    const beat = () => {
      if (generation !== this.generation) return;
      if (this.env.now() - this.lastHeard > this.timings.silenceMs) {
        // Nothing heard, not even a pong: the connection is dead without having said so.
        this.replace();
        return;
      }
      this.sendFrame({ type: 'ping' });
      this.heartbeatTimer = this.env.setTimeout(beat, this.timings.heartbeatMs);
    };
    this.heartbeatTimer = this.env.setTimeout(beat, this.timings.heartbeatMs);
    const planned =
      this.timings.plannedReconnectMs + this.env.random() * this.timings.plannedReconnectJitterMs;
    this.plannedTimer = this.env.setTimeout(() => {
      if (generation === this.generation) this.replace();
    }, planned);
  }

  /** Closes this connection on purpose and opens a new one at once. */
  private replace(): void {
    this.dropSocket();
    this.attempt = 0;
    this.setState('reconnecting');
    void this.connect();
  }

  private dropSocket(): void {
    this.generation += 1;
    this.clearTimers();
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      socket.onopen = null;
      try {
        socket.close(replacedCode, 'replaced');
      } catch {
        // Already closing.
      }
    }
  }

  private clearTimers(): void {
    this.env.clearTimeout(this.heartbeatTimer);
    this.env.clearTimeout(this.plannedTimer);
    this.env.clearTimeout(this.subscriptionTimer);
    this.subscriptionQueue = [];
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    this.options.onState(state);
  }
}
