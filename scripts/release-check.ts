/**
 * `npx projen release:check`, the release task's last step (after the build and its tests, before any artifact is kept
 * for publishing): refuses to release while the published metadata is still a placeholder. npm, PyPI and Maven Central
 * show the repository URL and the author on every version, and Maven Central never unpublishes one: a placeholder would
 * stay there for good. The library's values are set once, in `.projenrc.ts` (`repositoryUrl`, `author`,
 * `authorAddress`, `publishToMaven`); the client package's (`client/package.json`, written by hand) must equal them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The fields of package.json this check reads (projen writes them from `.projenrc.ts`). */
export interface ReleaseManifest {
  readonly repository?: { readonly url?: string };
  readonly author?: { readonly name?: string; readonly email?: string };
  readonly jsii?: { readonly targets?: { readonly java?: { readonly maven?: { readonly groupId?: string } } } };
}

export interface ReleaseCheckOptions {
  /**
   * A Maven namespace its owner has verified on Maven Central although it is not `io.github.<repository owner>` (a
   * maintainer's own `io.github.<user>` for an organization's repository): `RELEASE_MAVEN_NAMESPACE` in the release's
   * environment.
   */
  readonly verifiedMavenNamespace?: string;
}

/** Names reserved for examples and tests (RFC 2606): example.com/.org/.net and their subdomains, .test, .invalid. */
const PLACEHOLDER = /((^|\.)example(\.(com|org|net))?|\.(test|invalid|localhost))$/i;

/** The npm shorthands of package.json's `repository` (`github:owner/repo`). */
const SHORTHAND_HOSTS: Record<string, string> = { github: 'github.com', gitlab: 'gitlab.com', bitbucket: 'bitbucket.org' };

/**
 * The host and owner of a repository URL in any form npm accepts: `https://host/owner/repo(.git)(/)`, `git+https://…`,
 * `git+ssh://git@host/owner/repo.git`, `git@host:owner/repo.git`, `github:owner/repo`; undefined for anything else.
 */
export function repositoryOf(url: string): { host: string; owner: string } | undefined {
  const shorthand = /^(github|gitlab|bitbucket):([^/\s]+)\/[^/\s]+$/.exec(url);
  if (shorthand) return { host: SHORTHAND_HOSTS[shorthand[1]], owner: shorthand[2] };
  const match = /^(?:git\+)?[a-z]+:\/\/(?:[^@/\s]+@)?([^/:\s]+)(?::\d+)?\/([^/\s]+)\/[^/\s]+?\/?$/i.exec(url)
    ?? /^[^@/\s]+@([^:/\s]+):([^/\s]+)\/[^/\s]+?\/?$/.exec(url);
  return match ? { host: match[1].toLowerCase().replace(/^www\./, ''), owner: match[2] } : undefined;
}

/** What keeps `manifest` from being released, one sentence each; none when it can be. */
export function releaseProblems(manifest: ReleaseManifest, options: ReleaseCheckOptions = {}): string[] {
  const problems: string[] = [];
  const url = manifest.repository?.url ?? '';
  const repository = repositoryOf(url);
  if (!url) {
    problems.push('repository.url is not set: set repositoryUrl in .projenrc.ts');
  } else if (!repository) {
    problems.push(`repository.url is not a repository URL (${url}): set repositoryUrl in .projenrc.ts`);
  } else if (PLACEHOLDER.test(repository.host) || PLACEHOLDER.test(repository.owner)) {
    problems.push(`repository.url is a placeholder (${url}): set repositoryUrl in .projenrc.ts to the project's repository`);
  }
  const email = manifest.author?.email ?? '';
  const domain = /^[^@\s]+@([^@\s]+\.[^@\s]+)$/.exec(email)?.[1];
  if (!manifest.author?.name) problems.push('author.name is not set: set author in .projenrc.ts');
  if (!domain || PLACEHOLDER.test(domain)) {
    problems.push(`author.email is ${!email ? 'not set' : domain ? `a placeholder (${email})` : `not an address (${email})`}: `
      + 'set authorAddress in .projenrc.ts');
  }
  const groupId = manifest.jsii?.targets?.java?.maven?.groupId;
  if (groupId) problems.push(...mavenProblems(groupId, repository, options));
  return problems;
}

/**
 * A Maven groupId: not a placeholder domain reversed (`com.example…`); and an `io.github.<owner>` namespace, which Maven
 * Central grants only to that GitHub account or organization, is the repository owner's unless declared verified.
 */
function mavenProblems(groupId: string, repository: { host: string; owner: string } | undefined, options: ReleaseCheckOptions): string[] {
  const [tld, name] = groupId.split('.');
  if (name !== undefined && PLACEHOLDER.test(`${name}.${tld}`)) {
    return [`the Maven groupId ${groupId} is a placeholder: set publishToMaven.mavenGroupId in .projenrc.ts`];
  }
  const owner = /^io\.github\.([A-Za-z0-9-]+)$/i.exec(groupId)?.[1];
  if (!owner || repository?.host !== 'github.com' || owner.toLowerCase() === repository.owner.toLowerCase()) return [];
  if (options.verifiedMavenNamespace === groupId) return [];
  return [`the Maven groupId ${groupId} is not the repository owner's namespace (io.github.${repository.owner.toLowerCase()}): Maven `
    + 'Central verifies io.github.<owner> against that GitHub account; set publishToMaven.mavenGroupId in .projenrc.ts, or, '
    + `if ${groupId} is verified for you on Maven Central, release with RELEASE_MAVEN_NAMESPACE=${groupId}`];
}

/**
 * What keeps the client package (`client/package.json`, written by hand, released with the library) from being
 * released: its repository and author must be the library's.
 */
export function clientProblems(library: ReleaseManifest, client: ReleaseManifest): string[] {
  const fields: Array<[string, (m: ReleaseManifest) => string | undefined]> = [
    ['repository.url', (m) => m.repository?.url],
    ['author.name', (m) => m.author?.name],
    ['author.email', (m) => m.author?.email],
  ];
  return fields.filter(([, of]) => of(client) !== of(library))
    .map(([field, of]) => `client/package.json: ${field} is ${JSON.stringify(of(client))}, the library's ${JSON.stringify(of(library))}: make them equal`);
}

if (require.main === module) {
  const read = (file: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '..', file), 'utf8')) as ReleaseManifest;
  const manifest = read('package.json');
  const options = { verifiedMavenNamespace: process.env.RELEASE_MAVEN_NAMESPACE };
  const problems = [...releaseProblems(manifest, options), ...clientProblems(manifest, read('client/package.json'))];
  for (const problem of problems) console.error(`release:check: ${problem}`);
  if (problems.length > 0) process.exit(1);
  console.log('release:check: the repository, author and Maven namespace are set, and the client package has them too');
}
