import { Annotations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { WebsocketPusherProps } from '../websocket-pusher-props';

/**
 * The ids of the warnings that a prop replaces a stateful resource when it changes: acknowledge one, once the value is
 * chosen for good, with `Annotations.of(pusher).acknowledgeWarning(id, reason)`.
 */
export const REPLACEMENT_WARNING_IDS = {
  connectionsTable: 'cdk-websocket-pusher:replacesConnectionsTable',
  queue: 'cdk-websocket-pusher:replacesQueue',
  topic: 'cdk-websocket-pusher:replacesTopic',
  subscriptionsTable: 'cdk-websocket-pusher:replacesSubscriptionsTable',
  historyTable: 'cdk-websocket-pusher:replacesHistoryTable',
  presenceTable: 'cdk-websocket-pusher:replacesPresenceTable',
} as const;

interface Replacement {
  readonly id: string;
  /** The created resource, as the message names it. */
  readonly resource: string;
  /** The props set that replace it when they change (empty: no warning). */
  readonly props: readonly string[];
  /** What is lost with the replaced resource. */
  readonly loss: string;
}

const set = (entries: Record<string, unknown>) => Object.keys(entries).filter((name) => entries[name] !== undefined);

/** The replacements the set props would cause, each with the props that cause it (empty: none set). */
function replacementsOf(props: WebsocketPusherProps): Replacement[] {
  const retainedTable = 'every row: the new table starts empty, and the old one stays in the account (with the default removal '
    + 'policy, RETAIN) or is deleted with its rows';
  const destroyedTable = 'every row: the old table is deleted with them (with the default removal policy, DESTROY)';
  return [
    {
      id: REPLACEMENT_WARNING_IDS.connectionsTable,
      resource: 'the connections table',
      props: props.connectionsTable ? [] : set({
        'userIdAttribute': props.userIdAttribute,
        'connectionIdAttribute': props.connectionIdAttribute,
        'connectionsTableProps.tableName': props.connectionsTableProps?.tableName,
      }),
      loss: `${retainedTable}; every connected client is unreachable until it reconnects, which nothing makes it do (the `
        + 'client package re-dials within API Gateway\'s 2-hour limit)',
    },
    {
      id: REPLACEMENT_WARNING_IDS.queue,
      resource: 'the request queue or its dead-letter queue',
      props: set({
        'queueProps.queueName': props.queueProps?.queueName,
        'queueProps.fifo': props.queueProps?.fifo,
        'deadLetterQueueProps.queueName': props.deadLetterQueueProps?.queueName,
        'deadLetterQueueProps.fifo': props.deadLetterQueueProps?.fifo,
      }),
      loss: 'the requests waiting in it (`queueProps.fifo` replaces its dead-letter queue too, and the failed requests kept '
        + 'there): with the default removal policy, DESTROY, the old queues are deleted with them',
    },
    {
      id: REPLACEMENT_WARNING_IDS.topic,
      resource: 'the request topic',
      props: set({ 'topicProps.topicName': props.topicProps?.topicName }),
      loss: 'its subscriptions other than the pusher\'s, and the publishers\' ARN',
    },
    {
      id: REPLACEMENT_WARNING_IDS.subscriptionsTable,
      resource: 'the subscriptions table',
      props: !props.channels || props.channels.subscriptionsTable ? [] : set({
        'channels.subscriptionsTableProps.tableName': props.channels.subscriptionsTableProps?.tableName,
      }),
      loss: `${destroyedTable}; every subscription until its client subscribes again`,
    },
    {
      id: REPLACEMENT_WARNING_IDS.historyTable,
      resource: 'the history table',
      props: !props.channels || props.channels.historyTable ? [] : set({
        'channels.historyTableProps.tableName': props.channels.historyTableProps?.tableName,
      }),
      loss: `${destroyedTable}; every channel's history`,
    },
    {
      id: REPLACEMENT_WARNING_IDS.presenceTable,
      resource: 'the presence table',
      props: !props.lifecycleEvents || props.lifecycleEvents.presenceTable ? [] : set({
        'lifecycleEvents.presenceTableProps.tableName': props.lifecycleEvents.presenceTableProps?.tableName,
      }),
      loss: `${destroyedTable}; who is online, until each user connects again`,
    },
  ];
}

/**
 * A warning on the pusher for each resource it creates whose replacement a set prop would cause if it changed on a
 * deployed stack (CloudFormation replaces a table whose key schema or name changes, a queue or topic whose name or
 * FIFO-ness changes). Synthesis cannot know the deployed value, so the warning says it whenever such a prop is set; a
 * default value is named in no warning, and a resource the app gives is the app's (`queueProps` and `topicProps` are
 * refused beside `queue` and `topic`, or with the source turned off).
 */
export function warnOfReplacements(scope: Construct, props: WebsocketPusherProps): void {
  for (const r of replacementsOf(props).filter((x) => x.props.length > 0)) {
    const many = r.props.length > 1;
    const names = r.props.map((name) => `\`${name}\``).join(' and ');
    const fixedName = r.props.some((name) => /Name$/.test(name))
      ? ' A fixed name also makes any replacement fail while the old resource holds the name.'
      : '';
    Annotations.of(scope).addWarningV2(r.id, `${names} ${many ? 'are' : 'is'} set: changing ${many ? 'any of them' : 'it'} on a `
      + `deployed stack replaces ${r.resource}, and loses ${r.loss}.${fixedName} Choose ${many ? 'them' : 'it'} once, then `
      + `acknowledge this warning: Annotations.of(pusher).acknowledgeWarning('${r.id}', 'chosen for good').`);
  }
}
