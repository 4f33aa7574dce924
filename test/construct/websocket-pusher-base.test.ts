import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { stackWithStage } from './support';
import { IWebsocketPusher, WebsocketPusher, WebsocketPusherBase } from '../../src';

/** What a construct of an application does with a pusher it is given, knowing it only as `IWebsocketPusher`. */
function useAnyPusher(scope: Construct, pusher: IWebsocketPusher) {
  const backend = new iam.Role(scope, 'Backend', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const grants = [pusher.grantPublish(backend), pusher.grantWriteConnections(backend), pusher.grantReadConnections(backend)];
  const metrics = [
    pusher.metric('Pruned'), pusher.metricRequests(), pusher.metricInvalidRequests(), pusher.metricFailedRequests(), pusher.metricDelivered(),
    pusher.metricGone(), pusher.metricFailed(), pusher.metricRetried(), pusher.metricDuration(), pusher.metricRequeued(),
    pusher.metricWorkItems(), pusher.metricFailedWorkItems(),
  ];
  return { grants, metrics };
}

/** The statements of the backend's policy, with tokens as the template writes them. */
function backendStatements(stack: Stack): any[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  return Object.entries(policies).filter(([id]) => id.startsWith('BackendDefaultPolicy'))
    .flatMap(([, policy]: [string, any]) => policy.Properties.PolicyDocument.Statement);
}

const METRIC_NAMES = ['Pruned', 'Requests', 'InvalidRequests', 'FailedRequests', 'Delivered', 'Gone', 'Failed', 'Retried', 'Duration', 'Requeued',
  'WorkItems', 'FailedWorkItems'];

/** A pusher deployed elsewhere, known here by its attributes: `WebsocketPusherBase` gives it every method. */
class DeployedPusher extends WebsocketPusherBase {
  public readonly serviceName = 'chat-pusher';
  public readonly metricsNamespace = 'Chat';
  public readonly connectionsTable: dynamodb.ITable;
  public readonly queue?: sqs.IQueue;
  public readonly topic?: sns.ITopic;
  public readonly lifecycleEventBus?: events.IEventBus;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.connectionsTable = dynamodb.Table.fromTableName(this, 'Table', 'chat-connections');
    this.queue = sqs.Queue.fromQueueArn(this, 'Queue', 'arn:aws:sqs:eu-west-1:111111111111:chat-requests');
  }
}

describe('IWebsocketPusher: metrics and grants on the interface', () => {
  test('a function typed against IWebsocketPusher grants and reads metrics of a WebsocketPusher', () => {
    // GIVEN
    const { stack, stage } = stackWithStage();
    const pusher = new WebsocketPusher(stack, 'Pusher', { webSocketStage: stage, serviceName: 'svc' });

    // WHEN
    const { grants, metrics } = useAnyPusher(stack, pusher);

    // THEN the backend may publish to both sources, write and read the table
    expect(grants.every((grant) => grant.success)).toBe(true);
    const actions = backendStatements(stack).map((s) => s.Action);
    expect(actions).toEqual([
      'sns:Publish',
      ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
      ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
      ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'],
    ]);
    // THEN every metric is the pusher's
    expect(metrics.map((m: cloudwatch.Metric) => [m.namespace, m.dimensions, m.metricName]))
      .toEqual(METRIC_NAMES.map((name) => ['WebsocketPusher', { service: 'svc' }, name]));
  });

  test('WebsocketPusherBase gives a pusher of attributes only (no resources of its own) every metric and grant', () => {
    // GIVEN
    const { stack } = stackWithStage();
    const pusher = new DeployedPusher(stack, 'Deployed');

    // WHEN
    const { metrics } = useAnyPusher(stack, pusher);

    // THEN the grants are on the given queue and table
    expect(backendStatements(stack)).toEqual([
      expect.objectContaining({ Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], Resource: 'arn:aws:sqs:eu-west-1:111111111111:chat-requests' }),
      expect.objectContaining({ Action: ['dynamodb:PutItem', 'dynamodb:DeleteItem'], Resource: expect.objectContaining({ 'Fn::Join': expect.anything() }) }),
      expect.objectContaining({ Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'] }),
    ]);
    expect(metrics.map((m: cloudwatch.Metric) => [m.namespace, m.dimensions])).toEqual(METRIC_NAMES.map(() => ['Chat', { service: 'chat-pusher' }]));
  });

  test('grantPublish of a pusher with neither a queue nor a topic names it', () => {
    // GIVEN a pusher of attributes without a source
    const { stack } = stackWithStage();
    const pusher = new (class extends DeployedPusher {
      public readonly queue = undefined;
    })(stack, 'Sourceless');

    // WHEN / THEN
    expect(() => pusher.grantPublish(new iam.AccountRootPrincipal()))
      .toThrow('WebsocketPusher.grantPublish: TestStack/Sourceless has neither a queue nor a topic to publish to');
  });
});
