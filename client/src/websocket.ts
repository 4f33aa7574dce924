/**
 * The part of the WHATWG WebSocket interface the client uses: browsers', Node.js 22's global one and the `ws` package's
 * all have it. Typed here, not from DOM or Node.js typings, so that the package compiles against neither.
 */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: { readonly code: number; readonly reason: string }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor, such as `globalThis.WebSocket` or the `ws` package's `WebSocket`. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => unknown;

/** `readyState` of an open socket. */
export const OPEN = 1;

/** The constructor to dial with: the one given, else the platform's. */
export function resolveWebSocket(given: WebSocketConstructor | undefined): WebSocketConstructor {
  const found = given ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!found) {
    throw new TypeError('No WebSocket here (Node.js before 22): pass one, e.g. `WebSocket` from the ws package, as the `WebSocket` option');
  }
  return found;
}

/** A readable description of an error event (`ws` gives a message, e.g. "Unexpected server response: 401"; browsers none). */
export function describeErrorEvent(event: unknown): string | undefined {
  const candidate = event as { message?: unknown; error?: { message?: unknown } } | undefined;
  if (typeof candidate?.message === 'string') return candidate.message;
  if (typeof candidate?.error?.message === 'string') return candidate.error.message;
  return undefined;
}
