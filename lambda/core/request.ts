import { postedPayload, type MessageFormat } from './envelope';
import type { InvalidRequestCode, RequestError } from './errors';
import { isChannelName, MAX_REQUEST_CHANNELS } from '../../src/shared/channels';
import { LIMITS } from '../../src/shared/constants';
import { historyRetention, MAX_EPOCH_LENGTH, type HistoryRuleSpec } from '../../src/shared/history';

/** `send` (the default): post `data`. `disconnect`: post `data` if given, then close each connection and delete its row. */
export type RequestAction = 'send' | 'disconnect';

/**
 * A validated notification request; id lists are de-duplicated sets. `dataText` is `data` serialized once, `payload`
 * what each connection receives (the same, or enveloped); both absent only in a disconnect request without `data`.
 */
export interface NotificationRequest {
  readonly action: RequestAction;
  readonly users: ReadonlySet<string>;
  readonly connections: ReadonlySet<string>;
  readonly excludeUsers: ReadonlySet<string>;
  readonly excludeConnections: ReadonlySet<string>;
  /** The channels whose subscribers are targets, in the request's order (which decides an envelope's `channel`), once each. */
  readonly channels: readonly string[];
  /** What a connection reached through no channel receives (through a channel: the envelope with that `channel`). */
  readonly payload?: Buffer;
  readonly dataText?: string;
  /** The publisher's idempotency key (`id`), when given: with deduplication on it names the request, and it is the envelope's `id`. */
  readonly id?: string;
  /** With the envelope: its `id` (the request's `id`, else its message id), to envelope `data` for each channel. */
  readonly envelopeId?: string;
}

/** Longest request `id` accepted (the idempotency key). */
export const MAX_REQUEST_ID_LENGTH = 256;

export type ParseResult =
  | { readonly ok: true; readonly request: NotificationRequest }
  | { readonly ok: false; readonly error: RequestError };

const LIST_FIELDS = ['users', 'connections', 'exclude_users', 'exclude_connections'] as const;
type ListField = typeof LIST_FIELDS[number];

const invalid = (code: InvalidRequestCode, message: string): ParseResult => ({ ok: false, error: { code, message } });

/**
 * What the deployment allows and how it delivers: a disconnect request needs `enableDisconnect` (the `DELETE`
 * permission); `messageFormat` says what connections receive. @default data
 */
export interface RequestRules {
  readonly disconnectEnabled: boolean;
  readonly messageFormat?: MessageFormat;
  /** Whether the deployment has channels (a subscriptions table): a request with `channels` needs them. */
  readonly channelsEnabled?: boolean;
  /** The rules' retentions, with history: a message to a history channel carries its positions in its envelope. */
  readonly history?: readonly HistoryRuleSpec[];
}

const SEND_ONLY: RequestRules = { disconnectEnabled: false };

/**
 * Parses an SQS body or SNS message (JSON text) into a request; `messageId` is the record's, the envelope's `id` when
 * the request has none of its own.
 */
export function parseRequestText(text: string, rules: RequestRules = SEND_ONLY, messageId = ''): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return invalid('INVALID_JSON', `the message is not valid JSON: ${(e as Error).message}`);
  }
  return parseRequestValue(value, rules, messageId);
}

