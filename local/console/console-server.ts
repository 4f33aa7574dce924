import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { ConsoleBackend } from './console-backend';
import { PUBLISH_TARGETS, type ConsoleAnswer, type PublishTarget } from './console-wire';
import type { Activity } from '../activity';
import { LOOPBACK } from '../net';
import { CONSOLE_PAGE_DIR } from '../paths';

/** Where the console is served, on the emulator's port or its own. */
export const CONSOLE_PATH = '/console';

/** How many past activities a newly opened page is sent first, so that it is not empty. */
export const REPLAYED_ACTIVITIES = 200;

/** The largest POST body read (a request JSON is at most 256 KB, SQS's limit). */
const MAX_BODY_BYTES = 1024 * 1024;

/** Between two comment lines on an idle event stream, so that nothing between closes it. */
const KEEPALIVE_MS = 15_000;

const PAGE_FILES: Readonly<Record<string, { file: string; type: string }>> = {
  [CONSOLE_PATH]: { file: 'index.html', type: 'text/html; charset=utf-8' },
  [`${CONSOLE_PATH}/console.js`]: { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  [`${CONSOLE_PATH}/console.css`]: { file: 'console.css', type: 'text/css; charset=utf-8' },
};

/** A console answer that is not 200: its status and message. */
class Refusal extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * The console's HTTP handler, for the emulator's server (its `httpHandler`) or the console's own: answers true for the
 * paths under `/console` and serves them (the page, its script and style, `state`, the `events` stream, `publish`,
 * `disconnect`); false for any other path, which it leaves alone. Only a loopback `Host` is served (a DNS rebinding
 * page reads nothing); a POST must be JSON and come from the console's own origin (another site's page cannot publish
 * or disconnect through it). The handler listens to the backend's feed from now on, keeping the last activities for
 * the pages opened later.
 */
export function consoleHandler(backend: ConsoleBackend): (req: IncomingMessage, res: ServerResponse) => boolean {
  const recent: Activity[] = [];
  const streams = new Set<(activity: Activity) => void>();
  backend.onActivity((activity) => {
    recent.push(activity);
    if (recent.length > REPLAYED_ACTIVITIES) recent.shift();
    for (const send of streams) send(activity);
  });
  return (req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '') || '/';
    if (pathname !== CONSOLE_PATH && !pathname.startsWith(`${CONSOLE_PATH}/`)) return false;
    void serve(backend, { recent, streams }, pathname, req, res).catch((error: unknown) => {
      const refusal = error instanceof Refusal ? error : new Refusal(500, (error as Error).message);
      if (!res.headersSent) answer(res, refusal.status, { ok: false, message: refusal.message });
      else res.end();
    });
    return true;
  };
}

