import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { DeduplicationOptions } from '../deduplication-options';
import { DEFAULTS, ENV } from '../shared/constants';

/**
 * The idempotency table of Powertools' DynamoDB persistence layer (hash key `id`, TTL `expiration`, on-demand; its
 * rows live for the window, so it is destroyed with the stack), what the handler does on it (GetItem, PutItem,
 * UpdateItem, DeleteItem: nothing else), and the handler settings.
 */
export function addDeduplication(scope: Construct, fn: lambda.Function, role: iam.IRole, options: DeduplicationOptions): dynamodb.Table {
  const table = new dynamodb.Table(scope, 'DeduplicationTable', {
    partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: 'expiration',
    removalPolicy: RemovalPolicy.DESTROY,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
  });
  iam.Grant.addToPrincipal({
    grantee: role,
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
    resourceArns: [table.tableArn],
  });
  const window = options.window ?? Duration.seconds(DEFAULTS.DEDUPLICATION_WINDOW_SECONDS);
  fn.addEnvironment(ENV.IDEMPOTENCY_TABLE_NAME, table.tableName);
  fn.addEnvironment(ENV.DEDUPLICATION_WINDOW_SECONDS, String(window.toSeconds()));
  return table;
}
