/**
 * Bundles the local command (`npx cdk-websocket-pusher local`) into assets/local/cli/index.js, like the handler, so that
 * its libraries (dynalite, ws, velocityjs, the SDK clients) never become dependencies of the construct library; and the
 * Lambda runtime's worker (local/lambda-runtime/worker.ts), which runs every function, into assets/local/runtime/index.js;
 * and the console's page (local/console/page/: its browser script, its HTML and its style) into assets/local/console/.
 *
 * Two things esbuild's CLI cannot do, done here with its API:
 * - dynalite loads its actions with `require('./actions/' + name)`: rewritten into a static table of requires;
 * - dynalite requires `level` (a native addon) at load but uses it only for tables on disk: replaced by a stub.
 * aws-cdk-lib stays external: the command never synthesizes, so it never loads it.
 */
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { build, type Plugin } from 'esbuild';

const dynaliteActions: Plugin = {
  name: 'dynalite-static-actions',
  setup(b) {
    b.onLoad({ filter: /[\\/]dynalite[\\/]index\.js$/ }, (args) => {
      const dir = path.dirname(args.path);
      const table = (sub: string) => `{${readdirSync(path.join(dir, sub)).filter((f) => f.endsWith('.js'))
        .map((f) => `${JSON.stringify(f.slice(0, -3))}: () => require('./${sub}/${f}')`).join(',')}}`;
      const source = readFileSync(args.path, 'utf8');
      const rewritten = source
        .replace("require('./actions/' + action)", `(${table('actions')})[action]()`)
        .replace("require('./validations/' + action)", `(${table('validations')})[action]()`);
      if (rewritten === source) throw new Error('dynalite/index.js changed: its dynamic requires were not found');
      return { contents: rewritten, loader: 'js', resolveDir: dir };
    });
  },
};

const common = { bundle: true, platform: 'node', target: 'node20', minify: true, logLevel: 'warning' } as const;

void Promise.all([
  build({
    ...common,
    entryPoints: ['local/cli/cli.ts'],
    outfile: 'assets/local/cli/index.js',
    external: ['aws-cdk-lib', 'constructs'],
    alias: { level: './local/aws/dynamodb/level-stub.ts' },
    banner: { js: '#!/usr/bin/env node' },
    plugins: [dynaliteActions],
  }),
  build({ ...common, entryPoints: ['local/lambda-runtime/worker.ts'], outfile: 'assets/local/runtime/index.js' }),
  build({
    bundle: true,
    platform: 'browser',
    target: 'es2020',
    format: 'iife',
    logLevel: 'warning',
    entryPoints: ['local/console/page/console.ts'],
    outfile: 'assets/local/console/console.js',
  }).then(() => {
    // esbuild made the folder: the page's other files go next to its script.
    for (const file of ['index.html', 'console.css']) copyFileSync(path.join('local/console/page', file), path.join('assets/local/console', file));
  }),
]).catch(() => process.exit(1));
