import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type QueueAttributeName,
} from '@aws-sdk/client-sqs';
import { LOCAL_ACCOUNT, localClientConfig } from '../../identity';
import { freePort, LOOPBACK } from '../../net';
import { MOTO_VENV } from '../../paths';

/** A queue created on the server, with what a Lambda event source and the handler need to know of it. */
export interface LocalQueue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
}

export interface QueueOptions {
  /** Dead-letter queue and the receives before a message moves there. */
  readonly deadLetter?: { readonly queue: LocalQueue; readonly maxReceiveCount: number };
  /** @default 30 */
  readonly visibilityTimeoutSeconds?: number;
  /** A FIFO queue (its name must end in `.fifo`), with content-based deduplication when asked. */
  readonly fifo?: { readonly contentBasedDeduplication?: boolean };
}

/** Message counts of a queue, as SQS reports them (exact on moto). */
export interface QueueDepth {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

/** The moto version the local system is tested with (`install-moto.sh` installs it; the hint below names it). */
export const MOTO_VERSION = '5.2.5';

/**
 * The Python that has moto's server: `MOTO_PYTHON`, the `.venv-moto` that `local/aws/moto/install-moto.sh` makes (next
 * to this repository's sources, or in the current directory), or `python3` when it can import moto.
 */
function motoPython(): string {
  const candidates = [process.env.MOTO_PYTHON, path.join(MOTO_VENV, 'bin', 'python'), path.resolve('.venv-moto', 'bin', 'python')];
  const found = candidates.find((p): p is string => !!p && existsSync(p))
    ?? (spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore' }).status === 0 ? 'python3' : undefined);
  if (!found) {
    throw new Error(`moto is not installed (the local SQS, SNS and EventBridge): run \`python3 -m venv .venv-moto && .venv-moto/bin/pip install "moto[server]==${MOTO_VERSION}"\` `
      + 'in this directory, or set MOTO_PYTHON to a Python that has it');
  }
  return found;
}

/**
 * moto's server (real SQS-, SNS- and EventBridge-compatible endpoints, from PyPI) in a child process on a free loopback port. Install
 * it first with `local/aws/moto/install-moto.sh`; `start()` fails, never skips, when it is missing.
 */
export class MotoServer {
  static async start(options: { timeoutMs?: number; port?: number } = {}): Promise<MotoServer> {
    const python = motoPython();
    const port = options.port ?? await freePort();
    const child = spawn(python, ['-m', 'moto.server', '-H', LOOPBACK, '-p', String(port)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
    const stderr: string[] = [];
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr.push(chunk);
      if (stderr.length > 50) stderr.shift();
    });
    const server = new MotoServer(child, `http://${LOOPBACK}:${port}`);
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      if (child.exitCode !== null) {
        throw new Error(`moto exited with code ${child.exitCode}: ${stderr.join('').slice(-2_000)}`);
      }
      try {
        await server.client.send(new GetQueueAttributesCommand({ QueueUrl: `${server.endpoint}/${LOCAL_ACCOUNT}/none` }));
        break;
      } catch (e) {
        // Any SQS answer (here: no such queue) means the server is up; a refused connection means not yet.
        if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode) break;
      }
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`moto did not answer on ${server.endpoint} in time: ${stderr.join('').slice(-2_000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return server;
  }

  readonly client: SQSClient;
  readonly sns: SNSClient;
  /** moto's EventBridge: buses, rules, PutEvents with EventBridge's pattern matching, delivery to SQS targets. */
  readonly events: EventBridgeClient;

  private constructor(private readonly child: ChildProcess, readonly endpoint: string) {
    this.client = new SQSClient({ ...localClientConfig(endpoint), maxAttempts: 1 });
    this.sns = new SNSClient(localClientConfig(endpoint));
    this.events = new EventBridgeClient(localClientConfig(endpoint));
  }

  /** A topic; its ARN. */
  async createTopic(name: string): Promise<string> {
    const { TopicArn } = await this.sns.send(new CreateTopicCommand({ Name: name }));
    return TopicArn!;
  }

  /** Subscribes a queue to a topic (SNS writes its JSON envelope as each message's body); the subscription's ARN. */
  async subscribeQueue(topicArn: string, queue: LocalQueue): Promise<string> {
    const { SubscriptionArn } = await this.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue.arn }));
    return SubscriptionArn!;
  }

  async createQueue(name: string, options: QueueOptions = {}): Promise<LocalQueue> {
    const attributes: Partial<Record<QueueAttributeName, string>> = {
      VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30),
    };
    if (options.fifo) {
      attributes.FifoQueue = 'true';
      if (options.fifo.contentBasedDeduplication) attributes.ContentBasedDeduplication = 'true';
    }
    if (options.deadLetter) {
      attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: options.deadLetter.queue.arn, maxReceiveCount: options.deadLetter.maxReceiveCount,
      });
    }
    const { QueueUrl: url } = await this.client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    const { Attributes } = await this.client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
    return { name, url: url!, arn: Attributes!.QueueArn! };
  }

  async depth(queue: LocalQueue): Promise<QueueDepth> {
    const { Attributes = {} } = await this.client.send(new GetQueueAttributesCommand({
      QueueUrl: queue.url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }));
    return {
      visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  }

  /** Receives (and hides for a minute) every visible message of a queue: to inspect a dead-letter queue. */
  async drain(queue: LocalQueue): Promise<Array<{ body: string; receiveCount: number }>> {
    const out: Array<{ body: string; receiveCount: number }> = [];
    for (;;) {
      const { Messages = [] } = await this.client.send(new ReceiveMessageCommand({
        QueueUrl: queue.url, MaxNumberOfMessages: 10, VisibilityTimeout: 60, MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }));
      if (Messages.length === 0) return out;
      out.push(...Messages.map((m) => ({ body: m.Body ?? '', receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0) })));
    }
  }

  async stop(): Promise<void> {
    this.client.destroy();
    this.sns.destroy();
    this.events.destroy();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
