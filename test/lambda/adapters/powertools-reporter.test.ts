import { PowertoolsReporter } from '../../../lambda/adapters/powertools-reporter';
import { unsentReport, zeroCounts, type WorkReport } from '../../../lambda/core/reports';
import { captureLogLines } from '../support/log-lines';

let lines: Array<Record<string, any>>;
beforeEach(() => {
  lines = captureLogLines();
});
afterEach(() => jest.restoreAllMocks());

const metricNames = (line: Record<string, any>): string[] => line._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name);
const emf = () => lines.filter((l) => l._aws);

describe('PowertoolsReporter: ChannelDelivered', () => {
  test('a request that reached connections through channels publishes ChannelDelivered beside Delivered', () => {
    // WHEN
    new PowertoolsReporter('websocket-pusher', 'WebsocketPusher').report({
      ...unsentReport('m-1', 'sqs', 'channel'), outcome: 'delivered', targets: 3, delivered: 3, channelDelivered: 2,
    });

    // THEN
    const [line] = emf();
    expect(metricNames(line)).toEqual(expect.arrayContaining(['Delivered', 'ChannelDelivered']));
    expect(line).toMatchObject({ Delivered: 3, ChannelDelivered: 2, kind: 'channel', messageId: 'm-1' });
    expect(lines.find((l) => l.message === 'request processed')).toMatchObject({ channelDelivered: 2, kind: 'channel' });
  });

  test('without any, the metric is left out (as Closed is)', () => {
    // WHEN
    new PowertoolsReporter('websocket-pusher', 'WebsocketPusher').report({ ...unsentReport('m-1', 'sqs', 'multicast'), outcome: 'delivered', delivered: 1 });

    // THEN
    expect(metricNames(emf()[0])).not.toContain('ChannelDelivered');
    expect(emf()[0].ChannelDelivered).toBeUndefined();
  });

  test('a channel work item publishes it too', () => {
    // GIVEN
    const report: WorkReport = {
      requestId: 'req-1',
      messageId: 'w-1',
      kind: 'channel',
      segment: 1,
      totalSegments: 4,
      attempt: 1,
      outcome: 'completed',
      ...zeroCounts(),
      targets: 5,
      delivered: 5,
      channelDelivered: 5,
      retargeted: 0,
      carried: 0,
      pages: 2,
      continued: 0,
      durationMs: 3,
      wallTimeMs: 9,
    };

    // WHEN
    new PowertoolsReporter('websocket-pusher', 'WebsocketPusher').reportWork(report);

    // THEN
    expect(emf()[0]).toMatchObject({ ChannelDelivered: 5, Delivered: 5, kind: 'channel', segment: '1' });
  });
});
