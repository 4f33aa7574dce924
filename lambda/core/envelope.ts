import type { Positions } from './history/positions';

/**
 * What a connection receives for a request: the bare `data` (the seed's format), or the envelope of the client
 * protocol, `{"type":"message","id":…,"channel":…,"seq":…,"epoch":…,"positions":{…},"data":…}`, whose `id` (the
 * request's own, or its SQS / SNS message id) is the same on every redelivery and follow-up of the request, so that a
 * client can drop a duplicate, and whose `channel` is the first of the request's channels the connection is subscribed
 * to (absent when it was reached only as a user or a connection id). On a history channel, `seq` and `epoch` are the
 * message's position in `channel`; `positions` its `seq` in each history channel of the request the connection is
 * subscribed to (one copy is delivered, and each channel's continuity stays checkable).
 */
export type MessageFormat = 'data' | 'envelope';

/** The history part of an envelope: the message's positions, and the history channels the connection is subscribed to. */
export interface EnvelopeHistory {
  readonly positions: Positions;
  /** Of the request's history channels, those the connection is subscribed to (`channel` aside, which counts anyway). */
  readonly subscribed: readonly string[];
}

/** The bytes posted to each connection: `dataText` (`data` as JSON text, serialized once) as it is, or enveloped. */
export function postedPayload(format: MessageFormat, dataText: string, id: string, channel?: string, history?: EnvelopeHistory): Buffer {
  if (format !== 'envelope') return Buffer.from(dataText, 'utf8');
  // `dataText` is already JSON: spliced in, never parsed and serialized again.
  const channelField = channel === undefined ? '' : `"channel":${JSON.stringify(channel)},`;
  return Buffer.from(`{"type":"message","id":${JSON.stringify(id)},${channelField}${historyFields(channel, history)}"data":${dataText}}`, 'utf8');
}

function historyFields(channel: string | undefined, history: EnvelopeHistory | undefined): string {
  if (!history) return '';
  const own = channel === undefined ? undefined : history.positions.get(channel);
  const entries: string[] = [];
  for (const [name, position] of history.positions) {
    if (name === channel || history.subscribed.includes(name)) entries.push(`${JSON.stringify(name)}:${position.seq}`);
  }
  if (entries.length === 0) return '';
  const ownFields = own ? `"seq":${own.seq},"epoch":${JSON.stringify(own.epoch)},` : '';
  return `${ownFields}"positions":{${entries.join(',')}},`;
}
