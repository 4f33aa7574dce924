import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { channelsByConnection, channelsSystemOptions, functionOfKind, subscriptionRows, subscriptionsTableName } from './channels-app';
import { useLocalSystem } from './support';
import type { RecordingClient } from '../../local/client/recording-client';
import { channelKey, shardOf } from '../../src/shared/channels';

// Channels end to end, as a user's synthesized app runs on the local stack: real `ws` clients send frames to the
// template's `subscribe`, `unsubscribe` and `$default` routes, which run the channels function from the assembly's
// staged bundle (Lambda proxy, two-way: its answer is the client's reply frame); a hook rule invokes the app's own
// inline function through the local Lambda Invoke endpoint; the rows land in the template's subscriptions table.

/** A reply frame: generous, so that cold starts on a loaded machine are not mistaken for silence. */
const ask = (client: RecordingClient, frame: string | object) => client.request(frame, 20_000);

/** What the functions the routes run printed (`  <logical id>: <line>`), this test's. */
const logged: string[] = [];
beforeEach(() => logged.splice(0));
const local = useLocalSystem(channelsSystemOptions({ handler: false, log: (line) => logged.push(line) }));
const open = (label: string, token: string) => local.system.open(label, { query: { token } });

describe('subscribe and unsubscribe', () => {
  test('a channel an allow rule covers for the connection\'s own user id: subscribed, one row, ref echoed', async () => {
    // GIVEN
    const alice = await open('alice', 't-alice');
    const connectedAt = Math.floor(Date.now() / 1000);

    // WHEN
    const reply = await ask(alice, { action: 'subscribe', channel: 'user/alice/inbox', ref: 'r1' });

    // THEN the reply, and the row: sharded key, the authorizer's user id, the connection's TTL (connectionTtl, 7500 s)
    expect(reply).toEqual({ type: 'subscribed', channel: 'user/alice/inbox', ref: 'r1' });
    const [row] = await subscriptionRows(local.system);
    expect(row).toEqual({
      channel_key: 'user/alice/inbox#0', connection_id: alice.connectionId, channel: 'user/alice/inbox', user_id: 'alice', expires_at: expect.any(Number),
    });
    expect(Math.abs(row.expires_at - (connectedAt + 7500))).toBeLessThanOrEqual(5);
  });

  test('a repeat is one subscription; unsubscribe removes it, and answers the same when there is nothing to remove', async () => {
    // GIVEN
    const alice = await open('alice', 't-alice');
    await ask(alice, { action: 'subscribe', channel: 'user/alice/inbox' });

    // WHEN / THEN
    await expect(ask(alice, { action: 'subscribe', channel: 'user/alice/inbox' })).resolves.toEqual({ type: 'subscribed', channel: 'user/alice/inbox' });
    expect(await channelsByConnection(local.system)).toEqual({ [alice.connectionId]: ['user/alice/inbox'] });
    await expect(ask(alice, { action: 'unsubscribe', channel: 'user/alice/inbox' })).resolves.toEqual({ type: 'unsubscribed', channel: 'user/alice/inbox' });
    await expect(ask(alice, { action: 'unsubscribe', channel: 'user/alice/inbox' })).resolves.toEqual({ type: 'unsubscribed', channel: 'user/alice/inbox' });
    expect(await subscriptionRows(local.system)).toEqual([]);
  });

  test('a {context.<key>} placeholder binds to the authorizer\'s context', async () => {
    const [alice, bob] = [await open('alice', 't-alice'), await open('bob', 't-bob')];
    await expect(ask(alice, { action: 'subscribe', channel: 'tenant/acme/news' })).resolves.toMatchObject({ type: 'subscribed' });
    await expect(ask(bob, { action: 'subscribe', channel: 'tenant/acme/news' })).resolves.toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    await expect(ask(bob, { action: 'subscribe', channel: 'tenant/globex/news' })).resolves.toMatchObject({ type: 'subscribed' });
  });
});

