import * as fs from 'node:fs';
import * as path from 'node:path';
import { clientProblems, releaseProblems, type ReleaseManifest } from '../../scripts/release-check';

// The release task refuses placeholder metadata: what npm, PyPI and Maven Central would show on every version.

const real: ReleaseManifest = {
  repository: { url: 'https://github.com/acme-labs/cdk-websocket-pusher.git' },
  author: { name: 'Acme Labs', email: 'oss@acme-labs.dev' },
  jsii: { targets: { java: { maven: { groupId: 'io.github.acme-labs' } } } },
};

test('a real repository, author and the owner\'s Maven namespace: releasable', () => {
  expect(releaseProblems(real)).toEqual([]);
  expect(releaseProblems({ ...real, jsii: { targets: { java: { maven: { groupId: 'dev.acme-labs' } } } } })).toEqual([]);
  expect(releaseProblems({ ...real, repository: { url: 'git@gitlab.com:acme/cdk-websocket-pusher.git' } })).toEqual([]);
});

test.each([
  ['https://github.com/example/cdk-websocket-pusher.git', 'repository.url is a placeholder'],
  ['git+https://example.com/cdk-websocket-pusher.git', 'repository.url is a placeholder'],
  ['git@example.org:team/cdk-websocket-pusher.git', 'repository.url is a placeholder'],
  ['', 'repository.url is not set'],
])('repository %j: refused', (url, problem) => {
  // (A github.com/example URL also fails the Maven namespace check: io.github.acme-labs is not example's.)
  const [first] = releaseProblems({ ...real, repository: { url } });
  expect(first).toContain(problem);
  expect(first).toContain('repositoryUrl in .projenrc.ts');
});

test('an example.com address or no author: refused, naming the .projenrc.ts field', () => {
  expect(releaseProblems({ ...real, author: { name: 'Acme', email: 'maintainers@example.com' } }))
    .toEqual(['author.email is a placeholder (maintainers@example.com): set authorAddress in .projenrc.ts']);
  expect(releaseProblems({ ...real, author: {} })).toEqual([
    'author.name is not set: set author in .projenrc.ts',
    'author.email is not set: set authorAddress in .projenrc.ts',
  ]);
});

test('an io.github namespace of another owner than the repository\'s: refused (Maven Central verifies it against the account)', () => {
  const [problem, ...others] = releaseProblems({ ...real, jsii: { targets: { java: { maven: { groupId: 'io.github.cdkwebsocketpusher' } } } } });
  expect(others).toEqual([]);
  expect(problem).toContain('io.github.cdkwebsocketpusher is not the repository owner\'s namespace (io.github.acme-labs)');
});

test('a look-alike is not a placeholder: examples.dev, example-corp', () => {
  expect(releaseProblems({
    ...real,
    repository: { url: 'https://github.com/example-corp/cdk-websocket-pusher.git' },
    author: { name: 'Example Corp', email: 'oss@examples.dev' },
    jsii: { targets: { java: { maven: { groupId: 'io.github.example-corp' } } } },
  })).toEqual([]);
});

test('the client package must name the library\'s repository and author; today it does', () => {
  expect(clientProblems(real, { repository: { url: real.repository!.url }, author: real.author })).toEqual([]);
  expect(clientProblems(real, { repository: { url: 'https://github.com/example/cdk-websocket-pusher.git' }, author: real.author })).toEqual([
    'client/package.json: repository.url is "https://github.com/example/cdk-websocket-pusher.git", '
      + 'the library\'s "https://github.com/acme-labs/cdk-websocket-pusher.git": make them equal',
  ]);
  const read = (file: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', file), 'utf8')) as ReleaseManifest;
  expect(clientProblems(read('package.json'), read('client/package.json'))).toEqual([]);
});

test('the release task checks first, before it bumps or builds', () => {
  const tasks = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '.projen', 'tasks.json'), 'utf8')).tasks;
  expect(tasks.release.steps[0]).toEqual({ spawn: 'release:check' });
  expect(tasks['release:check'].steps).toEqual([{ exec: 'ts-node --project tsconfig.dev.json scripts/release-check.ts' }]);
});
