import { Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';

/**
 * The stage's execute-api endpoint, computed from its api id and name: `IWebSocketStage.callbackUrl` throws
 * for stages imported with `fromWebSocketStageAttributes`.
 */
export function defaultCallbackUrl(stage: apigwv2.IWebSocketStage): string {
  const stack = Stack.of(stage);
  return `https://${stage.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}/${stage.stageName}`;
}
