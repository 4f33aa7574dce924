import { everythingOn, readmeTable } from './support';

// README's "What survives `cdk destroy`" table, checked against a template with every feature on: each row's stated
// default removal policy is the one its resources get, and every resource that survives is in a row.

/** The README table's rows: the first cell, and the stated default (`RETAIN` or `DESTROY`). */
function readmeRows(): Array<{ resource: string; policy: 'Retain' | 'Delete' }> {
  return readmeTable('**What survives `cdk destroy`**').map((cells) => {
    const policy = /^`(RETAIN|DESTROY)`/.exec(cells[1])?.[1];
    if (!policy) throw new Error(`no default removal policy in the row: ${cells.join(' | ')}`);
    return { resource: cells[0], policy: policy === 'RETAIN' ? 'Retain' : 'Delete' };
  });
}

/** Which construct paths each row covers (by the row's first words). */
const COVERS: Array<[RegExp, RegExp]> = [
  [/^connections table$/, /\/Pusher\/ConnectionsTable\/Resource$/],
  [/^the KMS key/, /\/Pusher\/ConnectionsTable\/Key\/Resource$/],
  [/^the pusher's log group$/, /\/Pusher\/LogGroup\/Resource$/],
  [/^the channels function's and the connection stream function's log groups/,
    /\/(Pusher\/ChannelsFunctionLogGroup|Pusher\/ConnectionStreamFunctionLogGroup|Jwt\/LogGroup)\/Resource$/],
  [/^subscriptions, history and presence tables$/, /\/Pusher\/(SubscriptionsTable|HistoryTable|PresenceTable)\/Resource$/],
  [/^deduplication table, every queue$/, /\/Pusher\/(DeduplicationTable\/Resource|[A-Za-z]*Queue\/Resource)$/],
];

describe('README: what survives cdk destroy', () => {
  // Each resource's construct path and its policy in the template (no DeletionPolicy: deleted).
  const resources = everythingOn().resources.map((r) => ({ ...r, policy: r.DeletionPolicy ?? 'Delete' }));
  const rows = readmeRows();

  test('the table has the rows this test knows', () => {
    expect(rows.map((r) => COVERS.findIndex(([row]) => row.test(r.resource)))).toEqual(COVERS.map((_, i) => i));
  });

  test.each(COVERS.map(([row, paths], i) => [row.source, paths, i] as const))('%s: the stated policy is the template\'s', (_, paths, i) => {
    const covered = resources.filter((r) => paths.test(r.path));
    expect(covered.length).toBeGreaterThan(0);
    expect(covered.map((r) => `${r.path}: ${r.policy}`)).toEqual(covered.map((r) => `${r.path}: ${rows[i].policy}`));
  });

  test('every resource that survives is in a row', () => {
    const surviving = resources.filter((r) => r.policy === 'Retain').map((r) => r.path);
    expect(surviving.filter((p) => !COVERS.some(([, paths]) => paths.test(p)))).toEqual([]);
  });

  test('the queues are all covered (the row says every queue)', () => {
    const queues = resources.filter((r) => r.type === 'AWS::SQS::Queue');
    expect(queues.length).toBeGreaterThanOrEqual(6);
    expect(queues.filter((q) => !COVERS[5][1].test(q.path))).toEqual([]);
  });
});
