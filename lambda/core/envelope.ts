/**
 * What a connection receives for a request: the bare `data` (the seed's format), or the envelope of the client
 * protocol, `{"type":"message","id":…,"data":…}`, whose `id` (the request's own, or its SQS / SNS message id) is the
 * same on every redelivery and follow-up of the request, so that a client can drop a duplicate.
 */
export type MessageFormat = 'data' | 'envelope';

/** The bytes posted to each connection: `dataText` (`data` as JSON text, serialized once) as it is, or enveloped. */
export function postedPayload(format: MessageFormat, dataText: string, id: string): Buffer {
  // `dataText` is already JSON: spliced in, never parsed and serialized again.
  return Buffer.from(format === 'envelope' ? `{"type":"message","id":${JSON.stringify(id)},"data":${dataText}}` : dataText, 'utf8');
}
