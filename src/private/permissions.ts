import { Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { suppressNag } from './nag';

/** A role of its own, so the function can write only to its log group (no AWSLambdaBasicExecutionRole). */
export function createServiceRole(scope: Construct, logGroup: logs.ILogGroup,
  description = 'Pusher function: its log group, the connections table, ManageConnections on one stage', id = 'ServiceRole'): iam.Role {
  const role = new iam.Role(scope, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description });
  logGroup.grantWrite(role);
  return role;
}

/** The pusher on the subscriptions table: Query per channel shard, BatchWriteItem to prune a gone connection's row. */
export function grantChannelReads(grantee: iam.IGrantable, table: dynamodb.ITable) {
  iam.Grant.addToPrincipal({ grantee, actions: ['dynamodb:Query', 'dynamodb:BatchWriteItem'], resourceArns: [table.tableArn] });
  table.encryptionKey?.grantDecrypt(grantee);
}

/** Only what the handler does: Query per user, Scan for broadcasts, BatchWriteItem to prune stale rows. */
export function grantTableAccess(grantee: iam.IGrantable, table: dynamodb.ITable) {
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['dynamodb:Query', 'dynamodb:Scan', 'dynamodb:BatchWriteItem'],
    resourceArns: [table.tableArn],
  });
  table.encryptionKey?.grantDecrypt(grantee);
}

/**
 * `execute-api:ManageConnections` on `POST` `@connections/{id}` of this one stage, and `DELETE` only with
 * `enableDisconnect`: nothing else.
 */
export function grantManageConnections(scope: Construct, role: iam.Role, stage: apigwv2.IWebSocketStage, disconnect: boolean) {
  const methods = disconnect ? ['POST', 'DELETE'] : ['POST'];
  iam.Grant.addToPrincipal({
    grantee: role,
    actions: ['execute-api:ManageConnections'],
    resourceArns: methods.map((method) => Stack.of(scope).formatArn({
      service: 'execute-api',
      resource: stage.api.apiId,
      resourceName: `${stage.stageName}/${method}/@connections/*`,
    })),
  });
  suppressNag(role.node.findChild('DefaultPolicy'), 'AwsSolutions-IAM5',
    `Connection ids are only known at run time: the wildcard is limited to ${methods.join(' and ')} @connections/* of one API stage.`,
    [{ regex: `/^Resource::arn:<AWS::Partition>:execute-api:.*\\/${methods.length > 1 ? `(${methods.join('|')})` : methods[0]}\\/@connections\\/\\*$/g` }]);
}

/** What an application's own reader of the table needs: `GetItem`, `Query` and `Scan`, and the key's decryption. */
export function grantReadConnections(grantee: iam.IGrantable, table: dynamodb.ITable): iam.Grant {
  const grant = iam.Grant.addToPrincipal({ grantee, actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'], resourceArns: [table.tableArn] });
  table.encryptionKey?.grantDecrypt(grantee);
  return grant;
}

/**
 * In a VPC, Lambda manages the function's network interfaces with its role: the actions of AWS's
 * `AWSLambdaVPCAccessExecutionRole`, without its logs wildcard (the role already writes to its own log group).
 */
export function grantVpcAccess(role: iam.Role) {
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: [
      'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses',
    ],
    resources: ['*'],
  }));
  suppressNag(role.node.findChild('DefaultPolicy'), 'AwsSolutions-IAM5',
    'Lambda\'s VPC networking: EC2 network-interface actions support no resource-level scoping (AWSLambdaVPCAccessExecutionRole uses * too).',
    [{ regex: '/^Resource::\\*$/g' }]);
}

/**
 * What a `$connect` / `$disconnect` writer needs (the routes' role, or an application's own handler): `PutItem` and
 * `DeleteItem` on the table, and with a customer-managed key the three KMS actions a write uses, no wildcard.
 */
export function grantWriteConnections(grantee: iam.IGrantable, table: dynamodb.ITable): iam.Grant {
  const grant = iam.Grant.addToPrincipal({ grantee, actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'], resourceArns: [table.tableArn] });
  table.encryptionKey?.grant(grantee, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
  return grant;
}
