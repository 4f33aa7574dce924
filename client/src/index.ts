export { isChannelName } from './channels.js';
export { WebsocketPusherClient, type ClientEvents } from './client.js';
export type { ConnectionState, RetryInfo, RetryReason } from './connection-state.js';
export { PusherClientError, type ClientErrorKind } from './errors.js';
export type { ClientOptions, TokenProvider } from './options.js';
export {
  MAX_FRAME_BYTES, PING_FRAME, SUBPROTOCOL,
  type Envelope, type ErrorFrame, type HistoryPosition, type Members, type MessageFormat, type PresenceEvent, type ProtocolFrame, type ResetEvent,
  type TokenTransport,
} from './protocol.js';
export { DEFAULT_BACKOFF, DEFAULT_REDIAL, type BackoffOptions, type RedialOptions } from './schedule.js';
export type { Timers } from './timers.js';
export type { WebSocketConstructor } from './websocket.js';
