import { postedPayload } from '../envelope';
import type { Positions } from '../history/positions';
import type { NotificationRequest } from '../request';

/**
 * What each connection of a request receives: the request's payload, or, for a connection reached through a channel,
 * the envelope naming that channel (and, on history channels, the message's positions), built once per channel and set
 * of history channels.
 */
export class Payloads {
  private readonly built = new Map<string, Buffer>();

  constructor(private readonly request: Pick<NotificationRequest, 'payload' | 'dataText' | 'envelopeId'>, private readonly positions?: Positions) {}

  /**
   * The payload for a connection reached through `channel` (or through none) and subscribed to the request's history
   * channels `alsoIn` besides; undefined in a disconnect without `data`.
   */
  for(channel: string | undefined, alsoIn: readonly string[] = []): Buffer | undefined {
    const { payload, dataText, envelopeId } = this.request;
    // Without the envelope there is no `channel` to name: every connection receives the same bytes.
    if (envelopeId === undefined || dataText === undefined) return payload;
    if (channel === undefined && alsoIn.length === 0) return payload;
    const key = [channel ?? '', ...alsoIn].join('\n');
    let enveloped = this.built.get(key);
    if (!enveloped) {
      const history = this.positions ? { positions: this.positions, subscribed: alsoIn } : undefined;
      enveloped = postedPayload('envelope', dataText, envelopeId, channel, history);
      this.built.set(key, enveloped);
    }
    return enveloped;
  }
}
