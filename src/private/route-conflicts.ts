import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { IConstruct } from 'constructs';

/**
 * Refuses, when the app is synthesized, another route with one of `ours`' keys on the same API anywhere in the app:
 * CloudFormation would fail on it at deploy. `why(routeKey, path)` says what to do about it.
 */
export function refuseDuplicateRoutes(
  scope: IConstruct, api: apigwv2.IWebSocketApi, ours: readonly apigwv2.WebSocketRoute[], why: (routeKey: string, path: string) => string,
): void {
  scope.node.addValidation({
    validate: () => {
      const own = new Set(ours.map((route) => route.node.defaultChild));
      const keys = new Set(ours.map((route) => route.routeKey));
      return scope.node.root.node.findAll()
        .filter((c): c is apigwv2.CfnRoute => c instanceof apigwv2.CfnRoute && !own.has(c))
        .filter((route) => route.apiId === api.apiId && keys.has(route.routeKey))
        .map((route) => why(route.routeKey, route.node.path));
    },
  });
}
