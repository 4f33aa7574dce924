import { currentHead } from './heads';
import type { Positions, Position } from './positions';
import { HEAD_MARGIN_SECONDS, historyRetention, type HistoryRuleSpec } from '../../../src/shared/history';
import type { HistoryStore } from '../ports/history-store';
import type { NotificationRequest } from '../request';

/** What storing history needs: the table, the rules' retentions, the clock. */
export interface HistoryDeps {
  readonly store: HistoryStore;
  readonly rules: readonly HistoryRuleSpec[];
  /** Epoch milliseconds. */
  readonly now?: () => number;
}

/** Claims of one `seq` lost to other writers before a store gives up (each loss reads the log's tail again). */
export const MAX_CLAIMS = 25;

/**
 * Stores each message of a history channel under the channel's next `seq`, before any connection is sent it (so that a
 * `resume` that reads the log after subscribing misses nothing the pusher then sends to others, and the pusher, which
 * reads the subscribers after storing, reaches every connection subscribed before the resume read the log).
 *
 * One writer serves one invocation: the stores of one channel run one after the other, in the order they were asked
 * for (the batch's order), so that `seq` order is the batch's order; the next `seq` of a channel the writer has stored
 * to is tried without reading the head again. A `seq` is claimed by writing its row on the condition that it is free;
 * a claim lost to another invocation reads the log's tail and tries the `seq` after it.
 */
export class HistoryWriter {
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly cursors = new Map<string, Position>();

  constructor(private readonly deps: HistoryDeps) {}

  /** The request's history channels (those whose rule keeps history), in its order, with their retention. */
  historyChannels(request: Pick<NotificationRequest, 'channels'>): Array<{ channel: string; retention: number }> {
    return request.channels.flatMap((channel) => {
      const retention = historyRetention(this.deps.rules, channel);
      return retention === undefined ? [] : [{ channel, retention }];
    });
  }

  /**
   * Stores the request's message in each of its history channels; resolves to its positions, or `undefined` when it
   * has none (no history channel, or not a `send` with `data`). Rejects when a store failed: the request is then not
   * delivered (a message is never sent with a `seq` it does not own) and is retried whole; the channels it was stored
   * in before the failure keep it, and a retry stores it again under a new `seq` (a client drops the copy by `id`).
   */
  async store(request: NotificationRequest, id: string): Promise<Positions | undefined> {
    if (request.action !== 'send' || request.dataText === undefined) return undefined;
    const channels = this.historyChannels(request);
    if (channels.length === 0) return undefined;
    const message = { id, dataText: request.dataText };
    const positions = await Promise.all(channels.map(({ channel, retention }) =>
      this.inTurn(channel, () => this.append(channel, retention, message))));
    return new Map(channels.map(({ channel }, i) => [channel, positions[i]]));
  }

  /** Runs `step` after every earlier step of the channel has settled. */
  private inTurn<T>(channel: string, step: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(channel) ?? Promise.resolve();
    const next = previous.then(step, step);
    this.chains.set(channel, next.catch(() => undefined));
    return next;
  }

  /**
   * Raises the head past the claimed `seq` before the message is sent. A raise that fails, or finds the head gone or of
   * another epoch (rotated meanwhile: the message is in an epoch no client follows), rejects: the record is retried, and
   * stored again in the current epoch; the claimed row stays, with its `id`, never sent live (a replay may send it: the
   * client drops the copy by `id`). So the head lags the log only while a writer is between its claim and its raise.
   */
  private async raise(channel: string, position: Position, expiresAt: number, nowSeconds: number): Promise<void> {
    const { store } = this.deps;
    try {
      if (await store.advanceHead(channel, position.epoch, position.seq, expiresAt + HEAD_MARGIN_SECONDS, nowSeconds)) return;
      const head = await store.head(channel);
      if (head?.epoch === position.epoch) return; // another writer raised it further
      throw new Error(`the epoch of '${channel}' changed while seq ${position.seq} was stored`);
    } catch (e) {
      this.cursors.delete(channel);
      throw e;
    }
  }

  private async append(channel: string, retention: number, message: { id: string; dataText: string }): Promise<Position> {
    const { store } = this.deps;
    const nowSeconds = Math.floor((this.deps.now ?? Date.now)() / 1000);
    const expiresAt = nowSeconds + retention;
    let cursor = this.cursors.get(channel);
    if (!cursor) {
      const head = await currentHead(store, channel, retention, nowSeconds);
      cursor = { epoch: head.epoch, seq: head.last + 1 };
    }
    for (let claims = 0; claims < MAX_CLAIMS; claims++) {
      if (await store.claim(channel, cursor.epoch, { ...message, seq: cursor.seq, expiresAt })) {
        const position = cursor;
        await this.raise(channel, position, expiresAt, nowSeconds);
        this.cursors.set(channel, { epoch: position.epoch, seq: position.seq + 1 });
        return position;
      }
      cursor = { epoch: cursor.epoch, seq: (await store.tail(channel, cursor.epoch)) + 1 };
    }
    this.cursors.delete(channel);
    throw new Error(`no free seq in '${channel}' after ${MAX_CLAIMS} claims lost to other writers`);
  }
}
