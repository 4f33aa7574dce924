/**
 * The month the cost model prices (`bench/cost.ts`), its defaults (issue 28's worked month) and its flags. Every flag
 * is checked here: a bad value throws an error that names the flag.
 */
import { parseCommand, type OptionValues } from '../harness/options';

export type Source = 'sqs' | 'sns';

export interface Scenario {
  /** Users connected at once, during the connected hours. */
  readonly users: number;
  /** Connections per user (devices, tabs): a broadcast reaches `users × connectionsPerUser`, a multicast one user's. */
  readonly connectionsPerUser: number;
  /** Hours a day the users are connected; all traffic falls in them. */
  readonly hours: number;
  readonly days: number;
  /** Requests a day: multicasts (each to one user), broadcasts (to every connection), channel publishes. */
  readonly multicasts: number;
  readonly broadcasts: number;
  readonly channelPublishes: number;
  /** Subscribers of the channel a publish goes to (one shard). */
  readonly channelSubscribers: number;
  /** Channels each connection subscribes to (again on every new socket). */
  readonly subscriptions: number;
  /** Size of a message, KB: what each service meters it in units of. */
  readonly payloadKb: number;
  /** `deduplication` on: every request carries an `id`. */
  readonly deduplication: boolean;
  /** A channel rule with `history` covers the published channels. */
  readonly history: boolean;
  /** The pusher's `memorySize`, MB. */
  readonly memory: number;
  /** The queue's event source: `batchSize`, `maxBatchingWindow` (seconds). */
  readonly batchSize: number;
  readonly batchingWindow: number;
  /** Requests arrive through the SQS queue or the SNS topic. */
  readonly source: Source;
  readonly fifo: boolean;
  /** Minutes between a client's pings when it sends nothing else (0: no pings). */
  readonly pingMinutes: number;
  readonly alarms: boolean;
  readonly dashboard: boolean;
  readonly logRetentionDays: number;
  /** Round trips, ms: a DynamoDB call, a PostToConnection. */
  readonly dynamoMs: number;
  readonly postMs: number;
}

/** Issue 28's worked month. */
export const WORKED_MONTH: Scenario = {
  users: 10_000,
  connectionsPerUser: 1,
  hours: 8,
  days: 30,
  multicasts: 1_000_000,
  broadcasts: 100,
  channelPublishes: 10_000,
  channelSubscribers: 1_000,
  subscriptions: 1,
  payloadKb: 1,
  deduplication: false,
  history: false,
  memory: 1_024,
  batchSize: 10,
  batchingWindow: 0,
  source: 'sqs',
  fifo: false,
  pingMinutes: 4,
  alarms: true,
  dashboard: true,
  logRetentionDays: 30,
  dynamoMs: 5,
  postMs: 20,
};

const number = (help: string) => ({ kind: 'text', arg: 'N', help } as const);
const flag = (help: string) => ({ kind: 'flag', help } as const);

export const COST_COMMAND = {
  usage: 'npx ts-node --project tsconfig.dev.json bench/cost.ts [options]',
  options: {
    'users': number('users connected at once (10,000)'),
    'connections-per-user': number('connections of a user (1); a multicast reaches one user\'s'),
    'hours': number('hours a day the users are connected, 0 to 24 (8); all traffic falls in them'),
    'days': number('days in the month (30)'),
    'multicasts': number('multicasts a day, each to one user (1,000,000)'),
    'broadcasts': number('broadcasts a day, to every connection (100)'),
    'channel-publishes': number('channel publishes a day (10,000); 0: no channels at all'),
    'channel-subscribers': number('subscribers of a published channel (1,000)'),
    'subscriptions': number('channels each connection subscribes to (1)'),
    'payload-kb': number('size of a message, KB (1)'),
    'deduplication': flag('`deduplication` on: every request has an id'),
    'history': flag('a channel rule with `history` covers the published channels'),
    'memory': number('the pusher\'s memorySize, MB (1,024)'),
    'batch-size': number('the queue event source\'s batchSize (10)'),
    'batching-window': number('maxBatchingWindow, seconds (0: none, the default)'),
    'source': { kind: 'text', arg: 'sqs|sns', help: 'requests through the queue or the topic (sqs)' },
    'fifo': flag('a FIFO queue'),
    'ping-minutes': number('a client\'s ping interval when idle, minutes, under 10 (4: the client\'s default); 0: none'),
    'no-alarms': flag('without `alarms`'),
    'no-dashboard': flag('without `createDashboard()`'),
    'log-retention-days': number('the log groups\' retention, days (30)'),
    'dynamodb-ms': number('round trip of a DynamoDB call, ms (5; assumed)'),
    'post-ms': number('round trip of a PostToConnection, ms (20; assumed)'),
    'json': flag('print the month as JSON'),
  },
} as const;

