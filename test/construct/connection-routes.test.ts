import { Duration, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketIamAuthorizer, WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketMockIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { integrationsWithoutResponse, nagFindings, stackWithStage } from './support';
import { ConnectionRoutesOptions, ConnectionUserId, WebsocketPusher, WebsocketPusherProps } from '../../src';

function setup() {
  const { app, stack, api, stage } = stackWithStage();
  const authorizerFunction = new lambda.Function(stack, 'AuthorizerFunction', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  });
  const authorizer = new WebSocketLambdaAuthorizer('Authorizer', authorizerFunction, { identitySource: ['route.request.querystring.token'] });
  return { app, stack, api, stage, authorizer };
}

/** Synthesizes a pusher with these routes; every configuration's integrations must each have an integration response. */
function synth(routes: (s: ReturnType<typeof setup>) => ConnectionRoutesOptions, props: Partial<WebsocketPusherProps> = {}) {
  const s = setup();
  const pusher = new WebsocketPusher(s.stack, 'Pusher', { webSocketStage: s.stage, connectionRoutes: routes(s), ...props });
  const template = Template.fromStack(s.stack);
  expect(integrationsWithoutResponse(template.toJSON())).toEqual([]);
  return { ...s, pusher, template };
}

const fromAuthorizer = (s: ReturnType<typeof setup>): ConnectionRoutesOptions => ({
  userId: ConnectionUserId.fromAuthorizer(),
  authorizer: s.authorizer,
});

function integration(template: Template, routeKey: string): any {
  const [route] = Object.values(template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: routeKey } })) as any[];
  const target = route.Properties.Target['Fn::Join'][1][1].Ref;
  return template.toJSON().Resources[target].Properties;
}

/** The request template with CloudFormation's Fn::Join of the table name resolved to TABLE. */
function requestTemplate(template: Template, routeKey: string): string {
  const value = integration(template, routeKey).RequestTemplates.$default;
  if (typeof value === 'string') return value;
  return value['Fn::Join'][1].map((part: any) => (typeof part === 'string' ? part : 'TABLE')).join('');
}

