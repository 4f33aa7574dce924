/**
 * A message's positions: its `seq` and the `epoch` in each of its request's history channels, given when it was stored
 * and carried, unchanged, by every follow-up of the request (a follow-up never stores again). A Map, never an object
 * keyed by channel name: `__proto__` is a channel name.
 */
export interface Position {
  readonly seq: number;
  readonly epoch: string;
}

/** Channel → position, in the request's channel order. */
export type Positions = ReadonlyMap<string, Position>;

/** How a work item carries positions: `[channel, seq, epoch]` triples. */
export type PositionEntry = readonly [string, number, string];

export function positionEntries(positions: Positions): PositionEntry[] {
  return [...positions].map(([channel, { seq, epoch }]) => [channel, seq, epoch] as const);
}

/** The positions a work item carries, or `undefined` when `value` is not a list of `[channel, seq ≥ 1, epoch]`. */
export function positionsOf(value: unknown): Positions | undefined {
  if (!Array.isArray(value)) return undefined;
  const positions = new Map<string, Position>();
  for (const entry of value) {
    if (!Array.isArray(entry) || entry.length !== 3) return undefined;
    const [channel, seq, epoch] = entry as unknown[];
    if (typeof channel !== 'string' || typeof epoch !== 'string' || epoch === '' || !Number.isSafeInteger(seq) || (seq as number) < 1) return undefined;
    positions.set(channel, { seq: seq as number, epoch });
  }
  return positions;
}
