/**
 * What happens in the local system, as one stream of events: what the API Gateway emulator sees (connections, frames,
 * Management API posts) and what the functions report (requests, channel frames, lifecycle events). The `local`
 * command's log lines and its browser console are both written from it, so they never disagree.
 */

/** Epoch milliseconds. */
type At = { readonly at: number };

/** A connection accepted: its `$connect` route succeeded. */
export interface ConnectedActivity extends At {
  readonly kind: 'connected';
  readonly connectionId: string;
  /** The authorizer's `principalId` (the user, for an app whose rows take it), else none. */
  readonly principalId?: string;
  /** The authorizer's context, every value a string. */
  readonly context: Readonly<Record<string, string>>;
}

/** A connection refused at `$connect`: API Gateway's status, and why (what the developer must change). */
export interface RefusedActivity extends At {
  readonly kind: 'refused';
  readonly status: number;
  readonly reason: string;
}

/** A connection gone: closed by its client, by a Management API `DELETE` (`closedBy: 'api'`), or by a limit. */
export interface DisconnectedActivity extends At {
  readonly kind: 'disconnected';
  readonly connectionId: string;
  readonly closedBy: 'client' | 'api' | 'limit';
}

/**
 * A client's frame, routed: the route its selection expression picked (`$default` when none matched a key, none when
 * no route took it), its integration's kind, and what came of it.
 */
export interface FrameActivity extends At {
  readonly kind: 'frame';
  readonly connectionId: string;
  /** The route key; absent when no route took the frame. */
  readonly route?: string;
  /** `AWS_PROXY <function>`, `AWS dynamodb:PutItem`, `AWS sqs:SendMessage`, `MOCK`. */
  readonly integration?: string;
  /** `ok`: the integration succeeded; `failed`: it failed (an error frame was sent); `unrouted`: no route. */
  readonly outcome: 'ok' | 'failed' | 'unrouted';
  /** Why it failed, as API Gateway would log it. */
  readonly reason?: string;
  /** Whether a frame was sent back (a two-way route's response, or an error frame). */
  readonly replied: boolean;
}

/** A Management API `POST @connections/{id}`: a message written to a connection (a delivery), or a 410. */
export interface PostActivity extends At {
  readonly kind: 'post';
  readonly connectionId: string;
  readonly bytes: number;
  /** The message, as text (the first `MAX_ACTIVITY_DATA` characters). */
  readonly data: string;
  readonly status: 'delivered' | 'gone';
}

/** The delivery counts of a report line. */
export interface RequestCounts {
  readonly targets: number;
  readonly delivered: number;
  readonly gone: number;
  readonly pruned: number;
  readonly failed: number;
  readonly closed: number;
}

/** A request (or a work item) the pusher processed, as its report line gives it. */
export interface RequestActivity extends At {
  readonly kind: 'request';
  /** `sqs`, `sns`, `work item`. */
  readonly source: string;
  /** The handler's kind: `multicast`, `broadcast`, `exclusion`, `direct`, `channel` (`invalid` when it could not tell). */
  readonly requestKind: string;
  /** The handler's outcome (`delivered`, `failed`, `invalid`, `duplicate`, …). */
  readonly outcome: string;
  readonly counts: RequestCounts;
  readonly error?: { readonly code: string; readonly message: string };
}

/** A client frame the channels function answered (subscribe, unsubscribe, publish, resume, …). */
export interface ChannelActivity extends At {
  readonly kind: 'channel';
  readonly action: string;
  readonly channel?: string;
  readonly userId?: string;
  readonly connectionId?: string;
  readonly outcome: string;
  readonly code?: string;
}

/** An event put on a bus of the local EventBridge (a lifecycle event), with the rules it matched. */
export interface EventActivity extends At {
  readonly kind: 'event';
  readonly bus: string;
  readonly source: string;
  readonly detailType: string;
  readonly detail: unknown;
  /** Each matched rule's logical id and its targets' logical ids. */
  readonly rules: ReadonlyArray<{ readonly rule: string; readonly targets: readonly string[] }>;
}

/** A batch a function reported figures for: the connection stream's cleanup, the presence checks. */
export interface BatchActivity extends At {
  readonly kind: 'batch';
  /** `connection stream`, `presence checks`. */
  readonly what: string;
  readonly figures: Readonly<Record<string, number>>;
}

/** A line a function wrote that is not a report (an app's own log line, an error), or a function that threw. */
export interface FunctionActivity extends At {
  readonly kind: 'function';
  readonly logicalId: string;
  readonly line: string;
  readonly error?: boolean;
}

export type Activity =
  | ConnectedActivity | RefusedActivity | DisconnectedActivity | FrameActivity | PostActivity
  | RequestActivity | ChannelActivity | EventActivity | BatchActivity | FunctionActivity;

/** An activity of one kind, without its time (what a source hands to `emit`). */
export type ActivityInput = Activity extends infer A ? A extends At ? Omit<A, 'at'> : never : never;

/** How many characters of a posted message an activity keeps. */
export const MAX_ACTIVITY_DATA = 2_000;

/** How the log and the console name a request's outcome: `no targets` for one processed that reached nobody. */
export function requestOutcome(outcome: string, counts: RequestCounts): string {
  return outcome === 'delivered' && counts.targets === 0 ? 'no targets' : outcome;
}

/** A request's counts that are not zero (`targets=2 delivered=2`), or `-`. */
export function requestCounts(counts: RequestCounts): string {
  return Object.entries(counts).filter(([, n]) => n).map(([name, n]) => `${name}=${n}`).join(' ') || '-';
}

/** How the log and the console name a connection's end: `closed` (by its client), `closed by api`, `closed by limit`. */
export function disconnectedOutcome(closedBy: DisconnectedActivity['closedBy']): string {
  return closedBy === 'client' ? 'closed' : `closed by ${closedBy}`;
}

/** Where activities go: every listener, in the order they were added; a listener that throws does not stop the others. */
export class ActivityFeed {
  private readonly listeners = new Set<(activity: Activity) => void>();

  /** Adds a listener; returns what removes it. */
  on(listener: (activity: Activity) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(input: ActivityInput): void {
    const activity = { ...input, at: Date.now() } as Activity;
    for (const listener of this.listeners) {
      try {
        listener(activity);
      } catch {
        // A listener's failure (a closed console page) must not stop the system or the others.
      }
    }
  }
}
