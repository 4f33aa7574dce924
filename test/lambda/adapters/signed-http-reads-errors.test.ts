import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { StandardRetryStrategy } from '@smithy/core/retry';
import { endpointOf, SignedHttpReads, type QueryInput, type ScanInput } from '../../../lambda/adapters/signed-http-reads';
import { verifySigV4 } from '../../../local/api-gateway/sigv4';

// SignedHttpReads against the SDK's QueryCommand where a DynamoDB engine cannot go: a local server answers both with
// the same scripted errors (throttling, server errors, validation, a reset socket, bodies that are not JSON), and
// checks that both send the same request (headers that matter, the JSON body, a valid SigV4 signature for dynamodb).
// Both must make the same number of attempts and end the same way.

type Answer = { status: number; body: string; headers?: Record<string, string> } | 'reset';
const CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret', sessionToken: 'token/with+chars' };
const INPUT: QueryInput = {
  TableName: 'connections',
  KeyConditionExpression: '#u = :u',
  ExpressionAttributeNames: { '#u': 'user_id', '#c': 'connection_id' },
  ExpressionAttributeValues: { ':u': { S: 'ü"\\ser' } },
  ProjectionExpression: '#u, #c',
};
const SCAN: ScanInput = { TableName: 'connections', Segment: 1, TotalSegments: 4, Limit: 100 };
const OK: Answer = { status: 200, body: JSON.stringify({ Count: 1, Items: [{ user_id: { S: 'ü"\\ser' }, connection_id: { S: 'c1' } }], ScannedCount: 1 }) };
const error = (status: number, type: string, message = 'scripted') =>
  ({ status, body: JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }) });

let server: http.Server;
let script: Answer[] = [];
const received: Array<{ headers: http.IncomingHttpHeaders; body: string; verdict: unknown }> = [];
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const verdict = await verifySigV4(req as { method: string; url: string; headers: http.IncomingHttpHeaders }, body,
        { credentials: CREDENTIALS, region: 'eu-west-1', service: 'dynamodb' });
      received.push({ headers: req.headers, body: body.toString('utf8'), verdict });
      const answer = script.shift() ?? OK;
      if (answer === 'reset') {
        req.socket.destroy();
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0', ...answer.headers }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

/** A client of the local server whose retries wait for nothing (the SDK's strategy, its backoff at 0 ms). */
function client(): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'eu-west-1',
    credentials: CREDENTIALS,
    retryStrategy: new StandardRetryStrategy({ maxAttempts: 4, backoff: { computeNextBackoffDelay: () => 0, setDelayBase: () => undefined } }),
  });
}

/** Runs `query` on a fresh script: how many requests it made, and how it ended. */
async function run(answers: Answer[], query: () => Promise<{ Items?: unknown[] }>) {
  script = [...answers];
  received.length = 0;
  try {
    const page = await query();
    return { attempts: received.length, items: page.Items };
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { attempts: received.length, error: { name: err.name, status: err.$metadata?.httpStatusCode } };
  } finally {
    script = [];
  }
}

const CASES: Array<[string, Answer[]]> = [
  ['throttled twice, then answered', [error(400, 'ProvisionedThroughputExceededException'), error(400, 'ThrottlingException'), OK]],
  ['throttled every time: the attempts run out', Array(6).fill(error(400, 'RequestLimitExceeded'))],
  ['a server error, then answered', [error(500, 'InternalServerError'), OK]],
  ['server errors every time', Array(6).fill(error(500, 'InternalServerError'))],
  ['503 with a body that is not JSON, then answered', [{ status: 503, body: '<html>busy</html>', headers: { 'content-type': 'text/html' } }, OK]],
  ['a reset socket, then answered', ['reset', OK]],
  ['the error type in the x-amzn-ErrorType header', [{ status: 400, body: '{}', headers: { 'x-amzn-errortype': 'ThrottlingException:http://internal' } }, OK]],
  ['a validation error is not retried', [error(400, 'ValidationException', 'One or more parameter values were invalid')]],
  ['a missing table is not retried', [error(400, 'ResourceNotFoundException', 'Requested resource not found')]],
  ['a signature expired is retried', [error(400, 'InvalidSignatureException', 'Signature expired: 20200101T000000Z is now earlier than ...'), OK]],
  ['access denied is not retried', [error(400, 'AccessDeniedException', 'not authorized')]],
];

/** Each read both ways: the SDK's command, and SignedHttpReads' method. */
const OPERATIONS = [
  ['Query', (c: DynamoDBClient) => c.send(new QueryCommand(INPUT)), (r: SignedHttpReads) => r.query(INPUT)],
  ['Scan', (c: DynamoDBClient) => c.send(new ScanCommand(SCAN)), (r: SignedHttpReads) => r.scan(SCAN)],
] as const;

