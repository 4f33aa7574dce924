import type { ApiRoutes } from '../../../local/api-gateway/api-routes';
import { ConnectionRegistry } from '../../../local/api-gateway/connections';
import { API_GATEWAY_LIMITS, WebSocketUpgrades } from '../../../local/api-gateway/websocket-upgrades';
import { useLocalSystem } from '../../e2e/support';

// How the emulator holds API Gateway's connection limits (the closes themselves: emulator.test.ts): resolved once, the
// ones not given being API Gateway's, and timed by timers that never keep a process alive.

const MAX_DURATION_MS = 7_000_001;
const IDLE_TIMEOUT_MS = 600_001;

describe('the limits in force', () => {
  const upgrades = (limits?: ConstructorParameters<typeof WebSocketUpgrades>[3]) =>
    new WebSocketUpgrades('local', {} as ApiRoutes, new ConnectionRegistry(1), limits);

  test("API Gateway's when none are given: 2 hours, 10 minutes idle", () => {
    expect(upgrades().limits).toEqual({ maxDurationMs: 2 * 60 * 60_000, idleTimeoutMs: 10 * 60_000 });
    expect(upgrades().limits).toEqual(API_GATEWAY_LIMITS);
  });

  test("the ones given, API Gateway's for the others", () => {
    expect(upgrades({ idleTimeoutMs: 1_000 }).limits).toEqual({ maxDurationMs: API_GATEWAY_LIMITS.maxDurationMs, idleTimeoutMs: 1_000 });
    expect(upgrades({ maxDurationMs: 1_500 }).limits).toEqual({ maxDurationMs: 1_500, idleTimeoutMs: API_GATEWAY_LIMITS.idleTimeoutMs });
  });
});

describe("a connection's limit timers", () => {
  const local = useLocalSystem({ handler: false, connectionLimits: { maxDurationMs: MAX_DURATION_MS, idleTimeoutMs: IDLE_TIMEOUT_MS } });

  test('are unref\'d: they do not keep the process alive, before and after a frame from the client', async () => {
    // GIVEN every timer made while a client connects and pings, recorded with its delay
    const made: Array<{ delay: number | undefined; timer: NodeJS.Timeout }> = [];
    const realSetTimeout = global.setTimeout as (callback: () => void, delay?: number, ...args: unknown[]) => NodeJS.Timeout;
    const spy = jest.spyOn(global, 'setTimeout').mockImplementation(((callback: () => void, delay?: number, ...args: unknown[]) => {
      const timer = realSetTimeout(callback, delay, ...args);
      made.push({ delay, timer });
      return timer;
    }) as typeof setTimeout);
    try {
      // WHEN a client connects, and sends a frame (which starts the idle timeout over)
      const [client] = await local.system.connect('alice');
      await expect(client.request({ action: 'ping' })).resolves.toEqual({ type: 'pong' });

      // THEN the maximum duration's timer and the idle timeout's were made, and neither holds the process
      const limits = made.filter((m) => m.delay === MAX_DURATION_MS || m.delay === IDLE_TIMEOUT_MS);
      expect(new Set(limits.map((m) => m.delay))).toEqual(new Set([MAX_DURATION_MS, IDLE_TIMEOUT_MS]));
      expect(limits.filter((m) => m.timer.hasRef())).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });
});
