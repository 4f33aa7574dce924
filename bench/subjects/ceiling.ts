/**
 * Benchmark subject: the ceiling. A load generator that POSTs the payload to the Management API for the given
 * connection ids with a fixed number of requests in flight, over a keep-alive agent, and nothing else (no SDK
 * middleware, no retries): what the emulator and the loopback network allow.
 *
 * Each request is SigV4-signed like the SDK signs `PostToConnection` (service `execute-api`): the emulator
 * checks every signature, as API Gateway does, and a real client always pays for the signature.
 *
 * `BENCH_LOOKUPS` (the ceiling of a multicast or a channel fan-out): it makes the lookups the pusher makes before it
 * posts, and posts to what they find instead of the ids file: `users`, a signed DynamoDB `Query` per user of the
 * request (the pusher's key condition and projection); `channel`, a Query per shard of the request's channel on the
 * subscriptions table (its first page 100 rows, then 1 MB pages). At most `MAX_QUERIES_IN_FLIGHT` of them at once (the
 * pusher's bound, 16 by default) over their own keep-alive sockets; each page's connections are posted to as soon as it
 * answers, under the same bound of posts in flight as without lookups.
 * With `BENCH_INVOCATIONS=N`, N multicasts one after the other, each timed (the small multicast's latency).
 *
 * `BENCH_TRANSPORT=pusher` makes it the ceiling on the pusher's own transport (`ceiling-pusher`; see ./direct.ts): its
 * sockets and signers, without its orchestration.
 *
 * `BENCH_SIGNED=false` makes it the unsigned raw-HTTP subject (the bench turns the emulator's check off for it): the
 * same posts without the `Authorization`, `x-amz-date` and `x-amz-content-sha256` headers, to price the signature.
 * Its lookups are signed still: dynalite refuses a Query without an `Authorization` header.
 * An `https://` callback URL is posted to over TLS (`--tls`). `BENCH_WARM=true`: one pass over the ids in setup first.
 * `BENCH_BODY`: the text posted, when the pusher posts more than the request's `data` (a channel's envelope).
 */
import { readFileSync } from 'fs';
import { benchTransport, queryPages, type QueryJson, type Transport } from './direct';
import { FIRST_PAGE_ROWS } from '../../lambda/adapters/dynamo-connection-store';
import { Semaphore } from '../../lambda/core/semaphore';
import { channelKey, CHANNELS_ENV, SUBSCRIPTIONS } from '../../src/shared/channels';
import { DEFAULTS, ENV } from '../../src/shared/constants';
import { measureWhenTold, setting } from '../harness/measure';

let ids: string[];
let transport: Transport;
/** A scenario's lookups: the Queries the pusher makes (each with its pages' limits), and the attribute of their ids. */
interface Lookups {
  readonly queries: ReadonlyArray<{ readonly input: QueryJson; readonly limits: readonly number[] }>;
  readonly connectionAttribute: string;
  readonly inFlight: number;
}
let lookups: Lookups | undefined;

/** Runs `task` on each of `items` with at most `limit` at once. */
async function pool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function postAll(): Promise<Record<string, unknown>> {
  const inFlight = Number(setting('BENCH_IN_FLIGHT'));
  const byStatus: Record<number, number> = {};
  const postOne = async (id: string) => {
    const status = await transport.postToConnection(id);
    byStatus[status] = (byStatus[status] ?? 0) + 1;
  };
  if (!lookups) {
    await pool(ids, inFlight, postOne);
    return { posted: ids.length, byStatus };
  }
  const slots = new Semaphore(inFlight);
  const posts: Array<Promise<void>> = [];
  const { queries, connectionAttribute } = lookups;
  await pool(queries, lookups.inFlight, (query) => queryPages(transport, query.input, (items) => {
    for (const item of items) posts.push(slots.run(() => postOne(item[connectionAttribute].S!)));
  }, query.limits));
  await Promise.all(posts);
  return { posted: posts.length, queried: queries.length, byStatus };
}

