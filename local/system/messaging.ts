import { queueNames, topicNames, type MutableNames } from './names';
import { ENV } from '../../src/shared/constants';
import type { MessagingIntegrationOptions } from '../api-gateway/routes/integrations/messaging';
import { MotoServer, type LocalQueue } from '../aws/moto/moto-server';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../identity';
import type { CloudTemplate } from '../template/intrinsics';
import { referencedId } from '../template/intrinsics';
import { eventSourceMappings, queues, topics } from '../template/resources';

/** The template's queues and topics on moto, by logical id, and what their `Ref`s and attributes resolve to. */
export interface LocalMessaging {
  readonly moto: MotoServer;
  readonly queues: ReadonlyMap<string, LocalQueue>;
  readonly topics: ReadonlyMap<string, string>;
  readonly names: MutableNames;
}

/**
 * Starts moto and creates the template's queues (dead-letter queues first, with their redrive policies, visibility
 * timeouts and FIFO settings) and topics, named by their logical ids.
 */
export async function startMessaging(template: CloudTemplate): Promise<LocalMessaging> {
  const moto = await MotoServer.start();
  const created = new Map<string, LocalQueue>();
  const createdTopics = new Map<string, string>();
  const names: MutableNames = {};
  try {
    for (const spec of queues(template)) {
      const dlq = spec.deadLetter && created.get(spec.deadLetter.queueLogicalId)!;
      const queue = await moto.createQueue(`${spec.logicalId}${spec.fifo ? '.fifo' : ''}`, {
        visibilityTimeoutSeconds: spec.visibilityTimeoutSeconds,
        ...(spec.fifo ? { fifo: { contentBasedDeduplication: spec.contentBasedDeduplication } } : {}),
        ...(dlq ? { deadLetter: { queue: dlq, maxReceiveCount: spec.deadLetter!.maxReceiveCount } } : {}),
      });
      created.set(spec.logicalId, queue);
      Object.assign(names, queueNames(spec.logicalId, queue));
    }
    for (const logicalId of topics(template)) {
      const arn = await moto.createTopic(logicalId);
      createdTopics.set(logicalId, arn);
      Object.assign(names, topicNames(logicalId, arn));
    }
  } catch (error) {
    await moto.stop();
    throw error;
  }
  return { moto, queues: created, topics: createdTopics, names };
}

/** Where the API's SQS and SNS integrations go: moto, each queue by its name. */
export function messagingIntegration(messaging: LocalMessaging, names: MutableNames): MessagingIntegrationOptions {
  return {
    endpoint: messaging.moto.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    names,
    queueUrl: (queueName) => [...messaging.queues.values()].find((q) => q.name === queueName)?.url,
  };
}

/** The pusher's queues by role: where requests arrive, and its internal work queue with its dead-letter queue. */
export interface PusherQueues {
  /** The request queue its event source mapping reads (absent with `enableQueue: false`). */
  readonly requests?: string;
  readonly work?: string;
  readonly workDeadLetter?: string;
}

/** The logical ids of the pusher's queues, from its environment and its event source mappings. */
export function pusherQueues(template: CloudTemplate, pusherLogicalId: string): PusherQueues {
  const variables = template.Resources[pusherLogicalId]?.Properties?.Environment?.Variables ?? {};
  const work = referencedId(variables[ENV.WORK_QUEUE_ARN]);
  const requests = eventSourceMappings(template, pusherLogicalId).find((m) => m.queueLogicalId !== work)?.queueLogicalId;
  return { requests, work, workDeadLetter: referencedId(variables[ENV.WORK_DEAD_LETTER_QUEUE_URL]) };
}