describe.each(OPERATIONS)('SignedHttpReads ends as the SDK\'s %s does', (_, sdkRead, leanRead) => {
  test.each(CASES)('%s', async (__, answers) => {
    const sdkClient = client();
    const leanClient = client();
    const lean = new SignedHttpReads(leanClient, { maxSockets: 2 });
    try {
      const sdk = await run(answers, () => sdkRead(sdkClient));
      const sdkRequest = received[0];
      const ours = await run(answers, () => leanRead(lean));
      const ourRequest = received[0];

      expect(ours).toEqual(sdk);
      expect(ours.attempts).toBeGreaterThan(0);
      // The same request: the operation, its JSON body, and a signature that verifies (session token included).
      expect(ourRequest.verdict).toEqual({ ok: true });
      expect(sdkRequest.verdict).toEqual({ ok: true });
      for (const name of ['content-type', 'x-amz-target', 'x-amz-security-token']) expect(ourRequest.headers[name]).toBe(sdkRequest.headers[name]);
      expect(JSON.parse(ourRequest.body)).toEqual(JSON.parse(sdkRequest.body));
    } finally {
      lean.destroy();
      sdkClient.destroy();
      leanClient.destroy();
    }
  });

  test('an answer of 200 that is not JSON fails after one attempt, as the SDK\'s', async () => {
    const [sdkClient, leanClient] = [client(), client()];
    const lean = new SignedHttpReads(leanClient, { maxSockets: 1 });
    try {
      const sdk = await run([{ status: 200, body: 'not json' }], () => sdkRead(sdkClient));
      const ours = await run([{ status: 200, body: 'not json' }], () => leanRead(lean));
      expect(sdk.attempts).toBe(1);
      expect(sdk.error?.status).toBe(200);
      expect(ours).toEqual({ attempts: 1, error: { name: 'SyntaxError', status: undefined } });
    } finally {
      lean.destroy();
      sdkClient.destroy();
      leanClient.destroy();
    }
  });
});

test('each signature uses the client\'s clock offset (the SDK\'s other calls correct it)', async () => {
  const leanClient = client();
  leanClient.config.systemClockOffset = 20 * 60_000;
  const lean = new SignedHttpReads(leanClient, { maxSockets: 1 });
  try {
    await run([OK], () => lean.query(INPUT));
    const amzDate = String(received[0].headers['x-amz-date']);
    const signedAt = Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
    expect(Math.abs(signedAt - (Date.now() + 20 * 60_000))).toBeLessThan(60_000);
  } finally {
    lean.destroy();
    leanClient.destroy();
  }
});

test('a read whose set-up failed is set up again by the next one', async () => {
  const leanClient = client();
  const region = leanClient.config.region;
  let calls = 0;
  leanClient.config.region = async () => {
    if (calls++ === 0) throw new Error('no region yet');
    return region();
  };
  const lean = new SignedHttpReads(leanClient, { maxSockets: 1 });
  try {
    await expect(lean.query(INPUT)).rejects.toThrow('no region yet');
    expect((await run([OK], () => lean.query(INPUT))).attempts).toBe(1);
  } finally {
    lean.destroy();
    leanClient.destroy();
  }
});

// The endpoint: where the SDK's own Query would go, for every way a client gets one.
describe('endpointOf equals the URL the SDK sends to', () => {
  const CLIENTS: Array<[string, ConstructorParameters<typeof DynamoDBClient>[0], Record<string, string>?]> = [
    ['a Region\'s', { region: 'eu-west-1' }],
    ['a China Region\'s', { region: 'cn-north-1' }],
    ['FIPS', { region: 'us-east-1', useFipsEndpoint: true }],
    ['dual-stack', { region: 'us-west-2', useDualstackEndpoint: true }],
    ['a custom one', { region: 'eu-west-1', endpoint: 'http://127.0.0.1:1234' }],
    ['a custom one with a path', { region: 'eu-west-1', endpoint: 'https://proxy.example:8443/ddb' }],
    ['a custom one with a path and a slash', { region: 'eu-west-1', endpoint: 'https://proxy.example/ddb/' }],
    ['AWS_ENDPOINT_URL_DYNAMODB', { region: 'eu-west-1' }, { AWS_ENDPOINT_URL_DYNAMODB: 'http://localhost:4566' }],
    ['AWS_ENDPOINT_URL', { region: 'eu-west-1' }, { AWS_ENDPOINT_URL: 'http://127.0.0.1:4567/base' }],
  ];

  test.each(CLIENTS)('%s', async (_, options, env = {}) => {
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      const sdkClient = new DynamoDBClient({ ...options, credentials: CREDENTIALS });
      let sent: { protocol: string; hostname: string; port?: number; path: string } | undefined;
      sdkClient.middlewareStack.add(() => async (args) => {
        sent = args.request as typeof sent;
        throw new Error('captured');
      }, { step: 'build', priority: 'low' });
      await expect(sdkClient.send(new QueryCommand(INPUT))).rejects.toThrow('captured');
      const ours = new URL(await endpointOf(new DynamoDBClient({ ...options, credentials: CREDENTIALS })));
      expect({ protocol: ours.protocol, hostname: ours.hostname, port: ours.port, path: ours.pathname })
        .toEqual({ protocol: sent!.protocol, hostname: sent!.hostname, port: sent!.port ? String(sent!.port) : '', path: sent!.path });
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
