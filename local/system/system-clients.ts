import type { VirtualConnection } from '../api-gateway/connections';
import type { ApiGatewayEmulator } from '../api-gateway/emulator';
import type { Faults } from '../api-gateway/faults';
import type { ConnectionsTable } from '../aws/dynamodb/connections-table';
import { RecordingClient, type ConnectOptions } from '../client/recording-client';
import type { ConnectionRow } from '../connection-row';

/**
 * The clients of a local system, as a test, the demo or a benchmark drives them: real `ws` clients connected through
 * the template's `$connect`, virtual ones (a row and an in-memory receiver) for tens of thousands, stale rows, and the
 * table as they left it.
 */
export abstract class SystemClients {
  /** Every real client connected through this system, in connection order. */
  readonly clients: RecordingClient[] = [];
  abstract readonly emulator: ApiGatewayEmulator;
  abstract readonly table: ConnectionsTable;

  /** Connects `count` real WebSocket clients for a user (`?token=<user id>`); resolves once each one's row is written. */
  async connect(userId: string, count = 1): Promise<RecordingClient[]> {
    const clients: RecordingClient[] = [];
    for (let i = 0; i < count; i++) {
      clients.push(await RecordingClient.connect(this.emulator.connectUrl(), userId));
    }
    this.clients.push(...clients);
    return clients;
  }

  /**
   * Connects one real client with this query string and these headers (e.g. `{ query: { token } }` for the
   * authorizer stand-in); `label` is the user the test expects it to be. Resolves once `$connect` has run.
   */
  async open(label: string, request: ConnectOptions = {}): Promise<RecordingClient> {
    const client = await RecordingClient.open(this.emulator.connectUrl(), label, request);
    this.clients.push(client);
    return client;
  }

  /** Connects users with several connections each, e.g. `{ alice: 2, bob: 3 }`. */
  async connectUsers(spec: Record<string, number>): Promise<Record<string, RecordingClient[]>> {
    const result: Record<string, RecordingClient[]> = {};
    for (const [userId, count] of Object.entries(spec)) {
      result[userId] = await this.connect(userId, count);
    }
    return result;
  }

  /** Connects many real clients concurrently (a few hundred handshakes at a time). */
  async connectMany(userIds: readonly string[], concurrency = 200): Promise<RecordingClient[]> {
    const clients: RecordingClient[] = new Array(userIds.length);
    let next = 0;
    const worker = async () => {
      while (next < userIds.length) {
        const i = next++;
        clients[i] = await RecordingClient.connect(this.emulator.connectUrl(), userIds[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, userIds.length) }, worker));
    this.clients.push(...clients);
    return clients;
  }

  /** Connects virtual clients (a row and an in-memory receiver, no socket): for tens of thousands of connections. */
  async connectVirtual(userIds: readonly string[], options: { keepMessages?: boolean } = {}): Promise<VirtualConnection[]> {
    return this.emulator.connectVirtualMany(userIds, options);
  }

  /** Writes a row for a connection API Gateway no longer knows (one whose `$disconnect` never ran). */
  async putStaleRow(userId: string, connectionId = this.emulator.nextConnectionId()): Promise<ConnectionRow> {
    const row = { userId, connectionId };
    await this.table.put(row);
    return row;
  }

  /** Makes a connected client's connection vanish without its row being deleted; resolves once its socket is closed. */
  async makeStale(client: RecordingClient): Promise<void> {
    this.emulator.makeStale(client.connectionId);
    await client.whenClosed();
  }

  /** Closes a client like a user leaving; resolves once `$disconnect` has deleted its row. */
  async disconnect(client: RecordingClient): Promise<void> {
    const gone = this.emulator.disconnected(client.connectionId);
    await client.close();
    await gone;
  }

  setFaults(faults: Faults): void {
    this.emulator.setFaults(faults);
  }

  /** All rows of the connections table, sorted by user then connection id. */
  async rows(): Promise<ConnectionRow[]> {
    return this.table.scan();
  }

  /** The key (user id, connection id) of every row, sorted by user then connection id. */
  async keys(): Promise<Array<{ userId: string; connectionId: string }>> {
    return (await this.rows()).map(({ userId, connectionId }) => ({ userId, connectionId }));
  }

  /**
   * Resolves once every live client has read every frame the emulator wrote to it: the posts it answered and the
   * routes' replies. Call it after the handler returned (all its POSTs are answered by then), before asserting what
   * clients received.
   */
  async deliveries(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const behind = this.clients.filter((c) => c.isOpen && c.messages.length < this.emulator.framesTo(c.connectionId));
      if (behind.length === 0) return;
      if (Date.now() > deadline) throw new Error(`${behind.length} clients still waiting for messages the emulator sent`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  protected terminateClients(): void {
    for (const client of this.clients) client.terminate();
  }
}
