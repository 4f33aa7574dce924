import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { packClient } from '../../projenrc/client-package';

// The client's tarball as `package:js` packs it (projenrc/client-package.ts), from a copy of the repository whose
// package.json is at another version, as the release workflow bumps it: the client takes the library's version, and
// ships its ES modules, declarations, bundle and sources, loadable as an ES module.

const ROOT = path.resolve(__dirname, '../..');
let work: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'client-package-'));
  writeFileSync(path.join(work, 'package.json'), JSON.stringify({ name: 'cdk-websocket-pusher', version: '1.2.3' }));
  cpSync(path.join(ROOT, 'LICENSE'), path.join(work, 'LICENSE'));
  cpSync(path.join(ROOT, 'client'), path.join(work, 'client'), { recursive: true, filter: (source) => !source.includes(`${path.sep}dist`) });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

test("the tarball is at the library's version, with its dist and sources, and Node.js imports it as an ES module", () => {
  // WHEN
  const tarball = packClient(work, path.join(work, 'dist', 'js'));

  // THEN
  expect(path.basename(tarball)).toBe('cdk-websocket-pusher-client-1.2.3.tgz');
  const files = spawnSync('tar', ['tzf', tarball], { encoding: 'utf8' }).stdout.split('\n');
  expect(files).toEqual(expect.arrayContaining([
    'package/package.json', 'package/README.md', 'package/LICENSE', 'package/src/index.ts',
    'package/dist/package.json', 'package/dist/index.js', 'package/dist/index.d.ts', 'package/dist/bundle/websocket-pusher-client.min.js',
  ]));
  const unpacked = path.join(work, 'unpacked');
  mkdirSync(unpacked);
  spawnSync('tar', ['xzf', tarball, '-C', unpacked]);
  const manifest = JSON.parse(readFileSync(path.join(unpacked, 'package/package.json'), 'utf8'));
  expect([manifest.name, manifest.version, manifest.dependencies]).toEqual(['cdk-websocket-pusher-client', '1.2.3', undefined]);
  const imported = spawnSync(process.execPath, ['--input-type=module', '-e',
    `import { WebsocketPusherClient, SUBPROTOCOL } from ${JSON.stringify(path.join(unpacked, 'package/dist/index.js'))}; console.log(typeof WebsocketPusherClient, SUBPROTOCOL)`], { encoding: 'utf8' });
  expect(imported.stdout.trim()).toBe('function websocket-pusher');
}, 60_000);
