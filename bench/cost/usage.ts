/**
 * What a month of the scenario uses, in each service's metered units (pure functions, no prices): messages and
 * connection minutes, invocations and GB-seconds per function, DynamoDB request units, SQS and SNS requests, metrics,
 * alarms, log bytes. `model.ts` prices it.
 */
import { ASSUMED, COUNTED, LOOKUP_CPU_MS, MEASURED } from './figures';
import { API_GATEWAY_UNIT_KB, APPSYNC_EVENTS_UNIT_KB, QUEUE_UNIT_KB } from './prices';
import type { Scenario } from './scenario';

const GB = 2 ** 30;

export interface FunctionUse {
  readonly invocations: number;
  readonly gbSeconds: number;
}

export type FunctionName = 'pusher' | 'channels' | 'connectionStream';

export interface Usage {
  /** API Gateway messages by what sends them. */
  readonly messages: {
    readonly multicast: number;
    readonly broadcast: number;
    readonly channel: number;
    readonly subscribe: number;
    readonly ping: number;
  };
  readonly connectionMinutes: number;
  readonly functions: Readonly<Record<FunctionName, FunctionUse>>;
  /** DynamoDB request units by what reads or writes them. */
  readonly reads: Readonly<Record<string, number>>;
  readonly writes: Readonly<Record<string, number>>;
  readonly sqs: { readonly send: number; readonly receiveAndDelete: number; readonly idleReceives: number };
  readonly snsPublishes: number;
  /** Distinct custom metrics, and metric-months billed (prorated to the hours they are sent). */
  readonly metrics: number;
  readonly metricMonths: number;
  readonly alarms: number;
  readonly dashboards: number;
  readonly logGb: Readonly<Record<FunctionName, number>>;
  readonly logStorageGbMonths: number;
}

/** Metered units of a message of `kb`: one per `unitKb` started. */
export const units = (kb: number, unitKb: number): number => Math.max(1, Math.ceil(kb / unitKb));

/** The month's traffic, counted once for every service. */
export function traffic(s: Scenario) {
  const connections = s.users * s.connectionsPerUser;
  const channels = s.channelPublishes > 0;
  const socketsPerDay = 1 + Math.floor(s.hours * 60 / ASSUMED.socketMinutes);
  const sockets = connections * socketsPerDay * s.days;
  return {
    connections,
    channels,
    /** `$connect`s (and `$disconnect`s) in the month. */
    sockets,
    subscribes: channels ? sockets * s.subscriptions : 0,
    multicasts: s.multicasts * s.days,
    broadcasts: s.broadcasts * s.days,
    publishes: s.channelPublishes * s.days,
    requests: (s.multicasts + s.broadcasts + s.channelPublishes) * s.days,
    deliveries: {
      multicast: s.multicasts * s.connectionsPerUser * s.days,
      broadcast: s.broadcasts * connections * s.days,
      channel: s.channelPublishes * s.channelSubscribers * s.days,
    },
    connectionMinutes: connections * s.hours * 60 * s.days,
  };
}

/** Multicasts per SQS batch: what arrives within `maxBatchingWindow`, at least 1, at most `batchSize`. */
export function recordsPerBatch(s: Scenario): number {
  if (s.source === 'sns') return 1;
  const perSecond = s.multicasts / (s.hours * 3600);
  return Math.min(s.batchSize, Math.max(1, perSecond * s.batchingWindow));
}

/** Seconds of one fan-out to `n` connections: the longer of its CPU time and the Management API's bound, then its calls. */
export function fanOutSeconds(s: Scenario, n: number, roundTrips: number, extraCpuMs: number): number {
  const vcpu = s.memory / ASSUMED.mbPerVcpu;
  const cpuSeconds = (MEASURED.fanOutFixedCpuMs + extraCpuMs + n * MEASURED.deliveryCpuMs) / 1000 / vcpu;
  return Math.max(cpuSeconds, n / MEASURED.apiBoundPerSecond) + roundTrips * s.dynamoMs / 1000;
}

/**
 * Seconds of one invocation of `records` multicasts: one lookup and one post in flight together, then their CPU, each
 * the small multicast's measured CPU (its invocation's own work included: an upper bound when a batch holds several),
 * its posts counted for this many connections, and a lookup's CPU for each deduplication call.
 */
