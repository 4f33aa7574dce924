import { readFileSync } from 'node:fs';
import * as path from 'node:path';

// Two tarballs in dist/js/ (the library's, named by jsii-pacmak `cdk-websocket-pusher@<version>.jsii.tgz`, and the
// client's, named by npm pack `cdk-websocket-pusher-client-<version>.tgz`): publib-npm publishes both, and everything
// that unpacks "the" tarball must pick the library's.

const ROOT = path.resolve(__dirname, '../..');
const LIBRARY = 'cdk-websocket-pusher@1.2.3.jsii.tgz';
const CLIENT = 'cdk-websocket-pusher-client-1.2.3.tgz';
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

/** Which of the two tarballs a shell glob over dist/js/ matches (`*` and `[...]` as the shell reads them). */
function matches(glob: string): string[] {
  const name = glob.replace(/^dist\/js\//, '');
  const pattern = new RegExp(`^${name.replace(/[.+?^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
  return [LIBRARY, CLIENT].filter((file) => pattern.test(file));
}

test.each(['release', 'build'])('every job of the %s workflow unpacks the library tarball alone', (workflow) => {
  const extracts = read(`.github/workflows/${workflow}.yml`).split('\n').filter((line) => /run: tar .*-xzvf/.test(line));
  // npm, Maven and PyPI each unpack it before packaging their language
  expect(extracts).toHaveLength(3);
  for (const line of extracts) {
    const [, glob] = /-xzvf (\S+) -C/.exec(line) ?? [];
    expect([glob, matches(glob)]).toEqual(['dist/js/cdk-websocket-pusher@*.tgz', [LIBRARY]]);
  }
});

test('.ci/run checks the library tarball, and the client tarball apart', () => {
  const script = read('.ci/run');
  const [, library] = /^\s*tarball=\$\(ls ([^)]*?) 2>/m.exec(script) ?? [];
  expect(library.split(' ').flatMap(matches)).toEqual([LIBRARY]);
  const [, client] = /^\s*client_tarball=\$\(ls ([^)]*?) 2>/m.exec(script) ?? [];
  expect(client.split(' ').flatMap(matches)).toEqual([CLIENT]);
});

test('the client is built with the bundles and packed into dist/js/ by package:js, after jsii-pacmak', () => {
  const tasks = JSON.parse(read('.projen/tasks.json')).tasks;
  expect(tasks.bundle.steps).toContainEqual({ spawn: 'client:build' });
  expect(tasks['package:js'].steps).toEqual([{ execArgs: ['jsii-pacmak', '-v', '--target', 'js'] }, { spawn: 'client:pack' }]);
});
