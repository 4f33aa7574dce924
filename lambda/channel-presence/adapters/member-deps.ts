// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
// eslint-disable-next-line import/no-extraneous-dependencies
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoMemberStore } from './dynamo-member-store';
import { DynamoSubscribedConnections } from './dynamo-subscribed-connections';
import { WorkQueueFrames } from './work-queue-frames';
import type { DynamoConnectionDirectory } from '../../connection-stream/adapters/dynamo-connection-directory';
import type { MemberDeps } from '../core/members';

/** Where channel presence reads and writes. */
export interface MemberResources {
  readonly presenceTableName: string;
  readonly subscriptionsTableName: string;
  /** The subscriptions table's shards per channel. */
  readonly shards: number;
  /** The pusher's work queue (the frames). */
  readonly workQueueUrl: string;
}

/**
 * Channel presence's adapters, the same in the channels function and the connection stream function: the member rows
 * in the presence table, a user's subscribed connections (`connections`, the user's live rows, then each one's
 * subscription row), the frames through the pusher's work queue.
 */
export function dynamoMemberDeps(
  clients: { readonly dynamo: DynamoDBClient; readonly sqs: SQSClient }, connections: DynamoConnectionDirectory, resources: MemberResources,
): MemberDeps {
  const { dynamo, sqs } = clients;
  const { presenceTableName, subscriptionsTableName, shards, workQueueUrl } = resources;
  return {
    members: new DynamoMemberStore(dynamo, presenceTableName),
    subscribed: new DynamoSubscribedConnections(dynamo, { subscriptionsTableName, shards, connections }),
    frames: new WorkQueueFrames(sqs, { queueUrl: workQueueUrl, shards, now: Date.now }),
    now: Date.now,
  };
}