export function multicastSeconds(s: Scenario, records: number): number {
  const vcpu = s.memory / ASSUMED.mbPerVcpu;
  const dedup = s.deduplication ? COUNTED.deduplicationRoundTrips : 0;
  const cpuMs = MEASURED.smallMulticastCpuMs + (s.connectionsPerUser - MEASURED.multicastConnectionsPerUser) * MEASURED.deliveryCpuMs
    + LOOKUP_CPU_MS * dedup;
  return ((1 + dedup) * s.dynamoMs + s.postMs) / 1000 + records * cpuMs / 1000 / vcpu;
}

/** The pusher: multicasts in batches, each broadcast and channel publish an invocation of its own. */
export function pusherUse(s: Scenario): FunctionUse & { readonly batches: number } {
  const t = traffic(s);
  const rpb = recordsPerBatch(s);
  const multicastBatches = t.multicasts / rpb;
  const dedupTrips = s.deduplication ? COUNTED.deduplicationRoundTrips : 0;
  const historyTrips = s.history ? COUNTED.historyRoundTrips : 0;
  const broadcast = fanOutSeconds(s, t.connections, 1 + dedupTrips, dedupTrips * LOOKUP_CPU_MS);
  const publish = fanOutSeconds(s, s.channelSubscribers, 1 + dedupTrips + historyTrips, (dedupTrips + historyTrips) * LOOKUP_CPU_MS);
  const seconds = multicastBatches * multicastSeconds(s, rpb) + t.broadcasts * broadcast + t.publishes * publish;
  const batches = multicastBatches + t.broadcasts + t.publishes;
  return { invocations: batches, batches, gbSeconds: seconds * s.memory / 1024 };
}

/** The channels function (a subscribe a frame) and the connection stream function (a record a batch). */
export function channelFunctionsUse(s: Scenario): Record<'channels' | 'connectionStream', FunctionUse> {
  const t = traffic(s);
  const gb = COUNTED.smallFunctionMb / 1024;
  const subscribeTrips = COUNTED.subscribeRoundTrips + (s.history ? 1 : 0);
  const subscribeSeconds = (subscribeTrips * s.dynamoMs + MEASURED.channelsFunctionMs) / 1000;
  const records = t.channels ? 2 * t.sockets : 0;
  // An INSERT has nothing to clean; a REMOVE queries the connection's subscriptions and deletes them.
  const streamSeconds = (records * ASSUMED.streamRecordCpuMs + (records / 2) * 2 * s.dynamoMs) / 1000;
  return {
    channels: { invocations: t.subscribes, gbSeconds: t.subscribes * subscribeSeconds * gb },
    connectionStream: { invocations: records / ASSUMED.streamRecordsPerBatch, gbSeconds: streamSeconds * gb },
  };
}

/** Eventually consistent read units of reading `rows` of `bytes` (half a unit per 4 KB), doubled when strongly consistent. */
const readUnits = (rows: number, bytes: number, strong = false) => Math.ceil(rows * bytes / 4096) * (strong ? 1 : 0.5);

/** DynamoDB request units by what uses them. */
export function dynamoUse(s: Scenario): { reads: Record<string, number>; writes: Record<string, number> } {
  const t = traffic(s);
  const reads: Record<string, number> = {
    'multicast lookups': t.multicasts * readUnits(s.connectionsPerUser, ASSUMED.connectionRowBytes),
    'broadcast scans': t.broadcasts * readUnits(t.connections, ASSUMED.connectionRowBytes),
    'channel reads': t.publishes * readUnits(s.channelSubscribers, ASSUMED.subscriptionRowBytes, s.history),
    'subscribes': t.subscribes * (COUNTED.subscribeReads + (s.history ? 1 : 0)),
    'cleanups': t.channels ? t.sockets * 0.5 : 0,
    'history counters': s.history ? t.publishes : 0,
  };
  const writes: Record<string, number> = {
    '$connect / $disconnect': 2 * t.sockets,
    'subscribes': t.subscribes * COUNTED.subscribeWrites,
    'cleanups': t.channels ? t.sockets * s.subscriptions * 2 : 0,
    'deduplication': s.deduplication ? t.requests * COUNTED.deduplicationWrites : 0,
    'history': s.history ? t.publishes * (units(s.payloadKb, 1) + 1) : 0,
  };
  return { reads, writes };
}