type Values = OptionValues<typeof COST_COMMAND.options>;

interface Range {
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
  /** Why the range, appended to the error. */
  readonly why?: string;
}

/** `--name`'s value as a number within `range`; the default when absent. */
function numeric(values: Values, name: keyof Values, fallback: number, range: Range = {}): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const { min = 0, max, integer = false, why } = range;
  const n = Number(String(raw).replace(/_/g, ''));
  if (String(raw).trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || (max !== undefined && n > max)) {
    const expected = `${integer ? 'an integer' : 'a number'} ${max === undefined ? `≥ ${min}` : `from ${min} to ${max}`}`;
    throw new Error(`--${name}: expected ${expected}, got '${raw}'${why ? ` (${why})` : ''}`);
  }
  return n;
}

/** The scenario of `argv` (the worked month where a flag is absent), and whether `--json` was given. */
export function parseScenario(argv: string[]): { scenario: Scenario; json: boolean } {
  let parsed: { values: Values };
  try {
    parsed = parseCommand(COST_COMMAND, argv);
  } catch (e) {
    // node's own messages ("Unknown option '--x'", "Option '--users <value>' argument missing") name the flag.
    throw new Error(`bench/cost.ts: ${(e as Error).message} (--help lists the options)`);
  }
  const v = parsed.values;
  const d = WORKED_MONTH;
  const source = v.source ?? d.source;
  if (source !== 'sqs' && source !== 'sns') throw new Error(`--source: expected sqs or sns, got '${source}'`);
  const scenario: Scenario = {
    users: numeric(v, 'users', d.users, { min: 1, integer: true }),
    connectionsPerUser: numeric(v, 'connections-per-user', d.connectionsPerUser, { min: 1, max: 100 }),
    hours: numeric(v, 'hours', d.hours, { min: 0.1, max: 24 }),
    days: numeric(v, 'days', d.days, { min: 1, max: 31, integer: true }),
    multicasts: numeric(v, 'multicasts', d.multicasts, { integer: true }),
    broadcasts: numeric(v, 'broadcasts', d.broadcasts, { integer: true }),
    channelPublishes: numeric(v, 'channel-publishes', d.channelPublishes, { integer: true }),
    channelSubscribers: numeric(v, 'channel-subscribers', d.channelSubscribers, { min: 1, integer: true }),
    subscriptions: numeric(v, 'subscriptions', d.subscriptions, { min: 1, max: 50, integer: true }),
    payloadKb: numeric(v, 'payload-kb', d.payloadKb, { min: 0.001, max: 128 }),
    deduplication: v.deduplication ?? d.deduplication,
    history: v.history ?? d.history,
    memory: numeric(v, 'memory', d.memory, { min: 128, max: 10_240, integer: true }),
    batchSize: numeric(v, 'batch-size', d.batchSize, { min: 1, max: v.fifo ? 10 : 10_000, integer: true, why: 'SQS event sources; FIFO: 10' }),
    batchingWindow: numeric(v, 'batching-window', d.batchingWindow, { max: 300 }),
    source,
    fifo: v.fifo ?? d.fifo,
    pingMinutes: numeric(v, 'ping-minutes', d.pingMinutes, { max: 9.9, why: 'API Gateway closes a connection idle for 10 minutes' }),
    alarms: !(v['no-alarms'] ?? false),
    dashboard: !(v['no-dashboard'] ?? false),
    logRetentionDays: numeric(v, 'log-retention-days', d.logRetentionDays, { min: 1, max: 3_653, integer: true }),
    dynamoMs: numeric(v, 'dynamodb-ms', d.dynamoMs),
    postMs: numeric(v, 'post-ms', d.postMs),
  };
  const connections = scenario.users * scenario.connectionsPerUser;
  if (scenario.channelPublishes > 0 && scenario.channelSubscribers > connections) {
    throw new Error(`--channel-subscribers: a channel cannot have more subscribers (${scenario.channelSubscribers}) than there are `
      + `connections (${connections})`);
  }
  return { scenario, json: v.json ?? false };
}
