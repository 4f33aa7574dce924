import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CloudTemplate } from './intrinsics';
import { pusherFunctions } from './resources';

/** A pusher found in a cloud assembly: its stack's template, its function, and the handler bundle `cdk synth` staged. */
export interface AssemblyPusher {
  readonly stackName: string;
  readonly template: CloudTemplate;
  readonly functionLogicalId: string;
  /** The staged handler (`asset.<hash>/index.js`), run as it is. */
  readonly bundlePath: string;
}

/** A problem the user can act on: printed as one line, exit code 1. */
export class UsageError extends Error {}

/**
 * The pushers of the cloud assembly in `dir` (what `cdk synth` writes, `cdk.out` by default): every function whose
 * template metadata carries the construct's marker, in the stacks of the manifest (or only `stackName`).
 */
export function findPushers(dir: string, stackName?: string): AssemblyPusher[] {
  const manifestPath = path.join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new UsageError(`no cloud assembly at ${dir} (no manifest.json): run \`cdk synth\` first, or pass --app <dir>`);
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const stacks = Object.entries(manifest.artifacts ?? {} as Record<string, any>)
    .filter(([, artifact]: [string, any]) => artifact.type === 'aws:cloudformation:stack')
    .map(([name, artifact]: [string, any]) => ({ name, templateFile: artifact.properties.templateFile as string }));
  const chosen = stackName ? stacks.filter((s) => s.name === stackName) : stacks;
  if (stackName && chosen.length === 0) {
    throw new UsageError(`no stack ${stackName} in ${dir} (stacks: ${stacks.map((s) => s.name).join(', ') || 'none'})`);
  }
  const pushers = chosen.flatMap(({ name, templateFile }) => {
    const template: CloudTemplate = JSON.parse(readFileSync(path.join(dir, templateFile), 'utf8'));
    return pusherFunctions(template)
      .map((functionLogicalId) => ({
        stackName: name, template, functionLogicalId, bundlePath: bundleOf(dir, name, template.Resources[functionLogicalId]),
      }));
  });
  if (pushers.length === 0) throw new UsageError(`no WebsocketPusher in the cloud assembly at ${dir}${stackName ? ` (stack ${stackName})` : ''}`);
  return pushers;
}

/**
 * Any Node.js function of the assembly, ready to load: its code file (the staged asset, or its inline `ZipFile` written
 * to a temporary directory) and its handler's export. Other runtimes are an error the user can act on.
 */
export function functionCode(dir: string, stackName: string, template: CloudTemplate, logicalId: string): { file: string; exportName: string } {
  const { module, exportName } = nodeHandler(template, logicalId, stackName);
  const inline = inlineFunctionCode(template, logicalId);
  if (inline) return inline;
  const resource: any = template.Resources[logicalId];
  const file = [`${module}.js`, `${module}.cjs`].map((f) => path.join(assetDir(dir, stackName, resource), f)).find((f) => existsSync(f));
  if (!file) throw new UsageError(`${logicalId}: no ${module}.js in its staged asset`);
  return { file, exportName };
}

/** A Node.js function's inline code (`Code.ZipFile`), written to a temporary directory; `undefined` when it has none. */
export function inlineFunctionCode(template: CloudTemplate, logicalId: string): { file: string; exportName: string } | undefined {
  const inline = template.Resources[logicalId]?.Properties?.Code?.ZipFile;
  if (typeof inline !== 'string') return undefined;
  const { module, exportName } = nodeHandler(template, logicalId);
  const tmp = mkdtempSync(path.join(tmpdir(), `websocket-pusher-${logicalId}-`));
  writeFileSync(path.join(tmp, `${module}.js`), inline);
  return { file: path.join(tmp, `${module}.js`), exportName };
}

/** A Node.js function's handler: its module and export; another runtime is an error the user can act on. */
function nodeHandler(template: CloudTemplate, logicalId: string, where = 'the template'): { module: string; exportName: string } {
  const resource: any = template.Resources[logicalId];
  if (resource?.Type !== 'AWS::Lambda::Function') throw new UsageError(`${logicalId} is not a Lambda function of ${where}`);
  const runtime = String(resource.Properties.Runtime ?? '');
  if (!runtime.startsWith('nodejs')) {
    throw new UsageError(`${logicalId} runs ${runtime || 'a container image'}: the local command runs Node.js functions only`);
  }
  const handler = String(resource.Properties.Handler ?? 'index.handler');
  const dot = handler.lastIndexOf('.');
  return { module: handler.slice(0, dot), exportName: handler.slice(dot + 1) };
}

/** The staged asset of the function's code: `aws:asset:path` metadata, or the stack's asset manifest by the S3 key. */
function assetDir(dir: string, stackName: string, resource: any): string {
  let assetPath: string | undefined = resource.Metadata?.['aws:asset:path'];
  if (!assetPath) {
    const key = JSON.stringify(resource.Properties?.Code?.S3Key ?? '');
    const manifestFile = path.join(dir, `${stackName}.assets.json`);
    const files = existsSync(manifestFile) ? JSON.parse(readFileSync(manifestFile, 'utf8')).files ?? {} : {};
    const hash = Object.keys(files).find((h) => key.includes(h));
    assetPath = hash ? files[hash].source.path : undefined;
  }
  if (!assetPath || !existsSync(path.join(dir, assetPath))) {
    throw new UsageError(`a function's code is not staged in ${dir}: synthesize with asset staging on`);
  }
  return path.resolve(dir, assetPath);
}

function bundleOf(dir: string, stackName: string, resource: any): string {
  const bundle = path.join(assetDir(dir, stackName, resource), 'index.js');
  if (!existsSync(bundle)) throw new UsageError(`the pusher's handler bundle is not staged in ${dir}: synthesize with asset staging on`);
  return bundle;
}