/** SQS requests: a send per request, a receive and a delete per batch, the empty receives of idle event sources. */
export function sqsUse(s: Scenario, batches: number): Usage['sqs'] {
  const t = traffic(s);
  const viaQueue = s.source === 'sqs';
  const idleMinutes = ((viaQueue ? 24 - s.hours : 24) + 24) * 60 * s.days; // the request queue, then the work queue
  return {
    send: viaQueue ? t.requests * units(s.payloadKb, QUEUE_UNIT_KB) : 0,
    receiveAndDelete: viaQueue ? 2 * batches : 0,
    idleReceives: idleMinutes * ASSUMED.idleReceivesPerMinute,
  };
}

/** Bytes each function logs: its report lines, and Lambda's three lines per invocation. */
export function logUse(s: Scenario, functions: Record<FunctionName, FunctionUse>): Record<FunctionName, number> {
  const t = traffic(s);
  const b = MEASURED.logBytes;
  const platform = (f: FunctionUse) => f.invocations * ASSUMED.platformLogBytes;
  return {
    pusher: (t.multicasts * b.multicast + t.broadcasts * b.broadcast + t.publishes * b.channelPublish + platform(functions.pusher)) / GB,
    channels: (t.subscribes * b.frame + platform(functions.channels)) / GB,
    connectionStream: (functions.connectionStream.invocations * b.streamBatch + platform(functions.connectionStream)) / GB,
  };
}

/** Everything the month uses. */
export function usage(s: Scenario): Usage {
  const t = traffic(s);
  const pusher = pusherUse(s);
  const functions = { pusher: { invocations: pusher.invocations, gbSeconds: pusher.gbSeconds }, ...channelFunctionsUse(s) };
  const apiUnits = units(s.payloadKb, API_GATEWAY_UNIT_KB);
  const pingsPerConnection = s.pingMinutes > 0 ? Math.floor(s.hours * 60 / s.pingMinutes) : 0;
  const metrics = COUNTED.pusherMetrics + (t.channels
    ? COUNTED.channelDeliveredMetric + COUNTED.channelsFunctionMetrics + COUNTED.connectionStreamMetrics : 0);
  const logGb = logUse(s, functions);
  const ingested = logGb.pusher + logGb.channels + logGb.connectionStream;
  return {
    messages: {
      multicast: t.deliveries.multicast * apiUnits,
      broadcast: t.deliveries.broadcast * apiUnits,
      channel: t.deliveries.channel * apiUnits,
      subscribe: 2 * t.subscribes,
      ping: 2 * pingsPerConnection * t.connections * s.days,
    },
    connectionMinutes: t.connectionMinutes,
    functions,
    ...dynamoUse(s),
    sqs: sqsUse(s, pusher.batches),
    snsPublishes: s.source === 'sns' ? t.requests * units(s.payloadKb, QUEUE_UNIT_KB) : 0,
    metrics,
    metricMonths: metrics * s.hours / 24,
    alarms: s.alarms ? COUNTED.alarms + (t.channels ? COUNTED.channelAlarms : 0) : 0,
    dashboards: s.dashboard ? 1 : 0,
    logGb,
    logStorageGbMonths: ingested * ASSUMED.logCompression * s.logRetentionDays / 30,
  };
}

/** AppSync Events for the same month: what it meters (operations by kind, connection minutes). */
export function appSyncEventsUse(s: Scenario) {
  const t = traffic(s);
  const u = units(s.payloadKb, APPSYNC_EVENTS_UNIT_KB);
  const connects = t.connections * s.days; // no 2-hour limit documented: one connect per connected stretch
  // A multicast needs a channel per user, a broadcast a channel everyone is in: both subscribed on each connect.
  const perConnect = 1 + (s.broadcasts > 0 ? 1 : 0) + (t.channels ? s.subscriptions : 0);
  return {
    deliveries: (t.deliveries.multicast + t.deliveries.broadcast + t.deliveries.channel) * u,
    publishes: t.requests * u,
    connects,
    subscribes: connects * perConnect,
    connectionMinutes: t.connectionMinutes,
    /** The server's keep-alive (`ka`, about once a minute): an operation each, if metered (not verified). */
    keepAlives: t.connectionMinutes,
  };
}
