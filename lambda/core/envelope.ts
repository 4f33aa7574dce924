/**
 * What a connection receives for a request: the bare `data` (the seed's format), or the envelope of the client
 * protocol, `{"type":"message","id":…,"channel":…,"data":…}`, whose `id` (the request's own, or its SQS / SNS message
 * id) is the same on every redelivery and follow-up of the request, so that a client can drop a duplicate, and whose
 * `channel` is the first of the request's channels the connection is subscribed to (absent when it was reached only as
 * a user or a connection id).
 */
export type MessageFormat = 'data' | 'envelope';

/** The bytes posted to each connection: `dataText` (`data` as JSON text, serialized once) as it is, or enveloped. */
export function postedPayload(format: MessageFormat, dataText: string, id: string, channel?: string): Buffer {
  if (format !== 'envelope') return Buffer.from(dataText, 'utf8');
  // `dataText` is already JSON: spliced in, never parsed and serialized again.
  const channelField = channel === undefined ? '' : `"channel":${JSON.stringify(channel)},`;
  return Buffer.from(`{"type":"message","id":${JSON.stringify(id)},${channelField}"data":${dataText}}`, 'utf8');
}
