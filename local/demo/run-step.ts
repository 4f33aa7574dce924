import type { RecordingClient } from '../client/recording-client';
import type { ConnectionRow } from '../connection-row';
import { snsEvent, sqsEvent } from '../events';
import type { FunctionRunner, Invocation } from '../lambda-runtime/function-runner';
import { emitInvocation } from '../system/invocation-activity';
import type { LocalSystem } from '../system/local-system';

export interface Step {
  readonly title: string;
  readonly via: 'SQS' | 'SNS';
  readonly request: Record<string, unknown> | string;
  /** Runs just before the request is sent (e.g. a connection vanishing). */
  readonly before?: () => Promise<string | undefined>;
  /** The clients that must receive the request, once each. */
  readonly receivers: () => readonly RecordingClient[];
  /** The rows the request must prune (or, for a disconnect, delete). */
  readonly pruned: () => readonly ConnectionRow[];
  /** The clients whose sockets the request must close. */
  readonly closed?: () => readonly RecordingClient[];
  /** The outcome the handler must report. */
  readonly outcome: 'delivered' | 'invalid';
  /** The channel each receiver's envelope must name (a request with `channels`). */
  readonly channel?: string;
}

export const rule = (title: string) => `\n── ${title} ${'─'.repeat(Math.max(3, 74 - title.length))}`;
export const label = (name: string) => name.padEnd(10);
export const key = (row: ConnectionRow) => `${row.userId}/${row.connectionId}`;

/** Sends one step's request to the pusher and prints who received it, what changed in the table, and the handler's report. */
export async function runStep(
  system: LocalSystem, pusher: FunctionRunner, step: Step, messageId: string, live: () => RecordingClient[],
): Promise<number> {
  console.log(rule(`${step.title} (${step.via})`));
  const note = await step.before?.();
  if (note) {
    console.log(`  ${label('before')}${note}`);
  }
  const rowsBefore = await system.rows();
  const seen = new Map(system.clients.map((c) => [c, c.messages.length]));
  console.log(`  ${label('request')}${typeof step.request === 'string' ? step.request : JSON.stringify(step.request)}`);

  const event = step.via === 'SNS'
    ? snsEvent(step.request, { messageIds: [messageId] })
    : sqsEvent([step.request], { messageIds: [messageId] });
  const invocation = await pusher.invoke(event);
  // Invoked directly (no event source): its report goes to the activity feed here, for the console.
  emitInvocation(system.activity, system.pusher, invocation);
  await system.deliveries();
  await Promise.all((step.closed?.() ?? []).map((c) => c.whenClosed()));
  await system.emulator.settled();

  const received = system.clients.map((c) => ({ client: c, messages: c.messages.slice(seen.get(c)) })).filter((r) => r.messages.length > 0);
  if (received.length === 0) {
    console.log(`  ${label('received')}nobody`);
  }
  received.forEach(({ client, messages }, i) => {
    for (const message of messages) {
      console.log(`  ${label(i === 0 ? 'received' : '')}${client.userId.padEnd(6)} ${client.connectionId}  ${message}`);
    }
  });
  const skipped = live().filter((c) => !received.some((r) => r.client === c));
  if (skipped.length > 0 && received.length > 0) {
    console.log(`  ${label('not sent')}${skipped.map((c) => `${c.userId} ${c.connectionId}`).join(', ')}`);
  }
  const rowsAfter = new Set((await system.rows()).map(key));
  const pruned = rowsBefore.filter((row) => !rowsAfter.has(key(row)));
  console.log(`  ${label(step.closed ? 'deleted' : 'pruned')}${pruned.length === 0 ? 'nothing' : pruned.map(key).join(', ')}`);
  const closed = (step.closed?.() ?? []).filter((c) => !c.isOpen);
  if (step.closed) console.log(`  ${label('closed')}${closed.map((c) => `${c.userId} ${c.connectionId} (close code ${c.closeCode})`).join(', ') || 'nothing'}`);
  printHandlerOutput(invocation, messageId);

  return verify(step, received, pruned, invocation, messageId);
}

/** The handler's report of the request (its `request processed` line). */
function reportOf(invocation: Invocation, messageId: string) {
  return invocation.json.find((line) => line.message === 'request processed' && line.messageId === messageId);
}

function printHandlerOutput(invocation: Invocation, messageId: string): void {
  const report = reportOf(invocation, messageId);
  if (report) {
    const fields = ['outcome', 'kind', 'targets', 'delivered', 'gone', 'pruned', 'retried', 'failed', ...(report.closed ? ['closed'] : []), 'durationMs'];
    console.log(`  ${label('handler')}${report.level} "${report.message}" ${fields.map((f) => `${f}=${report[f]}`).join(' ')}`);
    if (report.error) {
      console.log(`  ${label('')}error ${report.error.code}: ${report.error.message}`);
    }
  }
  for (const emf of invocation.json.filter((line) => line._aws?.CloudWatchMetrics)) {
    const [directive] = emf._aws.CloudWatchMetrics;
    const metrics = directive.Metrics.map((m: { Name: string; Unit: string }) => `${m.Name}=${emf[m.Name]}${m.Unit === 'Milliseconds' ? 'ms' : ''}`);
    console.log(`  ${label('metrics')}${directive.Namespace} (EMF): ${metrics.join(' ')}`);
  }
  const result = invocation.error ? `threw ${invocation.error.name}: ${invocation.error.message}` : JSON.stringify(invocation.result) ?? 'resolved';
  console.log(`  ${label('returned')}${result}`);
}

function verify(
  step: Step, received: { client: RecordingClient; messages: string[] }[], pruned: ConnectionRow[], invocation: Invocation, messageId: string,
): number {
  const problems: string[] = [];
  // The envelope (MessageFormat.ENVELOPE): the request's data, its SQS / SNS message id, the channel it came through.
  const data = typeof step.request === 'object' && 'data' in step.request ? step.request.data : undefined;
  const expected = JSON.stringify({ type: 'message', id: messageId, ...(step.channel ? { channel: step.channel } : {}), data });
  const receivers = new Set(step.receivers());
  for (const client of receivers) {
    const got = received.find((r) => r.client === client)?.messages ?? [];
    if (got.length !== 1 || got[0] !== expected) {
      problems.push(`${client.userId} ${client.connectionId} received ${got.length} message(s), expected exactly ${expected} once`);
    }
  }
  for (const { client } of received.filter((r) => !receivers.has(r.client))) {
    problems.push(`${client.userId} ${client.connectionId} received a message it should not have`);
  }
  const expectedPruned = step.pruned().map(key).sort();
  if (JSON.stringify(pruned.map(key).sort()) !== JSON.stringify(expectedPruned)) {
    problems.push(`pruned ${JSON.stringify(pruned.map(key))}, expected ${JSON.stringify(expectedPruned)}`);
  }
  const report = reportOf(invocation, messageId);
  if (report?.outcome !== step.outcome) {
    problems.push(`the handler reported outcome ${report?.outcome}, expected ${step.outcome}`);
  }
  if (invocation.error) {
    problems.push(`the invocation failed: ${invocation.error.message}`);
  }
  for (const client of step.closed?.() ?? []) {
    if (client.isOpen) problems.push(`${client.userId} ${client.connectionId} is still open`);
  }
  for (const problem of problems) {
    console.log(`  ✗ ${problem}`);
  }
  return problems.length;
}
