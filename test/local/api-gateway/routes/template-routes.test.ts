import type { CloudTemplate } from '../../../../local/template/intrinsics';
import { localAppTemplate } from '../../../../local/template/local-app';
import { useLocalSystem } from '../../../e2e/support';

const authorizer = ({ query }: { query: Readonly<Record<string, string>> }) => (query.token === 't-alice' ? { principalId: 'alice' } : undefined);

describe('a template without integration responses (as this construct synthesized before)', () => {
  /** The local app's template with every integration and route response removed. */
  function withoutResponses(): CloudTemplate {
    const template = localAppTemplate({ authorizerContextAttributes: ['tenant'] });
    const resources = Object.entries(template.Resources)
      .filter(([, r]) => r.Type !== 'AWS::ApiGatewayV2::IntegrationResponse' && r.Type !== 'AWS::ApiGatewayV2::RouteResponse');
    return { Resources: Object.fromEntries(resources) };
  }
  const bare = useLocalSystem({ template: withoutResponses(), authorizer });

  test('every $connect fails as on API Gateway, even a PutItem that succeeded, and the failure names the missing response', async () => {
    // WHEN / THEN
    await expect(bare.system.open('alice', { query: { token: 't-alice' } })).rejects.toThrow('connect refused: 500');
    expect(bare.system.routes.failures).toEqual([expect.objectContaining({
      routeKey: '$connect',
      status: 200,
      reason: expect.stringMatching(/^Execution failed due to configuration error: No match for output mapping and no default output mapping configured\. Endpoint response status code: 200: \$connect's integration PusherConnectRouteConnectIntegration\w+ has no integration response$/),
    })]);
    // DynamoDB did write the row: API Gateway fails after the PutItem, so a row is left for a client that never connected
    expect(await bare.system.keys()).toEqual([{ userId: 'alice', connectionId: expect.any(String) }]);
  });
});

describe('a $connect whose backend cannot be reached', () => {
  const local = useLocalSystem({ authorizer, dynamoFaults: true, handler: false });

  test('is refused, and the failure says why, as API Gateway logs an execution failure', async () => {
    // GIVEN the faults proxy gone: DynamoDB cannot be reached at all
    await local.system.dynamodb.faults!.stop();

    // WHEN / THEN
    await expect(local.system.open('alice', { query: { token: 't-alice' } })).rejects.toThrow('connect refused: 500');
    expect(local.system.routes.failures).toEqual([expect.objectContaining({ routeKey: '$connect', status: 0, reason: expect.stringMatching(/^Execution failed: .*ECONNREFUSED/) })]);
  });
});

