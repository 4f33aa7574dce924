import { CONNECTIONS_PER_USER, payload, type FanOut } from './fan-out';
import { putAll } from './subscriptions';
import { ENV } from '../../../src/shared/constants';
import type { Scenario } from '../../reports/results';

/** The table of the one-connection multicast: a user per connection. */
const ONE_PER_USER_TABLE = 'connections-one-per-user';

/** The ceilings and the unsigned client make the pusher's lookups first: a Query per user, then the posts. */
const LOOKUPS = { kind: 'users', subjects: ['ceiling', 'ceiling-pusher', 'unsigned'] } as const;

/**
 * A multicast to `users` users (their connections are the table's first rows), by every chosen subject; the ceilings
 * and the unsigned client make the pusher's lookups first ({@link LOOKUPS}).
 */
export async function multicast(bench: FanOut, users: number): Promise<void> {
  const { options, table } = bench;
  const request = { data: payload(options.payloadBytes), users: Array.from({ length: users }, (_, u) => `user-${u}`) };
  const targets = table.ids.slice(0, users * CONNECTIONS_PER_USER);
  const scenario: Scenario = {
    name: `multicast ${users.toLocaleString('en-US')}×${CONNECTIONS_PER_USER}`, kind: 'multicast', connections: targets.length, table: table.ids.length,
  };
  await bench.runner.run({ scenario, request, targets, inFlight: options.inFlight, subjects: options.subjects, lookups: LOOKUPS });
}

/**
 * A multicast to `users` users of one connection each: a table of its own (`connections-one-per-user`, laid out as the
 * connections table) holds a row per connection of the main table's first `users`, each its own user `one-{i}`. Every
 * subject reads that table (the pusher's `CONNECTIONS_TABLE_NAME`), and so makes a Query per delivery.
 */
export async function multicastOnePerUser(bench: FanOut, users: number): Promise<void> {
  const { options, table, system } = bench;
  const pusherEnv = system.pusherEnv();
  const userId = pusherEnv[ENV.USER_ID_ATTRIBUTE];
  const connectionId = pusherEnv[ENV.CONNECTION_ID_ATTRIBUTE];
  const ttl = pusherEnv[ENV.TTL_ATTRIBUTE];
  const started = Date.now();
  await system.dynamodb.createTable({
    tableName: ONE_PER_USER_TABLE,
    keySchema: [{ AttributeName: userId, KeyType: 'HASH' }, { AttributeName: connectionId, KeyType: 'RANGE' }],
    attributeDefinitions: [{ AttributeName: userId, AttributeType: 'S' }, { AttributeName: connectionId, AttributeType: 'S' }],
  });
  const expiresAt = String(Math.floor(Date.now() / 1000) + 86_400);
  const targets = table.ids.slice(0, users);
  await putAll(system.dynamodb, ONE_PER_USER_TABLE, targets.map((id, i) => ({
    PutRequest: { Item: { [userId]: { S: `one-${i}` }, [connectionId]: { S: id }, ...(ttl ? { [ttl]: { N: expiresAt } } : {}) } },
  })));
  console.log(`table ${ONE_PER_USER_TABLE}: ${users.toLocaleString('en-US')} users of one connection (written in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  const request = { data: payload(options.payloadBytes), users: targets.map((_, i) => `one-${i}`) };
  const scenario: Scenario = {
    name: `multicast ${users.toLocaleString('en-US')}×1`, kind: 'multicast', connections: users, table: users,
  };
  // The pusher and the ceilings read the pusher's table setting, the baselines the runner's `tableName`.
  const env = { [ENV.TABLE_NAME]: ONE_PER_USER_TABLE };
  await bench.runner.run({
    scenario, request, targets, inFlight: options.inFlight, subjects: options.subjects, env, lookups: LOOKUPS, tableName: ONE_PER_USER_TABLE,
  });
}

/** The small multicast's subjects: the pusher (and another build) beside the ceilings, which make the same Query and posts. */
const SMALL_SUBJECTS = ['ceiling', 'ceiling-pusher', 'pusher', 'pusher-before'];

/**
 * Issue 28: a multicast to one user of 3 connections, `invocations` times one after the other on a warm function (with
 * `--warm`): each invocation's wall time, the pusher's beside the ceilings' (one Query, then the 3 posts at once); the
 * difference from the ceiling-pusher's is what the handler adds to one lookup and one post round trip.
 */
export async function smallMulticast(bench: FanOut, invocations: number): Promise<void> {
  const { options, table } = bench;
  const request = { data: payload(options.payloadBytes), users: ['user-0'] };
  const three = table.ids.slice(0, CONNECTIONS_PER_USER);
  const scenario: Scenario = {
    name: `multicast 1×${CONNECTIONS_PER_USER}, ${invocations.toLocaleString('en-US')} in a row`, kind: 'small-multicast', connections: three.length, table: table.ids.length,
  };
  await bench.runner.run({
    scenario,
    request,
    targets: Array.from({ length: invocations }, () => three).flat(),
    inFlight: options.inFlight,
    subjects: SMALL_SUBJECTS.filter((s) => options.subjects.includes(s)),
    env: { BENCH_INVOCATIONS: String(invocations) },
    lookups: LOOKUPS,
  });
}
