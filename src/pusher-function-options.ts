import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';

/**
 * Settings of the pusher function: its size, where it runs, how it is observed. Part of `WebsocketPusherProps`.
 */
export interface PusherFunctionOptions {
  /**
   * Memory of the pusher function, in MB, from 128 to 10,240. More memory also gives more CPU (one vCPU at 1,769 MB):
   * at 1,024 MB a broadcast reaches the Management API's bound at 128 in flight and 20 ms, and the function costs about
   * $0.002 per million deliveries next to API Gateway's $1.00 per million messages (README, *Sizing*).
   *
   * @default 1024
   */
  readonly memorySize?: number;

  /**
   * Timeout of the pusher function, from 1 second to 15 minutes. A given `queue`'s visibility timeout must be at
   * least this long.
   *
   * @default Duration.minutes(1)
   */
  readonly timeout?: Duration;

  /**
   * Reserved concurrent executions of the pusher function.
   *
   * @default - no reservation
   */
  readonly reservedConcurrentExecutions?: number;

  /**
   * Instruction set of the pusher function.
   *
   * @default Architecture.ARM_64
   */
  readonly architecture?: lambda.Architecture;

  /**
   * Retention of the pusher's log group, when the construct creates it. Cannot be combined with `logGroup`.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The pusher's log group. Cannot be combined with `logRetention`.
   *
   * @default - a log group of the construct's own, kept one month
   */
  readonly logGroup?: logs.ILogGroup;

  /**
   * The Node.js runtime of the pusher function. The handler is built for Node.js 22 and later.
   *
   * @default Runtime.NODEJS_22_X
   */
  readonly runtime?: lambda.Runtime;

  /**
   * A VPC to run the pusher function in. It must reach DynamoDB, SQS and the API Gateway Management API
   * (NAT, or VPC endpoints for DynamoDB, SQS and `execute-api`).
   *
   * @default - not in a VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Where in `vpc` the function runs. Only with `vpc`.
   *
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups of the function in `vpc`. Only with `vpc`.
   *
   * @default - a security group is created, all outbound traffic allowed
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * AWS X-Ray tracing of the pusher function.
   *
   * @default Tracing.DISABLED
   */
  readonly tracing?: lambda.Tracing;

  /**
   * The KMS key the function's environment variables are encrypted with.
   *
   * @default - the AWS-managed key for Lambda
   */
  readonly environmentEncryption?: kms.IKey;

  /**
   * The `service` dimension of the pusher's metrics and the `service` field of its log lines. Give each pusher its
   * own, so that the metrics of two pushers in one account and Region do not merge.
   *
   * @default - unique and stable per construct: derived from its path in the app
   */
  readonly serviceName?: string;

  /**
   * The CloudWatch namespace of the pusher's metrics.
   *
   * @default 'WebsocketPusher'
   */
  readonly metricsNamespace?: string;
}
