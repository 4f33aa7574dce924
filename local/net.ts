import { createServer } from 'node:net';

/** Every local server listens here only: nothing of the local system is reachable from another machine. */
export const LOOPBACK = '127.0.0.1';

/** A port free on loopback right now (for a child process that must be told its port). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, () => resolve()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
