import { HEAD_MARGIN_SECONDS } from '../../../src/shared/history';
import type { HistoryHead, HistoryStore } from '../ports/history-store';

/**
 * The channel's head to number from: the one there is, or a new epoch when there is none, or when the channel has
 * messages and was not written to for its retention. That rotation is what keeps a `seq` from ever being reused: the
 * head may lag the log (a writer stopped between its claim and its raise), and once the rows past it have expired
 * (DynamoDB's TTL may delete them from then on) nothing would show that their `seq`s were taken. Rows claimed after the
 * head's last raise expire at least `retention` after it, so a head raised less than `retention` ago still sees every
 * row past it. A rotated channel's clients are told `reset`: everything they could have missed had expired anyway.
 */
export async function currentHead(store: HistoryStore, channel: string, retentionSeconds: number, nowSeconds: number): Promise<HistoryHead> {
  const head = await store.head(channel);
  if (head && (head.last === 0 || nowSeconds - head.updatedAt < retentionSeconds)) return head;
  return store.createHead(channel, nowSeconds + retentionSeconds + HEAD_MARGIN_SECONDS, nowSeconds, head?.epoch);
}
