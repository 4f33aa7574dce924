/**
 * What each connection receives for a request.
 */
export enum MessageFormat {
  /**
   * The request's `data`, as JSON text: what the original apigw-websocket-pusher sent.
   */
  DATA = 'data',
  /**
   * The envelope of the client protocol: `{"type":"message","id":"…","data":…}`. `id` is the request's own `id`, or its
   * SQS / SNS message id: the same on every redelivery and follow-up of the request, so that a client can drop a
   * duplicate. Lets a client tell the pusher's messages from other frames (a `pong`, an `error`).
   */
  ENVELOPE = 'envelope',
}
