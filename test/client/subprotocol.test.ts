import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { until } from './support/node-client';
import { WebsocketPusherClient } from '../../client/src';

// The token in `Sec-WebSocket-Protocol` (`tokenTransport: 'protocol'`) over real sockets: a plain `ws` server plays the
// API, whose authorizer must read the token there and select `websocket-pusher` (a handshake that selects none fails in
// browsers and in `ws` alike, as against API Gateway).

let server: WebSocketServer;
let client: WebsocketPusherClient | undefined;
const offered: string[][] = [];

async function serve(select: boolean): Promise<string> {
  server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (protocols) => {
      offered.push([...protocols]);
      return select ? 'websocket-pusher' : false;
    },
  });
  await new Promise((resolve) => server.once('listening', resolve));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/prod`;
}

afterEach(async () => {
  client?.close();
  offered.length = 0;
  await new Promise((resolve) => server.close(resolve));
});

test('the client offers websocket-pusher and the token; the server selects websocket-pusher and the connection opens', async () => {
  // GIVEN
  const url = await serve(true);
  const paths: string[] = [];
  server.on('connection', (_socket, request) => paths.push(request.url ?? ''));
  let issued = 0;
  client = new WebsocketPusherClient({ url, token: () => `eyJhbGciOiJSUzI1NiJ9.payload-${++issued}.signature`, tokenTransport: 'protocol', WebSocket });

  // WHEN
  client.connect();

  // THEN
  await until('open', () => client!.state === 'open');
  expect(offered).toEqual([['websocket-pusher', 'eyJhbGciOiJSUzI1NiJ9.payload-1.signature']]);
  expect(paths).toEqual(['/prod']);
});

test('a server that selects no subprotocol fails the handshake: reported as a failed connect, and retried', async () => {
  // GIVEN
  const url = await serve(false);
  const errors: string[] = [];
  client = new WebsocketPusherClient({ url, token: 'tok', tokenTransport: 'protocol', WebSocket, backoff: { initialDelayMs: 50, maxDelayMs: 50 } });
  client.on('error', (error) => errors.push(error.message));

  // WHEN
  client.connect();

  // THEN
  await until('two attempts', () => offered.length >= 2);
  expect(client.state).toBe('reconnecting');
  expect(errors[0]).toBe('could not connect: Server sent no subprotocol (close code 1006)');
});
