/**
 * The acceptance targets of earlier issues, as data: each a ratio of one row's figure to another's in the same run,
 * and the bound it had to meet. `npm run bench` prints every one its rows allow under *Targets* (`target-check.ts`).
 */
import type { Row } from './results';

/** The figures a target can compare (CPU per delivery: the median of the repeats). */
export type Metric = 'deliveries/s' | 'CPU ms / 1k' | 'max RSS MB' | 'peak RSS MB' | 'peak heap MB';

/** Rows of a subject in scenarios of one kind, optionally of one size or one latency. */
export interface RowPick {
  readonly subject: string;
  readonly kind: Row['kind'];
  readonly connections?: number;
  readonly latencyMs?: number;
}

export interface Target {
  readonly issue: number;
  /** What is compared, as printed. */
  readonly name: string;
  /**
   * `metric` of each row `of` picks ÷ `metric` of the row `over` picks, the latter in the same scenario unless `over`
   * names a size or a latency of its own.
   */
  readonly ratio: { readonly metric: Metric; readonly of: RowPick; readonly over: RowPick };
  /** The bound the ratio must meet; none: printed for information. */
  readonly threshold?: { readonly atLeast: number } | { readonly atMost: number };
}

const broadcast = (subject: string, connections?: number): RowPick => ({ subject, kind: 'broadcast', connections });
const senders = (subject: string, latencyMs?: number): RowPick => ({ subject, kind: 'senders', latencyMs });
const channel = (subject: string): RowPick => ({ subject, kind: 'channel' });
const multicast = (subject: string): RowPick => ({ subject, kind: 'multicast' });

export const TARGETS: readonly Target[] = [
  {
    issue: 6,
    name: 'pusher ÷ ceiling, deliveries/s',
    ratio: { metric: 'deliveries/s', of: broadcast('pusher', 10_000), over: broadcast('ceiling') },
    threshold: { atLeast: 0.8 },
  },
  {
    issue: 6,
    name: 'pusher peak memory, peak RSS',
    // The RSS sampled in the subject's process: Linux carries `ru_maxrss` over from the forking process (the bench,
    // which holds dynalite's tables), so max RSS rose with the bench's own memory, the bare client's alike.
    ratio: { metric: 'peak RSS MB', of: broadcast('pusher', 50_000), over: broadcast('pusher', 10_000) },
    threshold: { atMost: 1.5 },
  },
  {
    issue: 6,
    name: 'pusher peak memory, peak heap',
    ratio: { metric: 'peak heap MB', of: broadcast('pusher', 50_000), over: broadcast('pusher', 10_000) },
    threshold: { atMost: 1.5 },
  },
  {
    issue: 8,
    name: 'pusher ÷ signed raw HTTP, CPU per delivery',
    ratio: { metric: 'CPU ms / 1k', of: senders('pusher'), over: senders('ceiling') },
    threshold: { atMost: 1.5 },
  },
  {
    issue: 8,
    name: 'pusher ÷ SDK client, deliveries/s',
    ratio: { metric: 'deliveries/s', of: senders('pusher', 0), over: senders('sdk') },
    threshold: { atLeast: 3 },
  },
  { issue: 8, name: 'pusher ÷ SDK client, deliveries/s', ratio: { metric: 'deliveries/s', of: senders('pusher', 20), over: senders('sdk') } },
  ...[2_000, 10_000].flatMap((size): Target[] => [
    {
      issue: 16,
      name: 'pusher ÷ unsigned raw HTTP, CPU per delivery',
      ratio: { metric: 'CPU ms / 1k', of: broadcast('pusher', size), over: broadcast('unsigned') },
      threshold: { atMost: 1.5 },
    },
    {
      issue: 16,
      name: 'pusher ÷ unsigned raw HTTP, deliveries/s',
      ratio: { metric: 'deliveries/s', of: broadcast('pusher', size), over: broadcast('unsigned') },
      threshold: { atLeast: 0.9 },
    },
  ]),
  // Issue 24: a channel's fan-out against the same bare client, to the same subscribers, at every size and shard count.
  {
    issue: 24,
    name: 'channel: pusher ÷ unsigned raw HTTP, CPU per delivery',
    ratio: { metric: 'CPU ms / 1k', of: channel('pusher'), over: channel('unsigned') },
    threshold: { atMost: 1.5 },
  },
  {
    issue: 24,
    name: 'channel: pusher ÷ unsigned raw HTTP, deliveries/s',
    ratio: { metric: 'deliveries/s', of: channel('pusher'), over: channel('unsigned') },
    threshold: { atLeast: 0.9 },
  },
  // Issue 28: a multicast and a channel's fan-out against the ceiling of the same scenario on the pusher's own sockets
  // and signers (bench/subjects/direct.ts, `ceiling-pusher`), which makes the pusher's lookups (a signed Query per user,
  // or per shard of the channel, as many in flight) before the same posts (bench/subjects/ceiling.ts, BENCH_LOOKUPS).
  ...[multicast, channel].flatMap((kind): Target[] => [
    {
      issue: 28,
      name: `${kind('').kind}: pusher ÷ ceiling-pusher with lookups, CPU per delivery`,
      ratio: { metric: 'CPU ms / 1k', of: kind('pusher'), over: kind('ceiling-pusher') },
      threshold: { atMost: 1.5 },
    },
    {
      issue: 28,
      name: `${kind('').kind}: pusher ÷ ceiling-pusher with lookups, deliveries/s`,
      ratio: { metric: 'deliveries/s', of: kind('pusher'), over: kind('ceiling-pusher') },
      threshold: { atLeast: 0.9 },
    },
  ]),
];
