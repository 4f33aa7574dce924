import { Annotations as CdkAnnotations, Duration } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { readmeTable, stackWithStage } from './support';
import { ChannelRule, ConnectionUserId, MessageFormat, WebsocketPusher, type WebsocketPusherProps } from '../../src';
import { REPLACEMENT_WARNING_IDS } from '../../src/private/replacement-warnings';

// A prop whose change on a deployed stack replaces a stateful resource the construct created is named in a warning at
// synth, with what the replacement loses and the id that acknowledges it; defaults and the app's own resources are not.

const everything = (extra: Partial<WebsocketPusherProps>): WebsocketPusherProps => ({
  webSocketStage: undefined as never,
  connectionRoutes: { userId: ConnectionUserId.anonymous() },
  messageFormat: MessageFormat.ENVELOPE,
  channels: { rules: [ChannelRule.allow('room/*'), ChannelRule.allow('feed/*', { history: Duration.hours(1) })] },
  lifecycleEvents: {},
  ...extra,
});

function warnings(extra: Partial<WebsocketPusherProps> = {}, acknowledge?: string) {
  const s = stackWithStage();
  const pusher = new WebsocketPusher(s.stack, 'Pusher', { ...everything(extra), webSocketStage: s.stage });
  if (acknowledge) CdkAnnotations.of(pusher).acknowledgeWarning(acknowledge, 'chosen for good');
  return Annotations.fromStack(s.stack).findWarning('/TestStack/Pusher', Match.anyValue()).map((w) => String(w.entry.data));
}

describe('warnings of props that replace a stateful resource when they change', () => {
  test('none with the defaults, channels, history and lifecycle events on', () => {
    expect(warnings()).toEqual([]);
  });

  test('the connections table: its key attributes and its name, with what is lost and how to acknowledge it', () => {
    const [warning, ...others] = warnings({ userIdAttribute: 'uid', connectionIdAttribute: 'cid', connectionsTableProps: { tableName: 'conns' } });
    expect(others).toEqual([]);
    expect(warning).toContain('`userIdAttribute` and `connectionIdAttribute` and `connectionsTableProps.tableName` are set');
    expect(warning).toContain('replaces the connections table');
    expect(warning).toContain('every connected client is unreachable until it reconnects');
    expect(warning).toContain('A fixed name also makes any replacement fail');
    expect(warning).toContain(`acknowledgeWarning('${REPLACEMENT_WARNING_IDS.connectionsTable}'`);
    expect(warning).toContain(`[ack: ${REPLACEMENT_WARNING_IDS.connectionsTable}]`);
  });

  test('a key attribute alone says nothing of a name', () => {
    const [warning] = warnings({ userIdAttribute: 'uid' });
    expect(warning).toContain('`userIdAttribute` is set: changing it');
    expect(warning).not.toContain('fixed name');
  });

  test.each<[string, Partial<WebsocketPusherProps>, string, string]>([
    ['the request queue\'s name', { queueProps: { queueName: 'requests' } }, REPLACEMENT_WARNING_IDS.queue, 'the requests waiting in it'],
    ['the request queue\'s FIFO-ness', { queueProps: { fifo: true } }, REPLACEMENT_WARNING_IDS.queue, 'replaces its dead-letter queue too'],
    ['the dead-letter queue\'s name', { deadLetterQueueProps: { queueName: 'failed' } }, REPLACEMENT_WARNING_IDS.queue,
      'replaces the request queue or its dead-letter queue'],
    ['the topic\'s name', { topicProps: { topicName: 'requests' } }, REPLACEMENT_WARNING_IDS.topic, 'replaces the request topic'],
    ['the subscriptions table\'s name', { channels: { rules: [ChannelRule.allow('room/*')], subscriptionsTableProps: { tableName: 'subs' } } },
      REPLACEMENT_WARNING_IDS.subscriptionsTable, 'every subscription until its client subscribes again'],
    ['the history table\'s name', { channels: { rules: [ChannelRule.allow('feed/*', { history: Duration.hours(1) })], historyTableProps: { tableName: 'hist' } } },
      REPLACEMENT_WARNING_IDS.historyTable, 'every channel\'s history'],
    ['the presence table\'s name', { lifecycleEvents: { presenceTableProps: { tableName: 'presence' } } },
      REPLACEMENT_WARNING_IDS.presenceTable, 'who is online'],
  ])('%s', (_, extra, id, loss) => {
    const found = warnings(extra);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(loss);
    expect(found[0]).toContain(`[ack: ${id}]`);
    // Acknowledged on the pusher, the warning is gone.
    expect(warnings(extra, id)).toEqual([]);
  });

  test('resources the app gives are the app\'s: no warning', () => {
    const s = stackWithStage();
    const table = new dynamodb.Table(s.stack, 'Table', {
      partitionKey: { name: 'uid', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'cid', type: dynamodb.AttributeType.STRING },
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    });
    new WebsocketPusher(s.stack, 'Pusher', {
      ...everything({ userIdAttribute: 'uid', connectionIdAttribute: 'cid', connectionsTable: table, queue: new sqs.Queue(s.stack, 'Q', { queueName: 'q', visibilityTimeout: Duration.minutes(6) }) }),
      webSocketStage: s.stage,
      enableTopic: false,
      topicProps: undefined,
    });
    expect(Annotations.fromStack(s.stack).findWarning('/TestStack/Pusher', Match.anyValue())).toEqual([]);
  });
});

describe('README: the table of props that replace a stateful resource', () => {
  /** Each row: the props it names, and the id that acknowledges them. */
  function readmeRows(): Array<{ props: string[]; id: string }> {
    return readmeTable('**Props that replace a stateful resource.**').map((cells) => ({
      props: [...cells[0].matchAll(/`([^`]+)`/g)].map((m) => m[1]),
      id: /`([^`]+)`/.exec(cells[3])![1],
    }));
  }

  /** The test's props with one more set at `dotted` (a name, or `true` for a FIFO flag). */
  function withProp(dotted: string): Partial<WebsocketPusherProps> {
    const props = JSON.parse(JSON.stringify({ channels: {}, lifecycleEvents: {} })) as Record<string, any>;
    const keys = dotted.split('.');
    let at = props;
    for (const key of keys.slice(0, -1)) at = (at[key] ??= {});
    at[keys[keys.length - 1]] = keys[keys.length - 1] === 'fifo' ? true : 'chosen-name';
    const base = everything({});
    return {
      ...props,
      channels: { ...base.channels!, ...props.channels },
      lifecycleEvents: { ...base.lifecycleEvents, ...props.lifecycleEvents },
    };
  }

  test('its ids are every warning\'s, once', () => {
    expect(readmeRows().map((r) => r.id).sort()).toEqual(Object.values(REPLACEMENT_WARNING_IDS).sort());
  });

  test.each(readmeRows().flatMap((row) => row.props.map((prop) => [prop, row.id] as const)))('%s alone warns with %s', (prop, id) => {
    const found = warnings(withProp(prop));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`\`${prop}\``);
    expect(found[0]).toContain(`[ack: ${id}]`);
  });
});
