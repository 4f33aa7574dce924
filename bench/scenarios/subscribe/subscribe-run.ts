/**
 * The subscribe benchmark's measurement: blocks of `block` frames of one kind, the kinds interleaved round after round
 * (ping, allow, hook, ping, …) so that a busy spell hits each; every block on connections opened for it before it
 * starts (and the connections table's stream drained), so that its CPU is its frames'. The warm-up sends each kind
 * first (cold functions: its first frame is kept as `firstMs`). Connections stay open until the end: a close would
 * set the connection stream function to work during a later block.
 */
import { closeClient, frameOf, FRAMES_PER_CONNECTION, openClient, roundTrip, type Client } from './frames';
import type { Invocation } from '../../../local/lambda-runtime/function-runner';
import type { LocalSystem } from '../../../local/system/local-system';
import { machineBusyMs } from '../../harness/machine-cpu';
import type { FrameFigures, FrameKind } from '../../reports/subscribe-results';

export const KINDS: readonly FrameKind[] = ['ping', 'allow', 'hook'];

export interface SubscribeRunOptions {
  readonly rounds: number;
  readonly block: number;
  readonly warmup: number;
}

/** What the template's functions did, as the system reports each invocation: the channels function's lines, the hook's calls. */
export class FunctionLog {
  /** The channels function's `frame handled` lines. */
  readonly frames: Array<Record<string, any>> = [];
  hookInvocations = 0;

  constructor(private readonly hookLogicalId: string) {}

  readonly record = (logicalId: string, invocation: Invocation): void => {
    if (logicalId === this.hookLogicalId) this.hookInvocations++;
    this.frames.push(...invocation.json.filter((line) => line.message === 'frame handled'));
  };
}

interface Block {
  readonly roundTrips: number[];
  readonly cpuMs: number;
  readonly othersMs?: number;
  readonly hookInvocations: number;
}

export class SubscribeRun {
  private readonly clients: Client[] = [];
  private users = 0;

  constructor(private readonly system: LocalSystem, private readonly log: FunctionLog) {}

  async measure(o: SubscribeRunOptions): Promise<FrameFigures[]> {
    try {
      const first = new Map<FrameKind, number>();
      for (const kind of KINDS) first.set(kind, (await this.block(kind, o.warmup, 'warm')).roundTrips[0]);
      const blocks = new Map<FrameKind, Block[]>(KINDS.map((kind) => [kind, []]));
      for (let round = 1; round <= o.rounds; round++) {
        for (const kind of KINDS) blocks.get(kind)!.push(await this.block(kind, o.block, `r${round}`));
        process.stdout.write(`round ${round}/${o.rounds} done\n`);
      }
      return KINDS.map((kind) => this.figures(kind, first.get(kind)!, blocks.get(kind)!));
    } finally {
      await Promise.all(this.clients.map(closeClient));
    }
  }

  /** `frames` frames of `kind`, on connections of their own; channels named `<tag>-<i>`. */
  private async block(kind: FrameKind, frames: number, tag: string): Promise<Block> {
    const clients = await this.open(Math.ceil(frames / FRAMES_PER_CONNECTION));
    const hooksBefore = this.log.hookInvocations;
    const busyBefore = machineBusyMs();
    const cpuBefore = process.cpuUsage();
    const roundTrips: number[] = [];
    for (let i = 0; i < frames; i++) {
      const client = clients[Math.floor(i / FRAMES_PER_CONNECTION)];
      const { frame, reply } = frameOf(kind, client, `${tag}-${i}`);
      roundTrips.push(await roundTrip(client, frame, reply));
    }
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const busyAfter = machineBusyMs();
    const othersMs = busyBefore === undefined || busyAfter === undefined ? undefined : Math.max(0, busyAfter - busyBefore - cpuMs);
    return { roundTrips, cpuMs, othersMs, hookInvocations: this.log.hookInvocations - hooksBefore };
  }

  /** `count` new connections, their `$connect` rows written and the connections table's stream drained. */
  private async open(count: number): Promise<Client[]> {
    const url = this.system.emulator.connectUrl();
    const clients = await Promise.all(Array.from({ length: count }, () => openClient(url, `u${this.users++}`)));
    this.clients.push(...clients);
    await this.system.drained();
    return clients;
  }

  private figures(kind: FrameKind, firstMs: number, blocks: readonly Block[]): FrameFigures {
    const roundTrips = blocks.flatMap((b) => b.roundTrips);
    const durations = this.log.frames
      .filter((line) => line.action === 'subscribe' && typeof line.channel === 'string' && isMeasured(kind, line.channel))
      .map((line) => line.durationMs as number);
    const others = blocks.map((b) => b.othersMs);
    return {
      kind,
      frames: roundTrips.length,
      roundTripMs: { median: round(quantile(roundTrips, 0.5)), p90: round(quantile(roundTrips, 0.9)), mean: round(mean(roundTrips)) },
      firstMs: round(firstMs),
      cpuMsPerFrame: round(quantile(blocks.map((b) => b.cpuMs / b.roundTrips.length), 0.5)),
      ...(others.every((ms) => ms !== undefined) ? { othersCpuMs: round(others.reduce((a, b) => a + b, 0)) } : {}),
      ...(durations.length > 0 ? { functionMs: { median: quantile(durations, 0.5), mean: round(mean(durations)) } } : {}),
      ...(kind === 'hook' ? { hookInvocations: blocks.reduce((n, b) => n + b.hookInvocations, 0) } : {}),
    };
  }
}

/** A measured subscribe's channel (not the warm-up's): `allow/<user>/r<round>-<i>` or `hook/r<round>-<i>`. */
function isMeasured(kind: FrameKind, channel: string): boolean {
  return channel.startsWith(`${kind}/`) && /\/r\d+-\d+$/.test(channel);
}

/** The value at fraction `q` of the sorted values (nearest rank). */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
/** Three decimals: a ping's round trip is well under a tenth of a millisecond. */
const round = (n: number) => Math.round(n * 1000) / 1000;
