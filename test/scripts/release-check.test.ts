import * as fs from 'node:fs';
import * as path from 'node:path';
import { clientProblems, releaseProblems, repositoryOf, type ReleaseManifest } from '../../scripts/release-check';

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
  ['https://github.com/acme-labs/cdk-websocket-pusher.git', 'github.com', 'acme-labs'],
  ['https://github.com/acme-labs/cdk-websocket-pusher/', 'github.com', 'acme-labs'],
  ['https://www.github.com/acme-labs/cdk-websocket-pusher', 'github.com', 'acme-labs'],
  ['git+https://github.com/acme-labs/cdk-websocket-pusher.git', 'github.com', 'acme-labs'],
  ['git+ssh://git@github.com/acme-labs/cdk-websocket-pusher.git', 'github.com', 'acme-labs'],
  ['git@github.com:acme-labs/cdk-websocket-pusher.git', 'github.com', 'acme-labs'],
  ['github:acme-labs/cdk-websocket-pusher', 'github.com', 'acme-labs'],
  ['https://gitlab.com:8443/acme/cdk-websocket-pusher.git', 'gitlab.com', 'acme'],
])('the repository %j is at %s, owned by %s', (url, host, owner) => {
  expect(repositoryOf(url)).toEqual({ host, owner });
});

test.each([
  ['https://github.com/example/cdk-websocket-pusher.git', 'repository.url is a placeholder'],
  ['git@github.com:example/cdk-websocket-pusher.git', 'repository.url is a placeholder'],
  ['git+ssh://git@github.com/example/x.git', 'repository.url is a placeholder'],
  ['https://www.github.com/example/x/', 'repository.url is a placeholder'],
  ['github:example/x', 'repository.url is a placeholder'],
  ['git+https://example.com/team/cdk-websocket-pusher.git', 'repository.url is a placeholder'],
  ['git@git.example.org:team/cdk-websocket-pusher.git', 'repository.url is a placeholder'],
  ['cdk-websocket-pusher', 'repository.url is not a repository URL'],
  ['', 'repository.url is not set'],
])('repository %j: refused', (url, problem) => {
  // (A github.com/example URL also fails the Maven namespace check: io.github.acme-labs is not example's.)
  const [first] = releaseProblems({ ...real, repository: { url } });
  expect(first).toContain(problem);
  expect(first).toContain('repositoryUrl in .projenrc.ts');
});

test('an example.com address, no address or no author: refused, naming the .projenrc.ts field', () => {
  expect(releaseProblems({ ...real, author: { name: 'Acme', email: 'maintainers@example.com' } }))
    .toEqual(['author.email is a placeholder (maintainers@example.com): set authorAddress in .projenrc.ts']);
  expect(releaseProblems({ ...real, author: { name: 'Acme', email: 'oss@lists.example.net' } }))
    .toEqual(['author.email is a placeholder (oss@lists.example.net): set authorAddress in .projenrc.ts']);
  expect(releaseProblems({ ...real, author: { name: 'Acme', email: 'maintainers' } }))
    .toEqual(['author.email is not an address (maintainers): set authorAddress in .projenrc.ts']);
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

test('an io.github namespace verified for a maintainer (RELEASE_MAVEN_NAMESPACE): released', () => {
  const personal = { ...real, jsii: { targets: { java: { maven: { groupId: 'io.github.jdoe' } } } } };
  expect(releaseProblems(personal)[0]).toContain('release with RELEASE_MAVEN_NAMESPACE=io.github.jdoe');
  expect(releaseProblems(personal, { verifiedMavenNamespace: 'io.github.jdoe' })).toEqual([]);
  expect(releaseProblems(personal, { verifiedMavenNamespace: 'io.github.other' })).toHaveLength(1);
});

test.each(['com.example', 'org.example.websocket', 'net.example'])('the Maven groupId %s: a placeholder, refused', (groupId) => {
  expect(releaseProblems({ ...real, jsii: { targets: { java: { maven: { groupId } } } } }))
    .toEqual([`the Maven groupId ${groupId} is a placeholder: set publishToMaven.mavenGroupId in .projenrc.ts`]);
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

test('the release task checks last: after the build and its tests, before the workflow keeps any artifact to publish', () => {
  const tasks = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '.projen', 'tasks.json'), 'utf8')).tasks;
  const steps = tasks.release.steps as unknown[];
  expect(steps.indexOf(steps.find((step) => JSON.stringify(step) === '{"spawn":"build"}'))).toBeGreaterThan(-1);
  expect(steps[steps.length - 1]).toEqual({ spawn: 'release:check' });
  expect(tasks['release:check'].steps).toEqual([{ exec: 'ts-node --project tsconfig.dev.json scripts/release-check.ts' }]);
});