describe('refusals', () => {
  test('another user\'s channel, and a channel no rule covers: FORBIDDEN, no row', async () => {
    const bob = await open('bob', 't-bob');
    for (const channel of ['user/alice/inbox', 'news/today']) {
      await expect(ask(bob, { action: 'subscribe', channel, ref: 'x' })).resolves.toEqual({
        type: 'error', action: 'subscribe', channel, code: 'FORBIDDEN', message: 'not allowed to subscribe to this channel', ref: 'x',
      });
    }
    expect(await subscriptionRows(local.system)).toEqual([]);
  });

  test('the user id a frame carries is ignored: only the authorizer\'s counts', async () => {
    // GIVEN bob, claiming to be alice in every way a frame could
    const bob = await open('bob', 't-bob');
    const claims = { userId: 'alice', user_id: 'alice', principalId: 'alice', requestContext: { authorizer: { principalId: 'alice' } } };

    // WHEN / THEN alice's channel stays closed to him, and his own is written under his id
    await expect(ask(bob, { action: 'subscribe', channel: 'user/alice/inbox', ...claims })).resolves.toMatchObject({ code: 'FORBIDDEN' });
    await expect(ask(bob, { action: 'subscribe', channel: 'user/bob/inbox', ...claims })).resolves.toMatchObject({ type: 'subscribed' });
    expect(await subscriptionRows(local.system)).toEqual([expect.objectContaining({ channel: 'user/bob/inbox', user_id: 'bob' })]);
  });

  test('frames that are not a subscribe or an unsubscribe: INVALID_FRAME, through $default or the route they name', async () => {
    const alice = await open('alice', 't-alice');
    const invalid = { type: 'error', code: 'INVALID_FRAME' };
    // $default: not JSON, not an object, an action no route has
    await expect(ask(alice, 'not json')).resolves.toMatchObject({ ...invalid, message: 'the frame is not JSON' });
    await expect(ask(alice, '[1,2]')).resolves.toMatchObject({ ...invalid, message: 'the frame is not a JSON object' });
    await expect(ask(alice, { action: 'dance', channel: 'user/alice/inbox' })).resolves.toMatchObject(invalid);
    // subscribe's own route: no channel, a channel that is not a string, a ref too long
    await expect(ask(alice, { action: 'subscribe' })).resolves.toMatchObject({ ...invalid, action: 'subscribe', message: 'channel is required' });
    await expect(ask(alice, { action: 'subscribe', channel: { user: 'alice' } })).resolves.toMatchObject({ ...invalid, message: 'channel must be a string' });
    await expect(ask(alice, { action: 'unsubscribe', channel: 'user/alice/inbox', ref: 'r'.repeat(65) })).resolves.toMatchObject(invalid);
    expect(await subscriptionRows(local.system)).toEqual([]);
    expect(local.system.routes.failures).toEqual([]);
  });

  test.each([
    ['a shard suffix (the key\'s separator)', 'user/alice/inbox#1'],
    ['a pattern\'s wildcard', 'user/alice/*'],
    ['a pattern\'s placeholder', 'user/{userId}/inbox'],
    ['an empty segment', 'user//inbox'],
    ['a leading slash', '/user/alice/inbox'],
    ['nine segments', 'user/alice/a/b/c/d/e/f/g'],
    ['a segment of 65 characters', `user/alice/${'x'.repeat(65)}`],
    ['spaces and quotes', 'user/alice/"in box"'],
    ['a newline', 'user/alice/in\nbox'],
    ['non-ASCII letters', 'user/alice/ïnbox'],
    ['nothing', ''],
  ])('a hostile channel name, %s: INVALID_CHANNEL, nothing written', async (_what, channel) => {
    const alice = await open('alice', 't-alice');
    const reply = await ask(alice, { action: 'subscribe', channel });
    expect(reply).toMatchObject({ type: 'error', action: 'subscribe', code: 'INVALID_CHANNEL' });
    expect(reply.channel).toBeUndefined();
    expect(await subscriptionRows(local.system)).toEqual([]);
  });

  test('a user id that is not a channel segment never fills a placeholder', async () => {
    // GIVEN a connection whose user id and tenant hold a slash
    const slash = await open('alice/inbox', 't-slash');

    // WHEN / THEN no channel is "its own": not the one its id would spell, not alice's
    await expect(ask(slash, { action: 'subscribe', channel: 'user/alice/inbox/x' })).resolves.toMatchObject({ code: 'FORBIDDEN' });
    await expect(ask(slash, { action: 'subscribe', channel: 'user/alice/inbox' })).resolves.toMatchObject({ code: 'FORBIDDEN' });
    await expect(ask(slash, { action: 'subscribe', channel: 'tenant/acme/x/news' })).resolves.toMatchObject({ code: 'FORBIDDEN' });
    expect(await subscriptionRows(local.system)).toEqual([]);
  });
});

