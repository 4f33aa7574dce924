import { Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ConnectionsTableProps } from './connections-table-props';

/** Who decides whether a connection may subscribe to a channel a rule covers. */
export enum ChannelRuleKind {
  /** The pattern alone: any connection whose identity matches it (its placeholders bind to the connection's). */
  ALLOW = 'allow',
  /** The application's function, invoked for each subscribe. */
  HOOK = 'hook',
}

/** What a channel rule turns on for the channels it covers. */
export interface ChannelRuleOptions {
  /**
   * Presence on these channels: subscribers receive `{"type":"presence","channel":…,"event":"join"|"leave","user":…}`
   * when a user's first connection subscribes and when their last one leaves (at once on `unsubscribe`; after the
   * grace period when it dropped, listed until then), never about themselves; `{"action":"presence","channel":…}`
   * answers the first 100 members in user id order and their exact count. Needs `lifecycleEvents` (its presence table
   * and grace period).
   *
   * @default false
   */
  readonly presence?: boolean;

  /**
   * History on these channels, kept this long: from 1 minute to 30 days, in whole seconds. Each message published to
   * one of them gets `seq` (consecutive per channel: 1, 2, 3 … no gaps) and the channel's `epoch` in its envelope, and
   * is kept for the retention (a TTL in the history table); `{"action":"resume","channel":…,"since":N,"epoch":…}`
   * replays what a client missed after `since`, in order, then answers `resumed` (or `reset`, with the channel's
   * current position, when the epoch changed or `since` is older than what is kept), and subscribes the connection
   * as `subscribe` does; `subscribed` then also tells the channel's last `seq` and its `epoch`. Needs
   * `messageFormat: MessageFormat.ENVELOPE`, as channels do.
   *
   * History belongs to the channel, whoever asks: a channel's history is decided by the first rule whose pattern
   * covers its name with every placeholder (`{userId}`, `{context.<key>}`) read as `*` (the publisher has no
   * identity), which may be an earlier rule than the one that judges a subscribe.
   *
   * @default - no history
   */
  readonly history?: Duration;
}

/* eslint-disable tsdoc/syntax -- jsii takes an @example as code, with no fence; TSDoc would read its braces as inline tags */
/**
 * Which channels a client may subscribe to. A pattern is 1 to 8 segments joined by `/`: a literal segment, `*` (any one
 * segment), `{userId}` (the connection's user id) or `{context.<key>}` (a value of its authorizer's context). A channel
 * no rule covers is refused (`FORBIDDEN`); the first rule that covers it decides. A placeholder value that is not itself
 * a valid segment (it holds a `/`, say) never matches.
 *
 * @example
 * ChannelRule.allow('news/*');                     // any connection, any news channel
 * ChannelRule.allow('user/{userId}/inbox');         // each user its own inbox only
 * ChannelRule.allow('tenant/{context.tenant}/*');   // the channels of the connection's tenant
 * ChannelRule.hook('room/*', roomAccessFunction);    // the application decides
 * ChannelRule.allow('lobby/*', { presence: true });  // who is in the lobby
 * ChannelRule.allow('feed/*', { history: Duration.hours(1) }); // clients resume what they missed in the last hour
 */
/* eslint-enable tsdoc/syntax */
export class ChannelRule {
  /**
   * Channels matching `pattern`: any connection whose identity fits its placeholders may subscribe.
   *
   * @param pattern - segments, `*`, `{userId}`, `{context.<key>}`, joined by `/`
   * @param options - presence and history on the channels
   */
  public static allow(pattern: string, options: ChannelRuleOptions = {}): ChannelRule {
    return new ChannelRule(pattern, ChannelRuleKind.ALLOW, undefined, options);
  }

