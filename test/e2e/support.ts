import type { RecordingClient } from '../../local/client/recording-client';
import type { ConnectionRow } from '../../local/connection-row';
import type { FunctionRunner, Invocation } from '../../local/lambda-runtime/function-runner';
import { LocalSystem, type LocalSystemOptions } from '../../local/system/local-system';

export interface UseLocalSystemOptions extends LocalSystemOptions {
  /**
   * The environment overrides of the pusher loaded before each test, or `false` to load none (the file's tests
   * load their own, or need none). @default {} (the pusher as the template configures it)
   */
  readonly handler?: Record<string, string> | false;
}

/** The current test's local system and pusher, as `useLocalSystem` gives them. */
export interface LocalSystemFixture {
  /** The system started for the current test. */
  readonly system: LocalSystem;
  /** The handler loaded into it before the test (not with `handler: false`). */
  readonly pusher: FunctionRunner;
  /** Stops the current system and starts another, the file's options overridden by these; the pusher as before. */
  restart(options: LocalSystemOptions): Promise<void>;
}

/**
 * Registers the `beforeEach` / `afterEach` of an e2e file: a fresh `LocalSystem` with these options for every test,
 * the bundled pusher loaded into it, and everything stopped after the test. Read `system` and `pusher` inside tests
 * and hooks only: they are the current test's.
 */
export function useLocalSystem(options: UseLocalSystemOptions = {}): LocalSystemFixture {
  const { handler = {}, ...stackOptions } = options;
  let system: LocalSystem | undefined;
  let pusher: FunctionRunner | undefined;

  const start = async (startOptions: LocalSystemOptions) => {
    system = await LocalSystem.start(startOptions);
    pusher = handler === false ? undefined : await system.loadPusher(handler);
  };
  const stop = async () => {
    const current = system;
    system = undefined;
    pusher = undefined;
    await current?.stop();
  };

  beforeEach(() => start(stackOptions));
  afterEach(stop);

  return {
    get system() {
      if (!system) throw new Error('useLocalSystem: the system exists only while a test runs');
      return system;
    },
    get pusher() {
      if (!pusher) throw new Error(handler === false ? 'useLocalSystem: no handler is loaded with `handler: false`' : 'useLocalSystem: the pusher exists only while a test runs');
      return pusher;
    },
    async restart(overrides) {
      await stop();
      await start({ ...stackOptions, ...overrides });
    },
  };
}

/** What a connection receives for a request's `data`: the JSON text, serialized once. */
export const wire = (data: unknown): string => JSON.stringify(data);

/** Every client's messages by `user/connection`, sorted (requests of one batch are delivered concurrently). */
export function inboxes(clients: readonly RecordingClient[]): Record<string, string[]> {
  return Object.fromEntries(clients.map((c) => [`${c.userId}/${c.connectionId}`, [...c.messages].sort()]));
}

/** The inbox every client should have: `expected(client)` lists what that client must have received, once each. */
export function expectedInboxes(
  clients: readonly RecordingClient[], expected: (client: RecordingClient) => readonly string[],
): Record<string, string[]> {
  return Object.fromEntries(clients.map((c) => [`${c.userId}/${c.connectionId}`, [...expected(c)].sort()]));
}

/** The table rows the given clients' connections should have left. */
export function rowsOf(clients: readonly RecordingClient[]): ConnectionRow[] {
  return clients
    .map((c) => ({ userId: c.userId, connectionId: c.connectionId }))
    .sort((a, b) => (a.userId === b.userId ? cmp(a.connectionId, b.connectionId) : cmp(a.userId, b.userId)));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The handler's per-request log lines ("request processed"), by message id. */
export function reports(invocation: Invocation): Record<string, Record<string, any>> {
  return Object.fromEntries(
    invocation.json.filter((line) => line.message === 'request processed').map((line) => [line.messageId, line]),
  );
}

/** The handler's embedded-metric-format lines. */
export function metricLines(invocation: Invocation): Record<string, any>[] {
  return invocation.json.filter((line) => line._aws?.CloudWatchMetrics);
}

/** Handler settings that keep retries fast on loopback (the backoff still applies, in milliseconds). */
export const FAST_RETRIES = { RETRY_BASE_DELAY_MS: '5', RETRY_MAX_DELAY_MS: '50' };

/** Waits (polling) until `condition` holds; fails naming `what` after `timeoutMs` (generous: a loaded machine is slow). */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The lines with this `message` of these invocations, in invocation order. */
export function linesOf(invocations: readonly Invocation[], message: string): Record<string, any>[] {
  return invocations.flatMap((i) => i.json).filter((line) => line.message === message);
}
