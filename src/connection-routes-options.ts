import { Duration } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { AUTHORIZER_CONTEXT_KEY } from './shared/constants';

/** Where a connection's user id comes from. */
export enum ConnectionUserIdSource {
  /** A key of the `$connect` Lambda authorizer's answer (`principalId` or a key of its `context`). */
  AUTHORIZER = 'AUTHORIZER',
  /** The ARN of the IAM principal that signed the `$connect` request. */
  IAM_CALLER = 'IAM_CALLER',
  /** The connection id itself: every connection is its own user. */
  ANONYMOUS = 'ANONYMOUS',
}


/**
 * Where the `$connect` and `$disconnect` routes of `connectionRoutes` read a connection's user id from, at run time.
 *
 * There is deliberately no way to take it from the query string or a header: a user id the client chooses would let
 * anyone receive anyone's messages. The id comes from an authorizer, or each connection is anonymous.
 *
 * @example
 * // A Lambda authorizer whose answer has principalId 'alice' and, in its context, tenant 'acme'
 * ConnectionUserId.fromAuthorizer();            // user id 'alice'
 * ConnectionUserId.fromAuthorizer('tenant');    // user id 'acme' (one "user" per tenant)
 */
export class ConnectionUserId {
  /**
   * A key of the `$connect` route's Lambda authorizer answer: `principalId`, or a key of its `context`
   * (`$context.authorizer.<key>`). API Gateway passes that context to every route of the connection, so
   * `$disconnect` knows the user id too. Needs `authorizer`. A connection whose authorizer answer lacks the key is
   * refused, never stored without a user id.
   *
   * @param key - the authorizer key (letters, digits, `_`; not starting with a digit)
   * @default 'principalId'
   */
  public static fromAuthorizer(key: string = 'principalId'): ConnectionUserId {
    if (!AUTHORIZER_CONTEXT_KEY.test(key)) {
      throw new Error(`ConnectionUserId.fromAuthorizer: the key must be letters, digits and _ (not starting with a digit), got '${key}'`);
    }
    return new ConnectionUserId(ConnectionUserIdSource.AUTHORIZER, `$context.authorizer.${key}`);
  }

  /**
   * The ARN of the IAM principal that signed the `$connect` request (`$context.identity.userArn`), for an
   * IAM-authorized `$connect` (`WebSocketIamAuthorizer`).
   */
  public static fromIamCaller(): ConnectionUserId {
    return new ConnectionUserId(ConnectionUserIdSource.IAM_CALLER, '$context.identity.userArn');
  }

  /**
   * Each connection is its own user (the user id is the connection id): for broadcast-only applications. No
   * authorizer is needed.
   */
  public static anonymous(): ConnectionUserId {
    return new ConnectionUserId(ConnectionUserIdSource.ANONYMOUS, '$context.connectionId');
  }

  /** Where the user id comes from. */
  public readonly source: ConnectionUserIdSource;

  /** The mapping-template reference that yields the user id, e.g. `$context.authorizer.principalId`. */
  public readonly reference: string;

  private constructor(source: ConnectionUserIdSource, reference: string) {
    this.source = source;
    this.reference = reference;
  }
}

/* eslint-disable tsdoc/syntax -- jsii takes an @example as code, with no fence; TSDoc would read its braces as inline tags */
/**
 * `$connect` and `$disconnect` routes that keep the connections table without a Lambda function: API Gateway
 * writes the row with a DynamoDB `PutItem` on connect and deletes it with `DeleteItem` on disconnect.
 *
 * The row: `userIdAttribute` (from `userId`), `connectionIdAttribute` (`$context.connectionId`), the TTL attribute
 * as a Number of epoch seconds (connect time + `connectionTtl`), and the `authorizerContextAttributes`.
 *
 * @example
 * new WebsocketPusher(this, 'Pusher', {
 *   webSocketStage: stage,
 *   connectionRoutes: {
 *     userId: ConnectionUserId.fromAuthorizer(),
 *     authorizer: new WebSocketLambdaAuthorizer('Authorizer', authorizerFunction, { identitySource: ['route.request.querystring.token'] }),
 *   },
 * });
 */
/* eslint-enable tsdoc/syntax */
export interface ConnectionRoutesOptions {
  /** Where each connection's user id comes from. */
  readonly userId: ConnectionUserId;

  /**
   * The `$connect` route's authorizer: required with `ConnectionUserId.fromAuthorizer` (a Lambda authorizer) and
   * `ConnectionUserId.fromIamCaller` (a `WebSocketIamAuthorizer`).
   *
   * @default - none: only allowed with `ConnectionUserId.anonymous()`
   */
  readonly authorizer?: apigwv2.IWebSocketRouteAuthorizer;

  /**
   * How long after connecting a row expires (its TTL attribute); at least 2 hours, API Gateway's longest
   * connection. The pusher skips expired rows, and DynamoDB deletes them, so a row whose `$disconnect` never ran
   * does not live forever.
   *
   * @default Duration.minutes(125) - five minutes over the 2-hour connection limit
   */
  readonly connectionTtl?: Duration;

  /**
   * Keys of the authorizer's `context` stored in the row too, under the same attribute names (for example a
   * tenant, for your own queries). A key the authorizer did not return is left out of the row.
   *
   * @default - none
   */
  readonly authorizerContextAttributes?: string[];
}
