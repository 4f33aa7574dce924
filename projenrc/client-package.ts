/**
 * The client package (client/, npm `cdk-websocket-pusher-client`), built and packed apart from the jsii library:
 *
 * - `build`: its ES modules and type declarations (tsc, client/tsconfig.json) in client/dist/, marked as ES modules by
 *   client/dist/package.json (so that client/src/ stays CommonJS to the repository's tests), and its minified browser
 *   bundle (esbuild), whose gzipped size client/README.md states and test/client/bundle-size.test.ts keeps;
 * - `pack`: builds, then packs the package at the library's version (read from ./package.json, which the release
 *   bumps) into dist/js/, next to the library's tarball, for the release workflow's publib-npm to publish both.
 *
 * Run by the `client:build` task (spawned by `bundle`) and `client:pack` (spawned by `package:js`).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';

/** The browser bundle, relative to the repository: one minified ES module, what the size budget measures and the browser test loads. */
export const CLIENT_BUNDLE = 'client/dist/bundle/websocket-pusher-client.min.js';

/** Builds `<root>/client/dist/`: the ES modules and their declarations, then the browser bundle. */
export function buildClient(root: string): void {
  const clientDir = path.join(root, 'client');
  rmSync(path.join(clientDir, 'dist'), { recursive: true, force: true });
  run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(clientDir, 'tsconfig.json')], root);
  writeFileSync(path.join(clientDir, 'dist', 'package.json'), `${JSON.stringify({ type: 'module' })}\n`);
  buildSync({
    entryPoints: [path.join(clientDir, 'src', 'index.ts')],
    outfile: path.join(root, CLIENT_BUNDLE),
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2020',
    logLevel: 'warning',
  });
}

/**
 * Builds, then packs the client at the version of `<root>/package.json` into `destination`: from a staging copy, so that
 * client/package.json (version 0.0.0 in git, as the library's) is never rewritten. Returns the tarball's path.
 */
export function packClient(root: string, destination: string): string {
  buildClient(root);
  const clientDir = path.join(root, 'client');
  const version = readJson(path.join(root, 'package.json')).version;
  const manifest: Record<string, any> = { ...readJson(path.join(clientDir, 'package.json')), version };
  const staging = mkdtempSync(path.join(tmpdir(), 'websocket-pusher-client-'));
  try {
    writeFileSync(path.join(staging, 'package.json'), `${JSON.stringify(manifest, undefined, 2)}\n`);
    cpSync(path.join(root, 'LICENSE'), path.join(staging, 'LICENSE'));
    for (const entry of ['README.md', 'src', 'dist']) cpSync(path.join(clientDir, entry), path.join(staging, entry), { recursive: true });
    mkdirSync(destination, { recursive: true });
    run('npm', ['pack', '--pack-destination', destination], staging);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return path.join(destination, `${manifest.name}-${version}.tgz`);
}

function readJson(file: string): Record<string, any> {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Runs a command quietly; its output is shown only when it fails. */
function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stdout}${result.stderr}`);
  }
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  const command = process.argv[2];
  if (command === 'build') buildClient(root);
  else if (command === 'pack') packClient(root, path.join(root, 'dist', 'js'));
  else throw new Error(`usage: client-package.ts build | pack (got ${command})`);
}