  /**
   * Channels matching `pattern`, for which `handler` decides each subscribe. It is invoked synchronously with
   * `{"type":"subscribe","channel","userId","connectionId","context":{…}}` and answers `{"allow": true}` to let the
   * connection in or `{"allow": false}` to refuse it (`FORBIDDEN`, final; a refused repeat subscribe also ends the
   * subscription the connection had). Anything else is `UNAVAILABLE` (the client tries again): an invoke that fails or
   * gets no answer within 10 seconds, a handler that throws or times out, an answer without a boolean `allow`.
   *
   * @param pattern - segments, `*`, `{userId}`, `{context.<key>}`, joined by `/`
   * @param handler - the application's function
   * @param options - presence and history on the channels (the hook then also judges each `presence` message, its
   * event's `type` being `presence`, and each `resume` as it judges a subscribe)
   */
  public static hook(pattern: string, handler: lambda.IFunction, options: ChannelRuleOptions = {}): ChannelRule {
    return new ChannelRule(pattern, ChannelRuleKind.HOOK, handler, options);
  }

  /** The channels the rule covers. */
  public readonly pattern: string;

  /** Who decides. */
  public readonly kind: ChannelRuleKind;

  /** The application's function, for a hook rule. */
  public readonly handler?: lambda.IFunction;

  /** Whether the channels it covers have presence. */
  public readonly presence: boolean;

  /** How long the channels it covers keep their messages (undefined without history). */
  public readonly history?: Duration;

  private constructor(pattern: string, kind: ChannelRuleKind, handler: lambda.IFunction | undefined, options: ChannelRuleOptions) {
    this.pattern = pattern;
    this.kind = kind;
    this.handler = handler;
    // A JavaScript caller may pass anything: kept as given, refused at synth unless a boolean (validate-props.ts).
    this.presence = options?.presence ?? false;
    // Likewise: refused at synth unless a Duration of whole seconds from 1 minute to 30 days.
    this.history = options?.history;
  }
}

/**
 * Channels: clients subscribe (`{"action":"subscribe","channel":"room/42"}`), and requests publish to them (a request's
 * `channels`). Needs `connectionRoutes` (a subscribe is judged by the identity `$connect` stored) and
 * `messageFormat: MessageFormat.ENVELOPE` (a client subscribed to two channels tells them apart by the envelope's
 * `channel`).
 */
export interface ChannelsOptions {
  /**
   * Which channels clients may subscribe to: the first rule whose pattern covers a channel decides. At least one.
   */
  readonly rules: ChannelRule[];

  /**
   * Subscriptions one connection may hold, from 1 to 1,000; a subscribe beyond is refused (`TOO_MANY_SUBSCRIPTIONS`).
   *
   * @default 50
   */
  readonly maxSubscriptionsPerConnection?: number;

  /**
   * Partitions each channel's subscriptions are spread over, from 1 to 100, by connection id. A DynamoDB partition takes
   * 1,000 writes a second: a shard takes about 1,000 subscribes, unsubscribes and cleanups a second together, so a
   * channel 5,000 clients join in the same second needs 5 shards or more. Reads are not the limit (a shard's short
   * rows read at over 100,000 a second). Each publish reads every shard of its channels: more shards cost one Query
   * more per publish and shard. Fixed once deployed: a row's shard is computed from the count, so a changed count
   * leaves rows where nothing reads them (deploy a new table to change it).
   *
   * @default 1
   */
  readonly shards?: number;

  /**
   * An existing subscriptions table: partition key `channel_key` (string), sort key `connection_id` (string), a GSI
   * `by_connection` with partition key `connection_id` (string) and sort key `channel_key`, TTL on `expires_at`.
   *
   * @default - a table is created
   */
  readonly subscriptionsTable?: dynamodb.ITable;

  /**
   * Settings of the created subscriptions table (not with `subscriptionsTable`).
   *
   * @default - on demand, point-in-time recovery, `RemovalPolicy.DESTROY` unless `removalPolicy` says otherwise
   */
  readonly subscriptionsTableProps?: ConnectionsTableProps;

  /**
   * An existing history table, for rules with `history`: partition key `channel_key` (string), sort key `seq`
   * (number), TTL on `expires_at`.
   *
   * @default - a table is created when a rule has history
   */
  readonly historyTable?: dynamodb.ITable;

  /**
   * Settings of the created history table, when a rule has history (not with `historyTable`).
   *
   * @default - on demand, point-in-time recovery, `RemovalPolicy.DESTROY` unless `removalPolicy` says otherwise
   */
  readonly historyTableProps?: ConnectionsTableProps;
}
