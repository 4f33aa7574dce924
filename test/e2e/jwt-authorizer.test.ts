import { mkdtempSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { App, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import WebSocket from 'ws';
import { RecordingClient } from '../../local/client/recording-client';
import { LOOPBACK_TLS_FILES, loopbackTls } from '../../local/tls/loopback-tls';
import { ConnectionUserId, JwtAuthorizer, JwtTokenSource, MessageFormat, WebsocketPusher } from '../../src';
import { startCommand, stopCommand, type Started } from '../local/cli/command';

// The library's JWT authorizer, as a user runs it: an app synthesized with `JwtAuthorizer` (an OIDC issuer on
// loopback, serving its JWKS over HTTPS), the `local` command running the app's $connect with `--authorizer assembly`
// (the pre-bundled authorizer function from the cloud assembly, aws-jwt-verify inside), and real tokens signed with
// jose: what is connected, and with what status what is refused.

const AUDIENCE = 'pusher-tests';
let jwks: Server;
let issuer: string;
let key: KeyLike;
let otherKey: KeyLike;
/** While set, the issuer's JWKS answers 503 (an outage). */
let jwksDown = false;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  key = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = createHttpsServer(loopbackTls(), (req, res) => {
    res.writeHead(jwksDown ? 503 : req.url === '/.well-known/jwks.json' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  issuer = `https://127.0.0.1:${(jwks.address() as AddressInfo).port}`;
});
afterAll(() => jwks?.close());

/** A token for `claims`, signed with the issuer's key (or another), valid for `expiresIn`. */
interface TokenOptions {
  readonly iss?: string;
  readonly aud?: string;
  readonly expiresIn?: string;
  readonly signWith?: KeyLike;
  readonly kid?: string;
}

async function token(claims: Record<string, unknown>, options: TokenOptions = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'k1' }).setIssuedAt()
    .setIssuer(options.iss ?? issuer).setAudience(options.aud ?? AUDIENCE).setExpirationTime(options.expiresIn ?? '5m')
    .sign(options.signWith ?? key);
}

function synthesize(tokenSource: JwtTokenSource): string {
  const outdir = mkdtempSync(path.join(tmpdir(), 'jwt-app-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'JwtStack', { env: { account: '111111111111', region: 'eu-west-1' } });
  const api = new apigwv2.WebSocketApi(stack, 'Api');
  const stage = new apigwv2.WebSocketStage(stack, 'Stage', { webSocketApi: api, stageName: 'live', autoDeploy: true });
  const authorizer = new JwtAuthorizer(stack, 'Jwt', { issuer, audience: [AUDIENCE], contextClaims: ['tenant'], tokenSource });
  new WebsocketPusher(stack, 'Pusher', {
    webSocketStage: stage,
    messageFormat: MessageFormat.ENVELOPE,
    connectionRoutes: { userId: ConnectionUserId.fromAuthorizer(), authorizer, authorizerContextAttributes: ['tenant'] },
  });
  app.synth();
  return outdir;
}

/** The command on the app, trusting the loopback certificate (the issuer's JWKS is served with it). */
const start = (tokenSource: JwtTokenSource) =>
  startCommand(synthesize(tokenSource), 0, ['--authorizer', 'assembly'], { NODE_EXTRA_CA_CERTS: LOOPBACK_TLS_FILES.cert });

async function rows(started: Started): Promise<Array<Record<string, string>>> {
  const dynamodb = new DynamoDBClient({
    region: started.env.AWS_REGION,
    endpoint: started.env.AWS_ENDPOINT_URL_DYNAMODB,
    credentials: { accessKeyId: started.env.AWS_ACCESS_KEY_ID, secretAccessKey: started.env.AWS_SECRET_ACCESS_KEY },
  });
  try {
    const items = (await dynamodb.send(new ScanCommand({ TableName: started.tableName }))).Items ?? [];
    return items.map((i) => Object.fromEntries(Object.entries(i).map(([k, v]) => [k, v.S ?? v.N ?? ''])));
  } finally {
    dynamodb.destroy();
  }
}

describe('the token in the query string (the default)', () => {
  let started: Started;
  beforeAll(async () => { started = await start(JwtTokenSource.QUERY_STRING); }, 60_000);
  afterAll(async () => started && stopCommand(started.child));

  const accepted: string[] = [];
  const connect = async (jwt?: string) => {
    const client = await RecordingClient.open(started.webSocketUrl, 'client', jwt === undefined ? {} : { query: { token: jwt } });
    accepted.push(client.connectionId);
    return client;
  };

  test('a valid token connects: the sub claim is the row\'s user id, a context claim is stored', async () => {
    const client = await connect(await token({ sub: 'alice', tenant: 'acme' }));
    expect(await rows(started)).toContainEqual(expect.objectContaining({ user_id: 'alice', connection_id: client.connectionId, tenant: 'acme' }));
  });

  test.each([
    ['expired', () => token({ sub: 'alice' }, { expiresIn: '-1m' })],
    ['for another audience', () => token({ sub: 'alice' }, { aud: 'someone-else' })],
    ['from another issuer', () => token({ sub: 'alice' }, { iss: 'https://issuer.example' })],
    ['with a bad signature', () => token({ sub: 'alice' }, { signWith: otherKey })],
    ['malformed', async () => 'not.a.jwt'],
    ['empty', async () => ''],
  ])('a token %s is refused with 401', async (_, make) => {
    await expect(connect(await make())).rejects.toThrow('connect refused: 401');
  });

  test('no token at all is refused with 401 (before the authorizer runs)', async () => {
    await expect(connect()).rejects.toThrow('connect refused: 401');
  });

  test('a verified token without a user id claim is refused with 403 (a Deny)', async () => {
    await expect(connect(await token({ tenant: 'acme' }))).rejects.toThrow('connect refused: 403');
  });

  test('the issuer\'s keys unavailable (its JWKS answering 503 for a key not yet cached) is refused with 500, not 401', async () => {
    jwksDown = true;
    try {
      await expect(connect(await token({ sub: 'alice' }, { kid: 'k2' }))).rejects.toThrow('connect refused: 500');
    } finally {
      jwksDown = false;
    }
  });

  test('no row is written for a refused client: the rows are exactly the accepted connections\'', async () => {
    expect((await rows(started)).map((r) => r.connection_id).sort()).toEqual([...accepted].sort());
  });
});

describe('the token in the subprotocols (a browser cannot set headers)', () => {
  let started: Started;
  beforeAll(async () => { started = await start(JwtTokenSource.SUBPROTOCOL); }, 60_000);
  afterAll(async () => started && stopCommand(started.child));

  const open = (protocols: string[]) => new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(started.webSocketUrl, protocols);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`connect refused: ${res.statusCode}`)));
  });

  test('["websocket-pusher", token] connects, and the $connect answer selects websocket-pusher', async () => {
    const ws = await open(['websocket-pusher', await token({ sub: 'bob' })]);
    expect(ws.protocol).toBe('websocket-pusher');
    expect((await rows(started)).map((r) => r.user_id)).toContain('bob');
    ws.terminate();
  });

  test('an invalid token in the subprotocols is refused with 401', async () => {
    await expect(open(['websocket-pusher', await token({ sub: 'bob' }, { expiresIn: '-1m' })])).rejects.toThrow('connect refused: 401');
  });
});