describe('a hook rule: the app\'s own function, invoked through the local Lambda endpoint', () => {
  test('it allows what it answers allow: true to, and refuses what it answers allow: false to with FORBIDDEN', async () => {
    // GIVEN
    const [alice, bob] = [await open('alice', 't-alice'), await open('bob', 't-bob')];

    // WHEN / THEN
    await expect(ask(alice, { action: 'subscribe', channel: 'room/open-1' })).resolves.toEqual({ type: 'subscribed', channel: 'room/open-1' });
    await expect(ask(bob, { action: 'subscribe', channel: 'room/open-1' })).resolves.toEqual({ type: 'subscribed', channel: 'room/open-1' });
    await expect(ask(alice, { action: 'subscribe', channel: 'room/vip' })).resolves.toEqual({ type: 'subscribed', channel: 'room/vip' });
    await expect(ask(bob, { action: 'subscribe', channel: 'room/vip' })).resolves.toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    await expect(ask(alice, { action: 'subscribe', channel: 'room/closed' })).resolves.toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(await channelsByConnection(local.system)).toEqual({ [alice.connectionId]: ['room/open-1', 'room/vip'], [bob.connectionId]: ['room/open-1'] });
  });

  test('a repeat subscribe the hook now refuses deletes the subscription the connection had: access ends with the "no"', async () => {
    // GIVEN alice subscribed to room/closed while the app still allowed it (its row, as the channels function writes it)
    const alice = await open('alice', 't-alice');
    await ask(alice, { action: 'subscribe', channel: 'user/alice/inbox' });
    const [inbox] = await subscriptionRows(local.system);
    await local.system.dynamodb.client.send(new PutItemCommand({
      TableName: subscriptionsTableName(local.system),
      Item: marshall({ ...inbox, channel_key: channelKey('room/closed', shardOf(alice.connectionId, 1)), channel: 'room/closed' }),
    }));
    expect(await channelsByConnection(local.system)).toEqual({ [alice.connectionId]: ['room/closed', 'user/alice/inbox'] });

    // WHEN she subscribes to it again, and the hook answers allow: false
    const reply = await ask(alice, { action: 'subscribe', channel: 'room/closed', ref: 'again' });

    // THEN FORBIDDEN, and it is true: that row is gone, her other subscription stays
    expect(reply).toMatchObject({ type: 'error', channel: 'room/closed', code: 'FORBIDDEN', ref: 'again' });
    expect(await channelsByConnection(local.system)).toEqual({ [alice.connectionId]: ['user/alice/inbox'] });
  });

  test('a hook that throws is no decision: UNAVAILABLE (the client tries again), logged at ERROR with its error; no row', async () => {
    // GIVEN
    const alice = await open('alice', 't-alice');

    // WHEN the app's function throws on room/broken
    const reply = await ask(alice, { action: 'subscribe', channel: 'room/broken', ref: 'b' });

    // THEN the client is told to try again, not that it is forbidden
    expect(reply).toEqual({
      type: 'error', action: 'subscribe', channel: 'room/broken', code: 'UNAVAILABLE', message: 'the subscription could not be checked or stored: try again', ref: 'b',
    });
    expect(await subscriptionRows(local.system)).toEqual([]);
    // … and the channels function's log line says why, with the function's own error
    const channels = functionOfKind(local.system.template, 'channels');
    const handled = logged.filter((line) => line.startsWith(`  ${channels}: `) && line.includes('"frame handled"')).map((line) => JSON.parse(line.slice(line.indexOf('{'))));
    expect(handled).toEqual([expect.objectContaining({
      level: 'ERROR', channel: 'room/broken', code: 'UNAVAILABLE', hookFailed: true, rule: 'room/*', reason: expect.stringMatching(/^the hook failed \(Unhandled\): .*the hook broke/),
    })]);
    const emf = logged.filter((line) => line.startsWith(`  ${channels}: `) && line.includes('"_aws"')).map((line) => JSON.parse(line.slice(line.indexOf('{'))));
    expect(emf.map((line) => [line.RefusedUnavailable, line.RefusedForbidden])).toEqual([[1, 0]]);
  });

  test('the hook is asked with the connection\'s identity from the authorizer, never the frame\'s; Invoke names the app\'s function', async () => {
    // GIVEN
    const alice = await open('alice', 't-alice');

    // WHEN
    await ask(alice, { action: 'subscribe', channel: 'room/open-2', userId: 'mallory', context: { tenant: 'evil' } });

    // THEN the app's function, invoked synchronously, was asked about alice's connection with her authorizer's context
    const hook = Object.entries(local.system.template.Resources).find(([id, r]) => id.startsWith('RoomHook') && r.Type === 'AWS::Lambda::Function')![0];
    expect(local.system.lambda!.calls).toEqual([{ functionId: hook, invocationType: 'RequestResponse' }]);
    const asked = logged.filter((line) => line.startsWith(`  ${hook}: `) && line.includes('hook asked')).map((line) => JSON.parse(line.slice(line.indexOf('{'))).event);
    expect(asked).toEqual([{
      type: 'subscribe', channel: 'room/open-2', userId: 'alice', connectionId: alice.connectionId, context: { principalId: 'alice', tenant: 'acme' },
    }]);
  });
});
