import * as path from 'node:path';

/**
 * Where the packaged assets are: `assets/` at the repository's root when this runs from source (`local/paths.ts`), or
 * the `assets/` folder the local command's bundle itself lives in (`assets/local/cli/index.js`).
 */
function assetsDir(): string {
  const marker = `${path.sep}assets${path.sep}`;
  const at = __dirname.lastIndexOf(marker);
  return at >= 0 ? __dirname.slice(0, at + marker.length - 1) : path.resolve(__dirname, '..', 'assets');
}

/** The bundled pusher handler, exactly as the package ships it. */
export const BUNDLED_HANDLER = path.join(assetsDir(), 'lambda', 'pusher.lambda', 'index.js');

/** A bundled function of the construct, by its kind (`channels`, `connection-stream`, `jwt-authorizer`), as the package ships it. */
export function bundledFunction(kind: string): string {
  return path.join(assetsDir(), 'lambda', `${kind}.lambda`, 'index.js');
}

/** The Lambda runtime's worker (`local/lambda-runtime/worker.ts`, bundled): what runs each function. */
export const RUNTIME_WORKER = path.join(assetsDir(), 'local', 'runtime', 'index.js');

/** The local console's page (`local/console/page/`, its script bundled): what `local` serves under `/console`. */
export const CONSOLE_PAGE_DIR = path.join(assetsDir(), 'local', 'console');

/** Where `local/aws/moto/install-moto.sh` installs moto's server: `.venv-moto` at the repository's root. */
export const MOTO_VENV = path.resolve(assetsDir(), '..', '.venv-moto');

/** The package's own package.json (its version, for `--version`). */
export const PACKAGE_JSON = path.resolve(assetsDir(), '..', 'package.json');
