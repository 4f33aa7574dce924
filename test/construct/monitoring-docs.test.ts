import * as fs from 'fs';
import * as path from 'path';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { stackWithStage } from './support';
import { WebsocketPusher, WebsocketPusherBase } from '../../src';
import { INSIGHTS_QUERIES } from '../../src/private/monitoring';
import { METRICS } from '../../src/shared/constants';

const root = path.join(__dirname, '..', '..');

/** README.md's monitoring section: the npm package ships README.md and API.md, not lambda/README.md. */
function readmeMonitoring(): string {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const m = /^## Monitoring and escape hatches\n([\s\S]*?)^## /m.exec(readme);
  if (!m) throw new Error('README.md has no "## Monitoring and escape hatches" section');
  return m[1];
}

const docs: Array<[string, () => string]> = [
  ['README.md (Monitoring)', readmeMonitoring],
  ['API.md', () => fs.readFileSync(path.join(root, 'API.md'), 'utf8')],
];

describe.each(docs)('%s', (_name, text) => {
  test('has a table row for every metric the handler publishes', () => {
    // WHEN
    const missing = Object.values(METRICS).filter((name) => !text().includes(`| \`${name}\``));

    // THEN
    expect(missing).toEqual([]);
  });

  test.each(Object.keys(INSIGHTS_QUERIES))('shows the saved query %s as the construct saves it', (name) => {
    // WHEN / THEN
    expect(text()).toContain(INSIGHTS_QUERIES[name].join('\n| '));
  });
});

test('README.md\'s table names each metric method on the row of the metric it returns', () => {
  // GIVEN
  const { stack, stage } = stackWithStage();
  const pusher = new WebsocketPusher(stack, 'Pusher', { webSocketStage: stage });
  const methods = Object.getOwnPropertyNames(WebsocketPusherBase.prototype).filter((name) => /^metric.+/.test(name));

  // WHEN
  const rows = methods.map((method) => {
    const metric = (pusher as unknown as Record<string, () => cloudwatch.Metric>)[method]();
    return `| \`${metric.metricName}\` (\`${method}()\`) |`;
  });

  // THEN
  expect(methods).toHaveLength(15);
  for (const row of rows) expect(readmeMonitoring()).toContain(row);
});
