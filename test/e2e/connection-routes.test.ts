import { useLocalSystem, wire } from './support';
import type { AuthorizerAnswer } from '../../local/api-gateway/routes/authorizers';
import { sqsEvent } from '../../local/events';
import type { LocalSystem } from '../../local/system/local-system';

/** The authorizer stand-in: a token → identity table, as a Lambda authorizer would look tokens up. */
const TOKENS: Record<string, AuthorizerAnswer> = {
  't-alice': { principalId: 'alice', context: { tenant: 'acme', admin: true } },
  't-bob': { principalId: 'bob', context: { tenant: 'globex' } },
  't-quote': { principalId: 'o\'brien "the" ünïcode/user' },
  't-no-user': { context: { tenant: 'acme' } },
};
const authorizer = ({ query }: { query: Readonly<Record<string, string>> }) => TOKENS[query.token];

/** Every item of the table, every attribute, as the routes wrote it. */
const items = (stack: LocalSystem) => stack.table.items();

describe('with a Lambda authorizer (its local stand-in: a token table)', () => {
  const local = useLocalSystem({
    app: { authorizerContextAttributes: ['tenant'] },
    authorizer,
  });

  describe('$connect through the rendered template', () => {
    test('writes the row: the authorizer\'s user id, the connection id, a Number TTL about connectionTtl ahead', async () => {
      // GIVEN
      const before = Math.floor(Date.now() / 1000);

      // WHEN
      const alice = await local.system.open('alice', { query: { token: 't-alice' } });

      // THEN
      const after = Math.floor(Date.now() / 1000);
      const [item] = await items(local.system);
      expect(item).toEqual({ user_id: 'alice', connection_id: alice.connectionId, expires_at: expect.any(Number), tenant: 'acme' });
      expect(item.expires_at).toBeGreaterThanOrEqual(before + 7500);
      expect(item.expires_at).toBeLessThanOrEqual(after + 7500);
    });

    test('a context key not listed is not stored; a listed one the authorizer did not return is left out', async () => {
      // WHEN
      await local.system.open('o\'brien', { query: { token: 't-quote' } });

      // THEN
      expect(await items(local.system)).toEqual([expect.not.objectContaining({ tenant: expect.anything() })]);
    });

    test('a user id with quotes, a slash and non-ASCII letters is stored exactly', async () => {
      // WHEN
      const client = await local.system.open('o\'brien', { query: { token: 't-quote' } });

      // THEN
      expect(await local.system.keys()).toEqual([{ userId: 'o\'brien "the" ünïcode/user', connectionId: client.connectionId }]);
    });

    test('no token: the authorizer refuses, no row', async () => {
      // WHEN / THEN
      await expect(local.system.open('nobody', { query: { token: 'wrong' } })).rejects.toThrow('connect refused: 401');
      expect(await items(local.system)).toEqual([]);
    });

    test('an authorizer answer without the user id: DynamoDB refuses the empty key, so the connection is refused', async () => {
      // WHEN / THEN
      await expect(local.system.open('nobody', { query: { token: 't-no-user' } })).rejects.toThrow('connect refused: 500');
      expect(await items(local.system)).toEqual([]);
      expect(local.system.routes.failures).toEqual([expect.objectContaining({
        routeKey: '$connect',
        status: 400,
        answer: expect.stringMatching(/ValidationException/),
        reason: expect.stringMatching(/^Execution failed due to configuration error: No match for output mapping .* status code: 400: no integration response of \$connect's integration \S+ matches 400 \(keys: \/2\\d\\d\/\)$/),
      })]);
    });

    test('a missing identity source (no ?token=) is refused with 401 before the authorizer runs', async () => {
      // GIVEN
      let asked = 0;
      await local.restart({ authorizer: (request) => { asked++; return authorizer(request); } });

      // WHEN / THEN
      await expect(local.system.open('nobody')).rejects.toThrow('connect refused: 401');
      expect(asked).toBe(0);
    });

    test('an explicit Deny from the authorizer is refused with 403, no row', async () => {
      // GIVEN
      await local.restart({ authorizer: () => ({ principalId: 'mallory', deny: true }) });

      // WHEN / THEN
      await expect(local.system.open('mallory', { query: { token: 'any' } })).rejects.toThrow('connect refused: 403');
      expect(await items(local.system)).toEqual([]);
    });
  });

  describe('$disconnect through the rendered template', () => {
    test('a client leaving deletes its row, and only its row', async () => {
      // GIVEN
      const alice = await local.system.open('alice', { query: { token: 't-alice' } });
      const bob = await local.system.open('bob', { query: { token: 't-bob' } });

      // WHEN
      await local.system.disconnect(alice);

      // THEN
      expect(await local.system.keys()).toEqual([{ userId: 'bob', connectionId: bob.connectionId }]);
      expect(local.system.routes.failures).toEqual([]);
    });
  });

  describe('delivery to connections the routes registered', () => {
    test('a multicast and a broadcast', async () => {
      // GIVEN
      const [alice1, alice2] = [await local.system.open('alice', { query: { token: 't-alice' } }), await local.system.open('alice', { query: { token: 't-alice' } })];
      const bob = await local.system.open('bob', { query: { token: 't-bob' } });

      // WHEN
      await local.pusher.invoke(sqsEvent([{ users: ['alice'], data: 'to alice' }, { data: 'to everyone' }]));
      await local.system.deliveries();

      // THEN
      expect(alice1.messages).toEqual([wire('to alice'), wire('to everyone')]);
      expect(alice2.messages).toEqual([wire('to alice'), wire('to everyone')]);
      expect(bob.messages).toEqual([wire('to everyone')]);
    });
  });

  describe('a disconnect request', () => {
    test('sends the data, closes the target sockets, deletes their rows, and leaves the others', async () => {
      // GIVEN
      const alice = [await local.system.open('alice', { query: { token: 't-alice' } }), await local.system.open('alice', { query: { token: 't-alice' } })];
      const bob = await local.system.open('bob', { query: { token: 't-bob' } });

      // WHEN
      const invocation = await local.pusher.invoke(sqsEvent([{ action: 'disconnect', users: ['alice'], data: { bye: true } }]));
      await Promise.all(alice.map((c) => c.whenClosed()));
      await local.system.emulator.settled();

      // THEN
      expect(alice.map((c) => c.messages)).toEqual([[wire({ bye: true })], [wire({ bye: true })]]);
      expect(alice.map((c) => c.isOpen)).toEqual([false, false]);
      expect(bob.isOpen).toBe(true);
      expect(await local.system.keys()).toEqual([{ userId: 'bob', connectionId: bob.connectionId }]);
      expect(invocation.result).toEqual({ batchItemFailures: [] });
      expect(local.system.emulator.stats.requests).toMatchObject({ POST: 2, DELETE: 2 });
    });

    test('a broadcast disconnect with an exclusion and no data', async () => {
      // GIVEN
      const alice = await local.system.open('alice', { query: { token: 't-alice' } });
      const bob = await local.system.open('bob', { query: { token: 't-bob' } });

      // WHEN
      await local.pusher.invoke(sqsEvent([{ action: 'disconnect', exclude_users: ['bob'] }]));
      await alice.whenClosed();
      await local.system.emulator.settled();

      // THEN
      expect(alice.messages).toEqual([]);
      expect(bob.isOpen).toBe(true);
      expect(await local.system.keys()).toEqual([{ userId: 'bob', connectionId: bob.connectionId }]);
    });
  });
});

describe('DynamoDB failing under the routes', () => {
  const faulty = useLocalSystem({ app: { authorizerContextAttributes: ['tenant'] }, authorizer, dynamoFaults: true });

  test.each([['a 500', 'internal-error', 500], ['a throttle', 'throttle', 400]] as const)(
    '$connect: %s from PutItem matches no integration response, so the connection is refused (the client tries again)', async (_, fault, status) => {
      // GIVEN the next PutItem fails
      faulty.system.dynamodb.faults!.failAction('PutItem', fault, 1);

      // WHEN / THEN
      await expect(faulty.system.open('alice', { query: { token: 't-alice' } })).rejects.toThrow('connect refused: 500');
      expect(faulty.system.routes.failures).toEqual([expect.objectContaining({ routeKey: '$connect', status, reason: expect.stringContaining('No match for output mapping') })]);
      expect(await items(faulty.system)).toEqual([]);

      // and the retry, with DynamoDB answering again, connects
      const alice = await faulty.system.open('alice', { query: { token: 't-alice' } });
      expect(await faulty.system.keys()).toEqual([{ userId: 'alice', connectionId: alice.connectionId }]);
    });

  test('$disconnect: DeleteItem failing still closes the socket, raises no route error, and leaves the row to be pruned', async () => {
    // GIVEN
    const alice = await faulty.system.open('alice', { query: { token: 't-alice' } });
    faulty.system.dynamodb.faults!.failAction('DeleteItem');

    // WHEN
    await faulty.system.disconnect(alice);

    // THEN
    expect(alice.closeCode).toBe(1000);
    expect(faulty.system.dynamodb.faults!.failedActions).toEqual(['DeleteItem']);
    expect(faulty.system.routes.failures).toEqual([]);
    expect(await faulty.system.keys()).toEqual([{ userId: 'alice', connectionId: alice.connectionId }]);
  });
});

describe('IAM-authorized connections', () => {
  const iam = useLocalSystem({
    app: { userId: 'iam-caller' },
    // The stand-in for SigV4 verification: the signer's ARN, as `$context.identity.userArn`.
    authorizer: ({ headers }) => (headers.authorization ? { identity: { userArn: `arn:aws:iam::000000000000:user/${headers.authorization}` } } : undefined),
  });

  test('the caller ARN is the user id; an unsigned upgrade is refused', async () => {
    // WHEN
    const client = await iam.system.open('arn', { headers: { authorization: 'alice' } });

    // THEN
    expect(await iam.system.keys()).toEqual([{ userId: 'arn:aws:iam::000000000000:user/alice', connectionId: client.connectionId }]);
    await expect(iam.system.open('nobody')).rejects.toThrow('connect refused: 401');
  });
});

describe('anonymous connections', () => {
  const anonymous = useLocalSystem({ app: { userId: 'anonymous' } });

  test('each connection is its own user: the row\'s user id is the connection id, and broadcasts reach it', async () => {
    // WHEN
    const client = await anonymous.system.open('anyone');
    await anonymous.pusher.invoke(sqsEvent([{ data: 'hello' }]));
    await anonymous.system.deliveries();

    // THEN
    expect(await anonymous.system.keys()).toEqual([{ userId: client.connectionId, connectionId: client.connectionId }]);
    expect(client.messages).toEqual([wire('hello')]);
  });
});
