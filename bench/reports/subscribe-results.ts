/**
 * The subscribe benchmark's results (`bench/subscribe.ts`): per kind of frame, its round trips over a real WebSocket
 * client, the CPU of the process that runs the whole local stack per frame, and the channels function's own duration;
 * the table and the ratios to `ping` (API Gateway's MOCK integration: the bare round trip) as printed.
 */
import { fmt, ratio, table } from './format';
import type { Machine } from './machine';

/** `ping`: the MOCK route; `allow`: a subscribe an allow rule judges; `hook`: one the app's hook function judges. */
export type FrameKind = 'ping' | 'allow' | 'hook';

export interface FrameFigures {
  readonly kind: FrameKind;
  /** Measured frames (the warm-up's excluded). */
  readonly frames: number;
  /** From sending the frame to its reply's arrival, ms. */
  readonly roundTripMs: { readonly median: number; readonly p90: number; readonly mean: number };
  /** The first frame of the kind in the run (the functions' cold start, for a subscribe), ms. */
  readonly firstMs: number;
  /** CPU of this process (client, emulator, dynalite, the functions' workers) per frame: the median of the blocks, ms. */
  readonly cpuMsPerFrame: number;
  /** The other processes' CPU over the kind's blocks, ms. */
  readonly othersCpuMs?: number;
  /** The channels function's `durationMs` (its `frame handled` line) per subscribe, ms. */
  readonly functionMs?: { readonly median: number; readonly mean: number };
  /** The hook function's invocations during the measured frames. */
  readonly hookInvocations?: number;
}

export interface SubscribeResults {
  readonly date: string;
  readonly durationS: number;
  readonly machine: Machine;
  readonly options: { readonly rounds: number; readonly block: number; readonly warmup: number; readonly framesPerConnection: number };
  readonly kinds: FrameFigures[];
}

const LABELS: Record<FrameKind, string> = { ping: 'ping (MOCK)', allow: 'subscribe, allow rule', hook: 'subscribe, hook rule' };

export function subscribeTable(results: SubscribeResults): string {
  const ping = results.kinds.find((k) => k.kind === 'ping');
  return table(
    ['frame', 'frames', 'round trip ms, median', 'p90', 'mean', '÷ ping (median)', 'first ms', 'CPU ms / frame', '÷ ping CPU',
      'channels function ms, median (mean)', 'hook invocations', 'others CPU s'],
    results.kinds.map((k) => [
      LABELS[k.kind],
      fmt(k.frames),
      fmt(k.roundTripMs.median, 3),
      fmt(k.roundTripMs.p90, 3),
      fmt(k.roundTripMs.mean, 3),
      k === ping ? '1' : ratio(k.roundTripMs.median, ping?.roundTripMs.median, 1),
      fmt(k.firstMs, 1),
      fmt(k.cpuMsPerFrame, 3),
      k === ping ? '1' : ratio(k.cpuMsPerFrame, ping?.cpuMsPerFrame, 1),
      k.functionMs ? `${fmt(k.functionMs.median, 1)} (${fmt(k.functionMs.mean, 2)})` : '–',
      k.hookInvocations === undefined ? '–' : fmt(k.hookInvocations),
      k.othersCpuMs === undefined ? '–' : fmt(k.othersCpuMs / 1000, 1),
    ]),
  );
}
