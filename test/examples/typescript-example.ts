import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The template the example app writes into its cloud assembly. */
export const EXAMPLE_TEMPLATE = 'PusherExample.template.json';

/**
 * Runs the TypeScript example app (examples/typescript/app.ts) exactly as written, loaded in isolation so that it
 * synthesizes from src/, with its cloud assembly in a new temporary directory; returns that directory.
 */
export function synthesizeTypeScriptExample(): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'pusher-example-ts-'));
  process.env.CDK_OUTDIR = outdir;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the app synthesizes when loaded, in isolation
    jest.isolateModules(() => require('../../examples/typescript/app'));
  } finally {
    delete process.env.CDK_OUTDIR;
  }
  return outdir;
}
