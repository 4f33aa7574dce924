import type { RecordingClient } from '../../local/client';
import type { ConnectionRow } from '../../local/connections-table';
import type { HandlerRunner, Invocation } from '../../local/handler-runner';
import { LocalStack, type LocalStackOptions } from '../../local/stack';

export interface UseLocalStackOptions extends LocalStackOptions {
  /**
   * The environment overrides of the handler loaded before each test, or `false` to load none (the file's tests
   * load their own, or need no handler). @default {} (the handler as the construct configures it)
   */
  readonly handler?: Record<string, string> | false;
}

/** The current test's local stack and handler, as `useLocalStack` gives them. */
export interface LocalStackFixture {
  /** The stack started for the current test. */
  readonly stack: LocalStack;
  /** The handler loaded into it before the test (not with `handler: false`). */
  readonly pusher: HandlerRunner;
  /** Stops the current stack and starts another, the file's options overridden by these; the handler as before. */
  restart(options: LocalStackOptions): Promise<void>;
}

/**
 * Registers the `beforeEach` / `afterEach` of an e2e file: a fresh `LocalStack` with these options for every test,
 * the bundled handler loaded into it, and everything stopped after the test. Read `stack` and `pusher` inside tests
 * and hooks only: they are the current test's.
 */
export function useLocalStack(options: UseLocalStackOptions = {}): LocalStackFixture {
  const { handler = {}, ...stackOptions } = options;
  let stack: LocalStack | undefined;
  let pusher: HandlerRunner | undefined;

  const start = async (startOptions: LocalStackOptions) => {
    stack = await LocalStack.start(startOptions);
    pusher = handler === false ? undefined : await stack.loadHandler(handler);
  };
  const stop = async () => {
    const current = stack;
    stack = undefined;
    pusher = undefined;
    await current?.stop();
  };

  beforeEach(() => start(stackOptions));
  afterEach(stop);

  return {
    get stack() {
      if (!stack) throw new Error('useLocalStack: the stack exists only while a test runs');
      return stack;
    },
    get pusher() {
      if (!pusher) throw new Error(handler === false ? 'useLocalStack: no handler is loaded with `handler: false`' : 'useLocalStack: the handler exists only while a test runs');
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
