/**
 * `npx projen release:check`, the release task's first step: refuses to release a package whose published metadata is
 * still a placeholder. npm, PyPI and Maven Central show the repository URL and the author on every version, and a
 * version cannot be unpublished from Maven Central: a placeholder would stay there for good. The values are set once,
 * in `.projenrc.ts` (`repositoryUrl`, `author`, `authorAddress`, `publishToMaven`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The fields of package.json this check reads (projen writes them from `.projenrc.ts`). */
export interface ReleaseManifest {
  readonly repository?: { readonly url?: string };
  readonly author?: { readonly name?: string; readonly email?: string };
  readonly jsii?: { readonly targets?: { readonly java?: { readonly maven?: { readonly groupId?: string } } } };
}

/** Domains and GitHub owners reserved for examples (RFC 2606), never a real project's. */
const PLACEHOLDER = /(^|[./@])example(\.(com|org|net))?$/i;

/** The host of a repository URL: `https://host/…`, `git+https://host/…`, `git@host:…`. */
function hostOf(url: string): string {
  return /^(?:git\+)?[a-z]+:\/\/(?:[^@/]+@)?([^/:]+)/i.exec(url)?.[1] ?? /^[^@/]+@([^:/]+):/.exec(url)?.[1] ?? '';
}

/** What keeps `manifest` from being released, one sentence each; none when it can be. */
export function releaseProblems(manifest: ReleaseManifest): string[] {
  const problems: string[] = [];
  const url = manifest.repository?.url ?? '';
  const github = /^(?:git\+)?https:\/\/github\.com\/([A-Za-z0-9-]+)\/[A-Za-z0-9._-]+?(?:\.git)?$/.exec(url);
  if (!url) {
    problems.push('repository.url is not set: set repositoryUrl in .projenrc.ts');
  } else if (PLACEHOLDER.test(hostOf(url)) || (github && PLACEHOLDER.test(github[1]))) {
    problems.push(`repository.url is a placeholder (${url}): set repositoryUrl in .projenrc.ts to the project's repository`);
  }
  const email = manifest.author?.email ?? '';
  if (!manifest.author?.name) problems.push('author.name is not set: set author in .projenrc.ts');
  if (!email || PLACEHOLDER.test(email.split('@')[1] ?? '')) {
    problems.push(`author.email is ${email ? `a placeholder (${email})` : 'not set'}: set authorAddress in .projenrc.ts`);
  }
  // Maven Central grants an io.github.<owner> namespace only to that GitHub account (or organization).
  const groupId = manifest.jsii?.targets?.java?.maven?.groupId;
  const namespace = groupId && /^io\.github\.([A-Za-z0-9-]+)$/i.exec(groupId);
  if (namespace && github && namespace[1].toLowerCase() !== github[1].toLowerCase()) {
    problems.push(`the Maven groupId ${groupId} is not the repository owner's namespace (io.github.${github[1].toLowerCase()}): `
      + 'Maven Central verifies io.github.<owner> against that GitHub account; set publishToMaven.mavenGroupId in .projenrc.ts');
  }
  return problems;
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
  const problems = [...releaseProblems(manifest), ...clientProblems(manifest, read('client/package.json'))];
  for (const problem of problems) console.error(`release:check: ${problem}`);
  if (problems.length > 0) process.exit(1);
  console.log('release:check: the repository, author and Maven namespace are set, and the client package has them too');
}