/** The console on its own HTTP server, on loopback only, at `http://127.0.0.1:<port>/console` (`/` redirects there). */
export async function startConsoleServer(backend: ConsoleBackend, port: number): Promise<{ readonly url: string; stop(): Promise<void> }> {
  const handle = consoleHandler(backend);
  const server = createServer((req, res) => {
    if (handle(req, res)) return;
    if (req.url === '/') res.writeHead(302, { location: CONSOLE_PATH }).end();
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the console is at /console');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => resolve());
  });
  const url = `http://${LOOPBACK}:${(server.address() as AddressInfo).port}${CONSOLE_PATH}`;
  return {
    url,
    stop: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

interface Feed {
  readonly recent: readonly Activity[];
  readonly streams: Set<(activity: Activity) => void>;
}

async function serve(backend: ConsoleBackend, feed: Feed, pathname: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const origin = loopbackOrigin(req);
  const route = `${req.method} ${pathname}`;
  if (route === `GET ${CONSOLE_PATH}/state`) return answer(res, 200, await backend.state());
  if (route === `GET ${CONSOLE_PATH}/events`) return stream(feed, res);
  if (route === `POST ${CONSOLE_PATH}/publish`) {
    const { target, body } = await postedJson(req, origin);
    if (!PUBLISH_TARGETS.includes(target as PublishTarget)) throw new Refusal(400, `target must be one of ${PUBLISH_TARGETS.join(', ')}, got ${JSON.stringify(target)}`);
    if (typeof body !== 'string' || body.trim() === '') throw new Refusal(400, 'body must be the request JSON, as text');
    const message = await backend.publish(target as PublishTarget, body).catch((error: Error) => {
      throw new Refusal(400, `not published: ${error.message}`);
    });
    return answer(res, 200, { ok: true, message } satisfies ConsoleAnswer);
  }
  if (route === `POST ${CONSOLE_PATH}/disconnect`) {
    const { connectionId } = await postedJson(req, origin);
    if (typeof connectionId !== 'string' || !connectionId) throw new Refusal(400, 'connectionId must be a connection id');
    if (!backend.disconnect(connectionId)) throw new Refusal(404, `no live connection ${connectionId}`);
    return answer(res, 200, { ok: true, message: `closed ${connectionId}` } satisfies ConsoleAnswer);
  }
  const page = PAGE_FILES[pathname];
  if (page && (req.method === 'GET' || req.method === 'HEAD')) return servePage(res, page, await backend.state().then((s) => s.webSocketUrl));
  throw new Refusal(page ? 405 : 404, page ? `${req.method} is not allowed here` : `no console path ${pathname}`);
}

/** The console's own origin, from a loopback `Host` (`127.0.0.1:<port>`, `localhost:<port>`); any other is refused. */
function loopbackOrigin(req: IncomingMessage): string {
  const host = req.headers.host ?? '';
  const port = req.socket.localPort;
  if (host !== `${LOOPBACK}:${port}` && host !== `localhost:${port}`) throw new Refusal(403, `the console answers only on loopback (Host ${LOOPBACK}:${port}), not ${host || 'no Host'}`);
  return `${(req.socket as TLSSocket).encrypted ? 'https' : 'http'}://${host}`;
}

/** A POST's JSON object, from the console's own page: a JSON content type, no other origin, at most 1 MB. */
async function postedJson(req: IncomingMessage, origin: string): Promise<Record<string, unknown>> {
  if (req.headers.origin !== undefined && req.headers.origin !== origin) throw new Refusal(403, `a POST from ${req.headers.origin} is refused: only the console's own page (${origin}) may`);
  if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) throw new Refusal(403, 'a POST must be Content-Type: application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Refusal(413, `the body is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new Refusal(400, `the body is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Refusal(400, 'the body must be a JSON object');
  return parsed as Record<string, unknown>;
}

/** Server-Sent Events: the recent activities first, then each as it happens, one `data:` line of JSON each. */
function stream(feed: Feed, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'connection': 'keep-alive' });
  const send = (activity: Activity) => res.write(`data: ${JSON.stringify(activity)}\n\n`);
  feed.recent.forEach(send);
  feed.streams.add(send);
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
  keepalive.unref();
  res.once('close', () => {
    clearInterval(keepalive);
    feed.streams.delete(send);
  });
}

/** A page file from the bundle's folder, with a policy that lets it load only itself and reach the WebSocket URL. */
async function servePage(res: ServerResponse, page: { file: string; type: string }, webSocketUrl: string): Promise<void> {
  const content = await readFile(path.join(CONSOLE_PAGE_DIR, page.file)).catch(() => {
    throw new Refusal(500, `the console's ${page.file} is not in ${CONSOLE_PAGE_DIR}: build it (npx projen bundle)`);
  });
  res.writeHead(200, {
    'content-type': page.type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy': `default-src 'self'; img-src 'self' data:; connect-src 'self' ${new URL(webSocketUrl).origin}; frame-ancestors 'none'; form-action 'self'`,
  });
  res.end(content);
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(JSON.stringify(body));
}