describe('routes', () => {
  test('adds $connect and $disconnect with the authorizer on $connect only, and ping (enablePingRoute\'s default)', () => {
    // WHEN
    const { template } = synth(fromAuthorizer);

    // THEN
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 3);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'ping', AuthorizationType: 'NONE' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: '$connect',
      AuthorizationType: 'CUSTOM',
      AuthorizerId: { Ref: Match.stringLikeRegexp('Authorizer') },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$disconnect', AuthorizationType: 'NONE' });
  });

  test.each([['$connect', 'PutItem'], ['$disconnect', 'DeleteItem']])('%s: an AWS integration to DynamoDB %s', (routeKey, action) => {
    // WHEN
    const { template } = synth(fromAuthorizer);

    // THEN
    expect(integration(template, routeKey).IntegrationUri['Fn::Join'][1][2]).toMatch(new RegExp(`dynamodb:action/${action}$`));
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', Match.objectEquals({
      ApiId: { Ref: Match.stringLikeRegexp('^Api') },
      IntegrationType: 'AWS',
      IntegrationUri: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:apigateway:eu-west-1:dynamodb:action/${action}`]] },
      IntegrationMethod: 'POST',
      CredentialsArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('PusherConnectionRoutesRole'), 'Arn'] },
      RequestTemplates: { $default: Match.anyValue() },
      TemplateSelectionExpression: '\\$default',
      PassthroughBehavior: 'NEVER',
    }));
  });

  test.each([
    ['$connect', '/2\\d\\d/', 'a 2xx from DynamoDB only: a refused or failed PutItem fails the route, so the connection is refused'],
    ['$disconnect', '$default', 'any answer: the client is gone whatever DynamoDB says'],
  ])('%s: one integration response, key %s (%s), and a $default route response', (routeKey, key) => {
    // WHEN
    const { template } = synth(fromAuthorizer);

    // THEN
    const resources = template.toJSON().Resources;
    const [routeId, route] = Object.entries(resources).find(([, r]: [string, any]) => r.Type === 'AWS::ApiGatewayV2::Route' && r.Properties.RouteKey === routeKey) as [string, any];
    const integrationId = route.Properties.Target['Fn::Join'][1][1].Ref;
    const responses = Object.values(template.findResources('AWS::ApiGatewayV2::IntegrationResponse'))
      .filter((r: any) => r.Properties.IntegrationId.Ref === integrationId);
    expect(responses).toEqual([{
      Type: 'AWS::ApiGatewayV2::IntegrationResponse',
      Properties: { ApiId: { Ref: expect.stringMatching(/^Api/) }, IntegrationId: { Ref: integrationId }, IntegrationResponseKey: key },
    }]);
    expect(route.Properties.RouteResponseSelectionExpression).toBe('$default');
    template.hasResourceProperties('AWS::ApiGatewayV2::RouteResponse', Match.objectEquals({
      ApiId: { Ref: Match.stringLikeRegexp('^Api') }, RouteId: { Ref: routeId }, RouteResponseKey: '$default',
    }));
  });

  test('the $connect template puts the row: the user id, the connection id, a Number TTL', () => {
    // WHEN
    const { template } = synth(fromAuthorizer);

    // THEN
    expect(requestTemplate(template, '$connect')).toBe([
      '#set($userId = "$!{context.authorizer.principalId}")',
      '#set($expiresAt = $context.requestTimeEpoch / 1000 + 7500)',
      '{"TableName":"TABLE","Item":{"user_id":{"S":"$util.escapeJavaScript($userId).replaceAll("\\\\\'","\'")"},"connection_id":{"S":"$context.connectionId"}',
      ',"expires_at":{"N":"$expiresAt"}',
      '}}',
    ].join('\n'));
  });

  test('the $disconnect template deletes the row by the same key', () => {
    // WHEN
    const { template } = synth(fromAuthorizer);

    // THEN
    expect(requestTemplate(template, '$disconnect')).toBe([
      '#set($userId = "$!{context.authorizer.principalId}")',
      '{"TableName":"TABLE","Key":{"user_id":{"S":"$util.escapeJavaScript($userId).replaceAll("\\\\\'","\'")"},"connection_id":{"S":"$context.connectionId"}}}',
    ].join('\n'));
  });

  test('the credentials role may only PutItem and DeleteItem on the table, and is assumed by API Gateway', () => {
    // WHEN
    const { template, pusher, stack } = synth(fromAuthorizer);

    // THEN
    const role = stack.getLogicalId(pusher.connectionRoutesRole!.node.defaultChild as iam.CfnRole);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' } }] },
    });
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p: any) => p.Properties.Roles[0].Ref === role) as any[];
    expect(policies).toHaveLength(1);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: role }],
      PolicyDocument: {
        Statement: Match.exact([{
          Action: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PusherConnectionsTable'), 'Arn'] },
        }]),
      },
    });
  });

  test('no Lambda function besides the pusher and the authorizer', () => {
    // WHEN
    const { template } = synth(fromAuthorizer);

    // THEN
    template.resourceCountIs('AWS::Lambda::Function', 2);
  });

  test('anonymous: the connection id is the user id, no authorizer', () => {
    // WHEN
    const { template } = synth(() => ({ userId: ConnectionUserId.anonymous() }));

    // THEN
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$connect', AuthorizationType: 'NONE' });
    expect(requestTemplate(template, '$connect')).toMatch(/^#set\(\$userId = "\$!\{context\.connectionId\}"\)/);
  });

  test('IAM: the caller ARN is the user id, $connect is AWS_IAM', () => {
    // WHEN
    const { template } = synth(() => ({ userId: ConnectionUserId.fromIamCaller(), authorizer: new WebSocketIamAuthorizer() }));

    // THEN
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$connect', AuthorizationType: 'AWS_IAM' });
    expect(requestTemplate(template, '$connect')).toMatch(/^#set\(\$userId = "\$!\{context\.identity\.userArn\}"\)/);
  });

  test('a context key as user id, extra context attributes, a custom TTL and attribute names', () => {
    // WHEN
    const { template } = synth((s) => ({
      userId: ConnectionUserId.fromAuthorizer('sub'),
      authorizer: s.authorizer,
      connectionTtl: Duration.hours(3),
      authorizerContextAttributes: ['tenant'],
    }), { userIdAttribute: 'uid', connectionIdAttribute: 'cid', timeToLiveAttribute: 'ttl' });

    // THEN
    expect(requestTemplate(template, '$connect')).toBe([
      '#set($userId = "$!{context.authorizer.sub}")',
      '#set($expiresAt = $context.requestTimeEpoch / 1000 + 10800)',
      '{"TableName":"TABLE","Item":{"uid":{"S":"$util.escapeJavaScript($userId).replaceAll("\\\\\'","\'")"},"cid":{"S":"$context.connectionId"}',
      ',"ttl":{"N":"$expiresAt"}',
      '#if("$!{context.authorizer.tenant}" != "")',
      ',"tenant":{"S":"$util.escapeJavaScript($context.authorizer.tenant).replaceAll("\\\\\'","\'")"}',
      '#end',
      '}}',
    ].join('\n'));
  });

  test('an imported API gets the routes', () => {
    // GIVEN a stage and API imported by id
    const { stack, authorizer } = setup();
    const api = apigwv2.WebSocketApi.fromWebSocketApiAttributes(stack, 'Imported', { webSocketId: 'abc123' });
    const stage = apigwv2.WebSocketStage.fromWebSocketStageAttributes(stack, 'ImportedStage', { api, stageName: 'prod' });

    // WHEN
    new WebsocketPusher(stack, 'Pusher', { webSocketStage: stage, connectionRoutes: { userId: ConnectionUserId.fromAuthorizer(), authorizer } });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { ApiId: 'abc123', RouteKey: '$connect' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { ApiId: 'abc123', RouteKey: '$disconnect' });
    template.resourcePropertiesCountIs('AWS::ApiGatewayV2::IntegrationResponse', { ApiId: 'abc123' }, 3);
    template.resourcePropertiesCountIs('AWS::ApiGatewayV2::RouteResponse', { ApiId: 'abc123' }, 3);
    expect(integrationsWithoutResponse(template.toJSON())).toEqual([]);
  });

  test('a customer-managed key: the role may use it too', () => {
    // WHEN
    const { template } = synth(fromAuthorizer, { connectionsTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED } });

    // THEN
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p: any) => p.Properties.PolicyName.Ref === undefined && JSON.stringify(p.Properties.Roles).includes('ConnectionRoutesRole'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements.flatMap((s: any) => [s.Action].flat()).sort())
      .toEqual(['dynamodb:DeleteItem', 'dynamodb:PutItem', 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
  });
});

describe('refused at synth time', () => {
  test.each([
    ['fromAuthorizer without an authorizer', () => ({ userId: ConnectionUserId.fromAuthorizer() }),
      'WebsocketPusher: connectionRoutes.authorizer is required with ConnectionUserId.fromAuthorizer(): without one, nothing vouches for the user id (use ConnectionUserId.anonymous() for connections without users)'],
    ['fromIamCaller without an authorizer', () => ({ userId: ConnectionUserId.fromIamCaller() }),
      'WebsocketPusher: connectionRoutes.authorizer is required with ConnectionUserId.fromIamCaller()'],
    ['fromIamCaller with a Lambda authorizer', (s: ReturnType<typeof setup>) => ({ userId: ConnectionUserId.fromIamCaller(), authorizer: s.authorizer }),
      'WebsocketPusher: ConnectionUserId.fromIamCaller() needs a WebSocketIamAuthorizer as connectionRoutes.authorizer'],
    ['fromAuthorizer with the IAM authorizer', () => ({ userId: ConnectionUserId.fromAuthorizer(), authorizer: new WebSocketIamAuthorizer() }),
      "WebsocketPusher: ConnectionUserId.fromAuthorizer() reads a Lambda authorizer's answer; with a WebSocketIamAuthorizer use ConnectionUserId.fromIamCaller()"],
    ['a TTL under 2 hours', (s: ReturnType<typeof setup>) => ({ ...fromAuthorizer(s), connectionTtl: Duration.minutes(30) }),
      "WebsocketPusher: connectionRoutes.connectionTtl must be at least 2 hours (API Gateway's longest connection: the pusher skips expired rows), got 30 minutes"],
    ['a context attribute a template cannot read', (s: ReturnType<typeof setup>) => ({ ...fromAuthorizer(s), authorizerContextAttributes: ['team-id'] }),
      "WebsocketPusher: connectionRoutes.authorizerContextAttributes: 'team-id' is not a key a template can read (letters, digits and _, not starting with a digit)"],
    ['a context attribute listed twice', (s: ReturnType<typeof setup>) => ({ ...fromAuthorizer(s), authorizerContextAttributes: ['tenant', 'tenant'] }),
      "WebsocketPusher: connectionRoutes.authorizerContextAttributes lists 'tenant' twice"],
    ['a TTL from a token, not in seconds', (s: ReturnType<typeof setup>) => ({ ...fromAuthorizer(s), connectionTtl: Duration.minutes(Token.asNumber({ Ref: 'Ttl' })) }),
      'WebsocketPusher: connectionRoutes.connectionTtl from a token must be given in seconds (Duration.seconds(token)): the template adds it to the connect time'],
    ['a context attribute that is a key', (s: ReturnType<typeof setup>) => ({ ...fromAuthorizer(s), authorizerContextAttributes: ['user_id'] }),
      "WebsocketPusher: connectionRoutes.authorizerContextAttributes: 'user_id' is a key or TTL attribute of the connections table"],
    ['a context attribute that is the disconnect request mark', (s: ReturnType<typeof setup>) => ({ ...fromAuthorizer(s), authorizerContextAttributes: ['disconnect_request'] }),
      "WebsocketPusher: connectionRoutes.authorizerContextAttributes: 'disconnect_request' is the connections table attribute a disconnect request sets (reserved)"],
  ])('%s', (_name, routes, message) => {
    // WHEN / THEN
    expect(() => synth(routes as (s: ReturnType<typeof setup>) => ConnectionRoutesOptions)).toThrow(message);
  });

  test('an authorizer key a template cannot read', () => {
    // WHEN / THEN
    expect(() => ConnectionUserId.fromAuthorizer('user.id'))
      .toThrow("ConnectionUserId.fromAuthorizer: the key must be letters, digits and _ (not starting with a digit), got 'user.id'");
  });

  test('an attribute name the template cannot carry', () => {
    // WHEN / THEN
    expect(() => synth(fromAuthorizer, { userIdAttribute: 'user$id' }))
      .toThrow("WebsocketPusher: with connectionRoutes, userIdAttribute must be letters, digits, '_', '-' or '.' (the request template carries it verbatim), got 'user$id'");
  });

  test('a given table whose key the template cannot fill', () => {
    // GIVEN a table keyed by something else
    const s = setup();
    const table = new dynamodb.Table(s.stack, 'Other', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });

    // WHEN / THEN
    expect(() => new WebsocketPusher(s.stack, 'Pusher', { webSocketStage: s.stage, connectionsTable: table, connectionRoutes: fromAuthorizer(s) }))
      .toThrow("WebsocketPusher: connectionRoutes cannot fill connectionsTable's key (pk): its key must be user_id (hash, string) and connection_id (range, string); set userIdAttribute / connectionIdAttribute to match");
  });

  test.each(['$connect', '$disconnect'])('the API already has %s', (routeKey) => {
    // GIVEN an API with its own route
    const s = setup();
    s.api.addRoute(routeKey, { integration: new WebSocketMockIntegration('Mock') });

    // WHEN
    new WebsocketPusher(s.stack, 'Pusher', { webSocketStage: s.stage, connectionRoutes: fromAuthorizer(s) });

    // THEN
    expect(() => s.app.synth()).toThrow(`WebsocketPusher: connectionRoutes adds ${routeKey} to the API, which already has one (TestStack/Api/${routeKey}-Route/Resource)`);
  });
});

describe('disconnect requests', () => {
  const manageConnections = (template: Template) => Object.values(template.findResources('AWS::IAM::Policy'))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
    .filter((st: any) => st.Action === 'execute-api:ManageConnections');

  test('enableDisconnect: POST and DELETE on @connections/* of the one stage, and the handler is told', () => {
    // WHEN
    const s = setup();
    new WebsocketPusher(s.stack, 'Pusher', { webSocketStage: s.stage, enableDisconnect: true });
    const template = Template.fromStack(s.stack);

    // THEN
    const [statement] = manageConnections(template);
    expect(statement.Resource.map((r: any) => r['Fn::Join'][1].at(-1))).toEqual(['/live/POST/@connections/*', '/live/DELETE/@connections/*']);
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ DISCONNECT_ENABLED: 'true' }) } });
  });

  test('by default: POST only, and no DISCONNECT_ENABLED', () => {
    // WHEN
    const s = setup();
    new WebsocketPusher(s.stack, 'Pusher', { webSocketStage: s.stage });
    const template = Template.fromStack(s.stack);

    // THEN
    const [statement] = manageConnections(template);
    expect(statement.Resource['Fn::Join'][1].at(-1)).toBe('/live/POST/@connections/*');
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.not(Match.objectLike({ DISCONNECT_ENABLED: Match.anyValue() })) } });
  });
});

describe('grantWriteConnections', () => {
  test('PutItem and DeleteItem on the table, nothing else', () => {
    // GIVEN
    const s = setup();
    const pusher = new WebsocketPusher(s.stack, 'Pusher', { webSocketStage: s.stage });
    const handler = new iam.Role(s.stack, 'ConnectHandler', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

    // WHEN
    pusher.grantWriteConnections(handler);

    // THEN
    Template.fromStack(s.stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('ConnectHandler') }],
      PolicyDocument: { Statement: [{ Action: ['dynamodb:PutItem', 'dynamodb:DeleteItem'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('PusherConnectionsTable'), 'Arn'] } }] },
    });
  });
});

describe('cdk-nag AwsSolutions', () => {
  test.each([
    ['an authorizer', fromAuthorizer, {}],
    ['anonymous', () => ({ userId: ConnectionUserId.anonymous() }), {}],
    ['a customer-managed key', fromAuthorizer, { connectionsTableProps: { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED } }],
  ])('no unsuppressed finding on the routes and their role (%s)', (_name, routes, props) => {
    // GIVEN
    const { app, stack } = synth(routes as (s: ReturnType<typeof setup>) => ConnectionRoutesOptions, { enableDisconnect: true, ...props });

    // WHEN
    const findings = nagFindings(app, stack);

    // THEN
    expect(findings).toEqual([]);
  });
});
