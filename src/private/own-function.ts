import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { CONSTRUCT_DEFAULTS } from './defaults';
import { suppressNag } from './nag';
import { createServiceRole } from './permissions';
import { PUSHER_METADATA_KEY } from '../shared/constants';

/** The timeout of the construct's own functions (the channels and connection stream functions). */
export const OWN_FUNCTION_TIMEOUT = Duration.seconds(30);

/** One of the construct's own functions: its own log group and role, arm64, its metadata marker for the local system. */
export function ownFunction(scope: Construct, id: string, kind: string, create: (props: lambda.FunctionOptions) => lambda.Function,
  environment: Record<string, string>) {
  const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, { retention: CONSTRUCT_DEFAULTS.LOG_RETENTION });
  const role = createServiceRole(scope, logGroup, `WebsocketPusher ${kind} function`, `${id}Role`);
  const fn = create({
    description: `WebsocketPusher: ${kind}`,
    role,
    logGroup,
    architecture: lambda.Architecture.ARM_64,
    memorySize: 512,
    timeout: OWN_FUNCTION_TIMEOUT,
    environment,
  });
  (fn.node.defaultChild as lambda.CfnFunction).addMetadata(PUSHER_METADATA_KEY, { function: kind });
  suppressNag(fn, 'AwsSolutions-L1', `The ${kind} bundle is built and tested for Node.js 22.`);
  return fn;
}
