/**
 * The Python and Java examples synthesize the same template as the TypeScript example.
 *
 * Not part of the default `jest` run (its name does not match projen's testMatch): `examples/run.sh` runs it
 * after it has packaged the library and synthesized the Python and Java apps into their `cdk.out/`.
 *
 * - EXAMPLE_LANGUAGES: the languages to compare with TypeScript, comma-separated (default `python,java`).
 *   A listed language whose template is missing fails the test: it is never skipped.
 * - EXAMPLE_PYTHON_TEMPLATE / EXAMPLE_JAVA_TEMPLATE: the templates (default `examples/<language>/cdk.out/PusherExample.template.json`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { EXAMPLE_TEMPLATE as TEMPLATE, synthesizeTypeScriptExample } from './typescript-example';

const root = path.join(__dirname, '..', '..');

const languages = (process.env.EXAMPLE_LANGUAGES ?? 'python,java').split(',').map((l) => l.trim()).filter(Boolean);
const unknown = languages.filter((l) => l !== 'python' && l !== 'java');
if (!languages.length) throw new Error('EXAMPLE_LANGUAGES is empty: give python, java or both');
if (unknown.length) throw new Error(`EXAMPLE_LANGUAGES: unknown language(s) ${unknown.join(', ')} (python, java)`);

function templatePath(language: string): string {
  return process.env[`EXAMPLE_${language.toUpperCase()}_TEMPLATE`]
    ?? path.join(root, 'examples', language, 'cdk.out', TEMPLATE);
}

function readTemplate(file: string, language: string): any {
  if (!fs.existsSync(file)) {
    throw new Error(`the ${language} example's template is missing: ${file} (run examples/run.sh, which synthesizes it)`);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The TypeScript example, synthesized here from src/ the way test/construct/readme-example.test.ts does. */
function synthesizeTypeScript(): any {
  return readTemplate(path.join(synthesizeTypeScriptExample(), TEMPLATE), 'TypeScript');
}

const ASSET_KEY = /^[0-9a-f]{64}\.zip$/;

/** The S3 keys of file assets (`<sha256>.zip`), in template order. */
function assetKeys(template: any): string[] {
  const keys: string[] = [];
  JSON.stringify(template, (_key, value) => {
    if (typeof value === 'string' && ASSET_KEY.test(value)) keys.push(value);
    return value;
  });
  return keys;
}

/**
 * What may differ between languages without being a difference of the app: the hashes of the bundle assets.
 * Each is the hash of its folder under assets/lambda/ as it was when each side got it (the TypeScript app reads
 * the working tree, the Python and Java apps the copy packaged into the wheel and jar), so a re-bundle in
 * between changes it. Each hash becomes `<asset N>`, numbered in order of first appearance, so the test still
 * sees which resources share an asset. The `aws:asset:*` resource metadata (only written when the CDK CLI
 * sets `aws:cdk:enable-asset-metadata`, which `python app.py` and `mvn exec:java` do not) gets the same
 * treatment in case the apps are synthesized with `cdk synth`. Nothing else is touched.
 */
function normalize(template: any): any {
  const numbers = new Map<string, number>();
  const placeholder = (hash: string) => {
    if (!numbers.has(hash)) numbers.set(hash, numbers.size + 1);
    return `<asset ${numbers.get(hash)}>`;
  };
  const walk = (value: any, key?: string): any => {
    if (Array.isArray(value)) return value.map((v) => walk(v));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    }
    if (typeof value === 'string') {
      if (ASSET_KEY.test(value)) return `${placeholder(value.slice(0, 64))}.zip`;
      if (key === 'aws:asset:path') return value.replace(/asset\.[0-9a-f]{64}/, (m) => `asset.${placeholder(m.slice(6))}`);
      if (key === 'aws:asset:hash' && /^[0-9a-f]{64}$/.test(value)) return placeholder(value);
    }
    return value;
  };
  return walk(template);
}

describe('the Python and Java examples synthesize the TypeScript example\'s template', () => {
  const typescript = synthesizeTypeScript();

  test('the TypeScript template has the app: the pusher, its sources, the JWT authorizer, channels, a backend that publishes', () => {
    // WHEN its resource types are listed
    const types = Object.values(typescript.Resources as Record<string, { Type: string }>).map((r) => r.Type);

    // THEN
    expect(types).toEqual(expect.arrayContaining([
      'AWS::ApiGatewayV2::Api', 'AWS::ApiGatewayV2::Stage', 'AWS::DynamoDB::Table', 'AWS::SQS::Queue',
      'AWS::SNS::Topic', 'AWS::SNS::Subscription', 'AWS::Lambda::EventSourceMapping', 'AWS::Lambda::Function',
    ]));
    // The bundles: the pusher's, the JWT authorizer's, the channels function's and the connection stream function's
    // (the room hook and the backend are inline).
    expect(assetKeys(typescript)).toHaveLength(4);
  });

  describe.each(languages)('%s', (language) => {
    const file = templatePath(language);

    test('has the same resources, with the same properties, as TypeScript (asset hashes aside)', () => {
      // GIVEN this language's template
      const template = readTemplate(file, language);

      // WHEN both are normalized: asset hashes aside
      const expected = normalize(typescript);
      const actual = normalize(template);

      // THEN
      // Resource ids first, for a readable failure when a resource is missing or extra.
      expect(Object.keys(actual.Resources).sort()).toEqual(Object.keys(expected.Resources).sort());
      for (const id of Object.keys(expected.Resources)) {
        expect({ [id]: actual.Resources[id] }).toEqual({ [id]: expected.Resources[id] });
      }
      // Then everything else (Parameters, Rules, Outputs, Conditions, Mappings...), whole.
      expect(actual).toEqual(expected);
    });

    test('uses as many bundle assets as TypeScript does', () => {
      // WHEN / THEN
      expect(assetKeys(readTemplate(file, language))).toHaveLength(assetKeys(typescript).length);
    });
  });

  if (languages.includes('python') && languages.includes('java')) {
    test('the wheel and the jar embed the same bundles (same asset hashes)', () => {
      // WHEN the asset keys of both templates are read
      const python = assetKeys(readTemplate(templatePath('python'), 'python'));
      const java = assetKeys(readTemplate(templatePath('java'), 'java'));

      // THEN
      expect(java).toEqual(python);
    });
  }
});
