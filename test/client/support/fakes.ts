import type { Timers } from '../../../client/src/timers';
import type { WebSocketConstructor } from '../../../client/src/websocket';

/** A manual clock: timers run only when the test advances it, in time order. */
export class FakeTimers implements Timers {
  private time = 0;
  private nextId = 0;
  private readonly pending = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.nextId;
    this.pending.set(id, { at: this.time + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Moves the clock by `ms`, running every timer that falls due on the way (and those they set), in time order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.pending.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.time = due[1].at;
      due[1].callback();
    }
    this.time = end;
  }

  /** How many timers are set. */
  get count(): number {
    return this.pending.size;
  }
}

/** A socket the test plays the server of: it opens, receives, refuses or drops only when told. */
export class FakeSocket {
  readyState = 0;
  readonly sent: string[] = [];
  closedWith?: { code?: number; reason?: string };
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;

  constructor(readonly url: string, readonly protocols?: string | string[]) {}

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = 3;
  }

  /** The server accepted the upgrade. */
  accept(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  /** The server sends a text frame (or anything else as `data`). */
  push(data: unknown): void {
    this.onmessage?.({ data: typeof data === 'string' || data instanceof Uint8Array ? data : JSON.stringify(data) });
  }

  /** The server refused the upgrade (e.g. 401): an error, then a close, as browsers and `ws` report it. */
  refuse(message = 'Unexpected server response: 401'): void {
    this.onerror?.({ message });
    this.readyState = 3;
    this.onclose?.({ code: 1006, reason: '' });
  }

  /** The server or the network closed the socket. */
  drop(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

/** A WebSocket constructor that records every socket it makes. */
export function fakeWebSocket(): { WebSocket: WebSocketConstructor; sockets: FakeSocket[]; last: () => FakeSocket } {
  const sockets: FakeSocket[] = [];
  const WebSocket = class extends FakeSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      sockets.push(this);
    }
  };
  return { WebSocket, sockets, last: () => sockets[sockets.length - 1] };
}

/** Lets pending promise callbacks run (the token provider is awaited before each dial). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