/**
 * The lookups the pusher makes before it posts, by `BENCH_LOOKUPS`: `users` (a multicast), a Query per user of the
 * request on the connections table, with its key condition and projection; `channel` (a channel fan-out), a Query per
 * shard of the request's channel on the subscriptions table, its first page 100 rows and then 1 MB pages, as the
 * pusher reads it. At most `MAX_QUERIES_IN_FLIGHT` at once (the pusher's bound).
 */
function scenarioLookups(): Lookups | undefined {
  const kind = process.env.BENCH_LOOKUPS;
  if (kind !== 'users' && kind !== 'channel') return undefined;
  const inFlight = queriesInFlight();
  const request = JSON.parse(setting('BENCH_REQUEST')) as { users?: string[]; channels?: string[] };
  const base = { inFlight };
  if (kind === 'channel') {
    const names = { '#k': SUBSCRIPTIONS.CHANNEL_KEY, '#c': SUBSCRIPTIONS.CONNECTION_ID, '#u': SUBSCRIPTIONS.USER_ID, '#t': SUBSCRIPTIONS.EXPIRES_AT };
    const channel = request.channels![0];
    const queries = Array.from({ length: Number(setting(CHANNELS_ENV.CHANNEL_SHARDS)) }, (_, shard) => ({
      input: {
        TableName: setting(CHANNELS_ENV.SUBSCRIPTIONS_TABLE_NAME),
        KeyConditionExpression: '#k = :k',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':k': { S: channelKey(channel, shard) } },
        ProjectionExpression: '#c, #u, #t',
      },
      limits: [FIRST_PAGE_ROWS],
    }));
    return { ...base, queries, connectionAttribute: SUBSCRIPTIONS.CONNECTION_ID };
  }
  const names: Record<string, string> = { '#u': setting(ENV.USER_ID_ATTRIBUTE), '#c': setting(ENV.CONNECTION_ID_ATTRIBUTE) };
  if (process.env[ENV.TTL_ATTRIBUTE]) names['#t'] = process.env[ENV.TTL_ATTRIBUTE]!;
  const queries = request.users!.map((user) => ({
    input: {
      TableName: setting(ENV.TABLE_NAME),
      KeyConditionExpression: '#u = :u',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':u': { S: user } },
      ProjectionExpression: Object.keys(names).join(', '),
    },
    limits: [],
  }));
  return { ...base, queries, connectionAttribute: names['#c'] };
}

/** `BENCH_INVOCATIONS=N` (with lookups): the lookups and posts N times one after the other, each one's wall time reported. */
async function postAllRepeated(): Promise<Record<string, unknown>> {
  const invocations = Number(process.env.BENCH_INVOCATIONS ?? 1);
  if (invocations <= 1 || !lookups) return postAll();
  const latenciesMs: number[] = [];
  let posted = 0;
  for (let i = 0; i < invocations; i++) {
    const started = performance.now();
    posted += (await postAll()).posted as number;
    latenciesMs.push(performance.now() - started);
  }
  return { posted, latenciesMs };
}

const queriesInFlight = () => Number(process.env[ENV.MAX_QUERIES_IN_FLIGHT] ?? DEFAULTS.MAX_QUERIES_IN_FLIGHT);

measureWhenTold(
  async () => {
    ids = JSON.parse(readFileSync(setting('BENCH_IDS_FILE'), 'utf8')) as string[];
    lookups = scenarioLookups();
    transport = benchTransport({
      callbackUrl: new URL(setting('BENCH_CALLBACK_URL')),
      inFlight: Number(setting('BENCH_IN_FLIGHT')),
      body: Buffer.from(process.env.BENCH_BODY ?? JSON.stringify((JSON.parse(setting('BENCH_REQUEST')) as { data: unknown }).data)),
      dynamodbUrl: lookups ? new URL(setting('AWS_ENDPOINT_URL_DYNAMODB')) : undefined,
      queriesInFlight: queriesInFlight(),
      signed: process.env.BENCH_SIGNED !== 'false',
    });
    if (process.env.BENCH_WARM === 'true') await postAll();
  },
  postAllRepeated,
);
