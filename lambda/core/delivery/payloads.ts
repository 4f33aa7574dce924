import { postedPayload } from '../envelope';
import type { NotificationRequest } from '../request';

/**
 * What each connection of a request receives: the request's payload, or, for a connection reached through a channel,
 * the envelope naming that channel, built once per channel.
 */
export class Payloads {
  private readonly byChannel = new Map<string, Buffer>();

  constructor(private readonly request: Pick<NotificationRequest, 'payload' | 'dataText' | 'envelopeId'>) {}

  /** The payload for a connection reached through `channel` (or through none); undefined in a disconnect without `data`. */
  for(channel: string | undefined): Buffer | undefined {
    const { payload, dataText, envelopeId } = this.request;
    // Without the envelope there is no `channel` to name: every connection receives the same bytes.
    if (channel === undefined || envelopeId === undefined || dataText === undefined) return payload;
    let enveloped = this.byChannel.get(channel);
    if (!enveloped) {
      enveloped = postedPayload('envelope', dataText, envelopeId, channel);
      this.byChannel.set(channel, enveloped);
    }
    return enveloped;
  }
}
