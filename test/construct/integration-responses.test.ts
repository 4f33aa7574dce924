import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { integrationsWithoutResponse } from './support';
import { localAppTemplate } from '../../local/template/local-app';
import { EXAMPLE_TEMPLATE, synthesizeTypeScriptExample } from '../examples/typescript-example';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the configurations .ci/nag3 synthesizes, shared as CommonJS
const { pusherApp } = require('../nag3/configurations') as { pusherApp: (outdir: string) => { app: { synth(): { stacks: Array<{ stackName: string; template: any }> } } } };

/**
 * Every non-proxy integration the construct adds must have an integration response, or API Gateway fails every call
 * to it: checked over every configuration the checks synthesize, the README's example and the local apps.
 */
describe('every non-proxy integration has an integration response', () => {
  const stacks = pusherApp(mkdtempSync(path.join(tmpdir(), 'pusher-configurations-'))).app.synth().stacks;

  test.each(stacks.map((s) => [s.stackName, s.template]))('the %s configuration', (_, template) => {
    expect(integrationsWithoutResponse(template)).toEqual([]);
  });

  test('the configurations hold the integrations to check (the connection routes\')', () => {
    const integrations = stacks.flatMap((s) => Object.values(s.template.Resources).filter((r: any) => r.Type === 'AWS::ApiGatewayV2::Integration'));
    expect(integrations.length).toBeGreaterThanOrEqual(2);
  });

  test('the README\'s example', () => {
    const template = JSON.parse(readFileSync(path.join(synthesizeTypeScriptExample(), EXAMPLE_TEMPLATE), 'utf8'));
    // $connect's PutItem, $disconnect's DeleteItem, ping's mock, and the channels function's proxy (subscribe, unsubscribe, $default).
    expect(Object.values(template.Resources).filter((r: any) => r.Type === 'AWS::ApiGatewayV2::Integration')).toHaveLength(4);
    expect(integrationsWithoutResponse(template)).toEqual([]);
  });

  test.each(['authorizer', 'iam-caller', 'anonymous'] as const)('the local app with the user id from %s', (userId) => {
    expect(integrationsWithoutResponse(localAppTemplate({ userId }))).toEqual([]);
  });

  test('the check itself names an integration left without one', () => {
    const template = { Resources: { I: { Type: 'AWS::ApiGatewayV2::Integration', Properties: { IntegrationType: 'AWS' } }, P: { Type: 'AWS::ApiGatewayV2::Integration', Properties: { IntegrationType: 'AWS_PROXY' } } } };
    expect(integrationsWithoutResponse(template)).toEqual(['I']);
  });
});