/** Validates an already-parsed request (a direct invocation's event) against the request table of the README. */
export function parseRequestValue(value: unknown, rules: RequestRules = SEND_ONLY, messageId = ''): ParseResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid('NOT_AN_OBJECT', `the request must be a JSON object, got ${describe(value)}`);
  }
  const fields = value as Record<string, unknown>;
  const action = fields.action ?? 'send';
  if (action !== 'send' && action !== 'disconnect') {
    return invalid('INVALID_FIELD', `\`action\` must be "send" or "disconnect", got ${typeof action === 'string' ? JSON.stringify(action) : describe(action)}`);
  }
  if (action === 'disconnect' && !rules.disconnectEnabled) {
    return invalid('DISCONNECT_DISABLED', 'a disconnect request needs the construct\'s `enableDisconnect: true` (the permission to close connections)');
  }
  const hasData = 'data' in fields && fields.data !== undefined;
  if (!hasData && action === 'send') {
    return invalid('MISSING_DATA', 'the request has no `data` field (use null to send an empty value)');
  }
  const lists = {} as Record<ListField, ReadonlySet<string>>;
  for (const name of LIST_FIELDS) {
    const list = parseIdList(name, fields[name]);
    if ('error' in list) return { ok: false, error: list.error };
    lists[name] = list.ids;
  }
  const id = fields.id;
  if (id !== undefined && (typeof id !== 'string' || id === '' || id.length > MAX_REQUEST_ID_LENGTH)) {
    return invalid('INVALID_FIELD', `\`id\` must be a non-empty string of at most ${MAX_REQUEST_ID_LENGTH} characters, got ${describe(id)}`);
  }
  const channels = parseChannels(fields.channels, rules);
  if ('error' in channels) return { ok: false, error: channels.error };
  const dataText = hasData ? JSON.stringify(fields.data) : undefined;
  const format = rules.messageFormat ?? 'data';
  const envelopeId = (id as string | undefined) ?? messageId;
  const payload = dataText === undefined ? undefined : postedPayload(format, dataText, envelopeId);
  const largest = dataText === undefined ? undefined : largestEnvelope(format, dataText, envelopeId, channels.names, rules.history);
  if (largest && largest.length > LIMITS.MAX_PAYLOAD_BYTES) {
    return invalid('PAYLOAD_TOO_LARGE',
      `the serialized ${format === 'envelope' ? 'envelope' : 'data'} is ${largest.length} bytes, over the ${LIMITS.MAX_PAYLOAD_BYTES}-byte API Gateway WebSocket limit`);
  }
  return {
    ok: true,
    request: {
      action,
      users: lists.users,
      connections: lists.connections,
      excludeUsers: lists.exclude_users,
      excludeConnections: lists.exclude_connections,
      channels: channels.names,
      ...(payload ? { payload, dataText } : {}),
      ...(id === undefined ? {} : { id }),
      ...(payload && format === 'envelope' ? { envelopeId } : {}),
    },
  };
}

/**
 * The largest envelope a connection can be sent: the one naming the longest channel, with (history) the positions of
 * every history channel at the largest `seq` and epoch there can be.
 */
function largestEnvelope(format: MessageFormat, dataText: string, id: string, channels: readonly string[], history?: readonly HistoryRuleSpec[]) {
  const longest = channels.reduce<string | undefined>((a, b) => (a === undefined || b.length > a.length ? b : a), undefined);
  const historyChannels = history ? channels.filter((channel) => historyRetention(history, channel) !== undefined) : [];
  if (historyChannels.length === 0) return postedPayload(format, dataText, id, longest);
  const largest = { seq: Number.MAX_SAFE_INTEGER, epoch: 'x'.repeat(MAX_EPOCH_LENGTH) };
  const positions = new Map(historyChannels.map((channel) => [channel, largest]));
  return postedPayload(format, dataText, id, longest, { positions, subscribed: historyChannels });
}

/** `channels`: absent or null, or 1 to 100 channel names (repeats counted once, the first place kept). */
function parseChannels(value: unknown, rules: RequestRules): { names: readonly string[] } | { error: RequestError } {
  if (value === undefined || value === null) return { names: [] };
  if (!rules.channelsEnabled) {
    return { error: { code: 'CHANNELS_DISABLED', message: 'a request with `channels` needs the construct\'s `channels` (the subscriptions table)' } };
  }
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_REQUEST_CHANNELS) {
    return { error: { code: 'INVALID_FIELD', message: `\`channels\` must be an array of 1 to ${MAX_REQUEST_CHANNELS} channel names, got ${Array.isArray(value) ? `${value.length} names` : describe(value)}` } };
  }
  const bad = value.findIndex((name) => !isChannelName(name));
  if (bad >= 0) {
    return { error: { code: 'INVALID_CHANNEL', message: `\`channels[${bad}]\` is not a channel name (1 to 8 segments joined by /, each 1 to 64 of A-Z a-z 0-9 _ - . = @ : + | ~)` } };
  }
  return { names: [...new Set(value as string[])] };
}

function parseIdList(name: ListField, value: unknown): { ids: ReadonlySet<string> } | { error: RequestError } {
  // The seed's demo sends `"users": null`: a null list is an absent list.
  if (value === undefined || value === null) return { ids: new Set() };
  if (!Array.isArray(value)) {
    return { error: { code: 'INVALID_FIELD', message: `\`${name}\` must be an array of strings, got ${describe(value)}` } };
  }
  for (const [index, id] of value.entries()) {
    if (typeof id !== 'string' || id === '') {
      return {
        error: { code: 'INVALID_ID', message: `\`${name}[${index}]\` must be a non-empty string, got ${describe(id)}` },
      };
    }
  }
  return { ids: new Set(value as string[]) };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  return `a ${typeof value}`;
}
