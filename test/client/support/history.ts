import type { SQSEvent } from 'aws-lambda';
import WebSocket from 'ws';
import type { WebSocketConstructor } from '../../../client/src/websocket';
import { sqsEvent } from '../../../local/events';

// Helpers of the history tests against the local stack: a token provider that can hold the client's next dial (so that
// what is published meanwhile is published while no socket is open), and the SQS batches the pusher is invoked with.

/** A token provider whose answers wait while the gate is held: the client cannot reconnect until it is released. */
export interface TokenGate {
  readonly token: () => Promise<string>;
  /** Holds every dial from now on (the one in progress too, if it has not asked for its token yet). */
  hold(): void;
  release(): void;
}

export function tokenGate(token: string): TokenGate {
  let gate: Promise<void> = Promise.resolve();
  let open = () => {};
  return {
    token: () => gate.then(() => token),
    hold: () => {
      gate = new Promise((resolve) => (open = resolve));
    },
    release: () => open(),
  };
}

/** A batch of `count` requests to `channel`: ids `<prefix>-<from>`…, data `{ n }` (the same number). */
export function batchTo(channel: string, prefix: string, from: number, count: number): SQSEvent {
  return sqsEvent(Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${from + i}`, channels: [channel], data: { n: from + i } })));
}

/** `[from, …, from + count - 1]`. */
export const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

/** What a `tappedWebSocket` saw: the frames the client sent, parsed. */
export interface Tap {
  readonly sent: Array<Record<string, any>>;
}

/**
 * A `ws` WebSocket for the client's `WebSocket` option whose incoming frames go through `filter` (as the network between
 * API Gateway and the client would: it may hold a frame back, or lose it): `deliver()` hands the frame to the client,
 * now or later, or never. The frames the client sends are recorded in `tap.sent`.
 */
export function tappedWebSocket(filter: (frame: Record<string, any>, deliver: () => void) => void, tap: Tap = { sent: [] }): WebSocketConstructor {
  return class Tapped {
    onopen: ((event: unknown) => void) | null = null;
    onmessage: ((event: { readonly data: unknown }) => void) | null = null;
    onerror: ((event: unknown) => void) | null = null;
    onclose: ((event: { readonly code: number; readonly reason: string }) => void) | null = null;
    private readonly socket: WebSocket;

    constructor(url: string, protocols?: string | string[]) {
      this.socket = new WebSocket(url, protocols);
      this.socket.onopen = (event) => this.onopen?.(event);
      this.socket.onerror = (event) => this.onerror?.(event);
      this.socket.onclose = (event) => this.onclose?.(event);
      this.socket.onmessage = (event) => {
        const text = String(event.data);
        let frame: Record<string, any> = {};
        try {
          frame = JSON.parse(text);
        } catch {
          // not JSON: passed on as it is
        }
        filter(frame, () => this.onmessage?.({ data: text }));
      };
    }

    get readyState(): number {
      return this.socket.readyState;
    }

    send(data: string): void {
      tap.sent.push(JSON.parse(data));
      this.socket.send(data);
    }

    close(code?: number, reason?: string): void {
      this.socket.close(code, reason);
    }
  };
}
