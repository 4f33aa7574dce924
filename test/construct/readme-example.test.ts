import * as fs from 'fs';
import * as path from 'path';
import { EXAMPLE_TEMPLATE, synthesizeTypeScriptExample } from '../examples/typescript-example';

const root = path.join(__dirname, '..', '..');

function region(file: string, comment: string): string {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const m = new RegExp(`^${comment} example:start\\n([\\s\\S]*?)^${comment} example:end$`, 'm').exec(text);
  if (!m) throw new Error(`${file} has no ${comment} example:start / example:end region`);
  return m[1];
}

function readmeBlock(lang: string, fence = lang): string {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const m = new RegExp(`<!-- example:${lang} -->\\s*\`\`\`${fence}\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!m) throw new Error(`README.md has no ${lang} block after <!-- example:${lang} -->`);
  return m[1];
}

test.each([
  ['python', 'examples/python/app.py', '#'],
  ['java', 'examples/java/src/main/java/com/example/pusher/PusherExampleApp.java', '//'],
])('the README %s example is the example app, verbatim', (lang, file, comment) => {
  // WHEN / THEN
  expect(readmeBlock(lang)).toBe(region(file, comment));
});

test('the README TypeScript example is the example app, verbatim', () => {
  // GIVEN
  const example = fs.readFileSync(path.join(root, 'examples', 'typescript', 'app.ts'), 'utf8');

  // WHEN / THEN
  expect(readmeBlock('typescript', 'ts')).toBe(example);
});

test('the example app synthesizes a stack with the pusher, its connection routes, channels and a backend allowed to publish', () => {
  // WHEN the example app runs, exactly as written, into a new output directory
  const outdir = synthesizeTypeScriptExample();

  // THEN its template has the pusher function wired to a queue and a topic, the connection routes, channels (their
  // routes, the subscriptions table, the channels and connection stream functions, the room hook), the backend's grants
  const template = JSON.parse(fs.readFileSync(path.join(outdir, EXAMPLE_TEMPLATE), 'utf8'));
  const types = Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
  // The pusher, the JWT authorizer, the channels function, the connection stream function, the room hook, the backend.
  expect(types.filter((t) => t === 'AWS::Lambda::Function')).toHaveLength(6);
  const routeKeys = Object.values(template.Resources as Record<string, any>)
    .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
    .map((r) => r.Properties.RouteKey);
  expect(routeKeys.sort()).toEqual(['$connect', '$default', '$disconnect', 'ping', 'resume', 'subscribe', 'unsubscribe']);
  // The connections table, the subscriptions table, the presence table and the history table (the inbox's history).
  expect(types.filter((t) => t === 'AWS::DynamoDB::Table')).toHaveLength(4);
  // 8 alarms, 5 of channels (the cleanup failures queue, both functions' errors, UNAVAILABLE subscribes, the stream's
  // iterator age) and 1 of lifecycle events (the presence check dead-letter queue).
  expect(types.filter((t) => t === 'AWS::CloudWatch::Alarm')).toHaveLength(14);
  // The lifecycle event rule: UserOnline and UserOffline to the backend.
  const rules = Object.values(template.Resources as Record<string, any>).filter((r) => r.Type === 'AWS::Events::Rule');
  expect(rules.map((r) => r.Properties.EventPattern['detail-type'])).toEqual([['UserOnline', 'UserOffline']]);
  expect(types).toEqual(expect.arrayContaining(['AWS::DynamoDB::Table', 'AWS::SNS::Subscription', 'AWS::Lambda::EventSourceMapping']));
  const statements = Object.values(template.Resources as Record<string, any>)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .flatMap((r) => r.Properties.PolicyDocument.Statement);
  expect(statements.map((s: any) => s.Action)).toEqual(expect.arrayContaining(['sns:Publish']));
});
