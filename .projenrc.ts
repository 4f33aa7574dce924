import { awscdk, Component, javascript, JsonFile } from 'projen';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-websocket-pusher',
  description:
    'AWS CDK L3 construct: a Lambda that pushes notification requests from SNS and SQS to API Gateway WebSocket users (multicast, broadcast, exclusion, stale-connection pruning).',
  author: 'WebsocketPusher contributors',
  authorAddress: 'maintainers@example.com',
  repositoryUrl: 'https://github.com/example/cdk-websocket-pusher.git',
  license: 'Apache-2.0',
  keywords: ['cdk', 'awscdk', 'websocket', 'apigateway', 'push', 'sns', 'sqs', 'lambda', 'dynamodb'],
  defaultReleaseBranch: 'main',
  // 0.x until the API is declared stable: a breaking change bumps the minor version, never to 1.0 by itself.
  majorVersion: 0,
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  tsconfigDevFile: 'tsconfig.dev.json',

  // A deliberately low floor: the peer dependency is `^cdkVersion`, and the tests run against exactly it.
  cdkVersion: '2.189.1',
  jsiiVersion: '~6.0.0',

  publishToPypi: {
    distName: 'cdk-websocket-pusher',
    module: 'cdk_websocket_pusher',
  },
  publishToMaven: {
    javaPackage: 'io.github.cdkwebsocketpusher',
    mavenGroupId: 'io.github.cdkwebsocketpusher',
    mavenArtifactId: 'cdk-websocket-pusher',
  },

  // Handlers are registered explicitly below, so that the entry point lives in lambda/ (not src/).
  lambdaAutoDiscover: false,

  // Libraries bundled into the handler asset and the local test stack: never runtime dependencies.
  devDeps: [
    '@aws-sdk/client-apigatewaymanagementapi@^3',
    '@aws-sdk/client-dynamodb@^3',
    '@aws-sdk/client-eventbridge@^3',
    '@aws-sdk/client-sns@^3',
    '@aws-sdk/client-sqs@^3',
    '@aws-sdk/client-lambda@^3',
    '@aws-sdk/util-dynamodb@^3',
    '@smithy/core',
    '@smithy/node-http-handler',
    '@smithy/signature-v4',
    '@smithy/types',
    '@aws-sdk/credential-provider-env@^3',
    '@aws-sdk/credential-provider-http@^3',
    '@aws-crypto/sha256-js',
    '@aws-lambda-powertools/logger@^2',
    '@aws-lambda-powertools/metrics@^2',
    '@aws-lambda-powertools/batch@^2',
    '@aws-lambda-powertools/idempotency@^2',
    '@types/aws-lambda',
    'aws-sdk-client-mock@^4',
    'aws-sdk-client-mock-jest@^4',
    'dynalite@^4',
    'ws@^8',
    'velocityjs@^2',
    'jsonpath-plus@^10',
    'aws-jwt-verify@^5',
    'jose@^5',
    'cdk-monitoring-constructs@^10',
    '@types/ws@^8',
    'cdk-nag@^2',
    'esbuild',
  ],

  eslintOptions: {
    dirs: ['src'],
    // Handler, local stack, bench, scripts and tests are checked with the dev tsconfig and may import devDependencies
    // (the handler's libraries are bundled into its asset).
    devdirs: ['test', 'lambda', 'local', 'bench', 'scripts', 'examples/typescript'],
    tsconfigPath: './tsconfig.dev.json',
    projectService: false,
  },

  jestOptions: {
    // Snapshots must be able to fail: they are updated on purpose with `npx projen test:update`.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testTimeout: 60_000,
      // The examples import the package by its published name, exactly as the README shows them.
      moduleNameMapper: { '^cdk-websocket-pusher$': '<rootDir>/src/index.ts' },
    },
  },

  gitignore: ['/.bench/', '/.venv-moto', '/.venv-moto/', '/.venv-cfn-lint/', '/examples/**/cdk.out/', '/examples/python/.venv/', '/examples/java/target/'],
});

for (const pattern of ['/lambda/', '/local/', '/bench/', '/scripts/', '/docs/', '/examples/', '/.ci/', '/tsconfig.dev.json', '/.bench/', '/.venv-moto', '/.venv-cfn-lint/', '/.nag3/', '/projenrc/']) {
  project.addPackageIgnore(pattern);
}

// The bundled functions, each built at build time into assets/lambda/<entry>.lambda/ and loaded by its generated
// (unexported) construct in src/: the pusher; the `$connect` JWT authorizer (JwtAuthorizer); the channels' subscribe /
// unsubscribe function; the function on the connections table's stream that removes a gone connection's
// subscriptions. Each bundles the AWS SDK too: the asset pins the versions it was tested with.
const bundledFunctions: Record<string, string> = {
  'pusher': 'PusherFunction',
  'jwt-authorizer': 'JwtAuthorizerFunction',
  'channels': 'ChannelsFunction',
  'connection-stream': 'ConnectionStreamFunction',
};
for (const [entry, constructName] of Object.entries(bundledFunctions)) {
  new awscdk.LambdaFunction(project, {
    entrypoint: `lambda/${entry}.lambda.ts`,
    constructFile: `src/${entry}-function.ts`,
    constructName,
    cdkDeps: project.cdkDeps,
    runtime: awscdk.LambdaRuntime.NODEJS_22_X,
    bundlingOptions: { externals: [] },
  });
}
// Minified, and the packages' ES modules first so that esbuild drops what the handler never imports (the SDK's
// CommonJS entry points carry every command of a client), and the SDK's default credential chain replaced by Lambda's
// sources (lambda/adapters/lambda-credentials.ts): 1.73 MB -> 4xx KB (issue 16; test/lambda/bundle-size.test.ts).
// projen's LambdaFunction has no option for these: they are added to the esbuild step it generates.
for (const name of Object.keys(bundledFunctions).flatMap((entry) => [`bundle:lambda/${entry}.lambda`, `bundle:lambda/${entry}.lambda:watch`])) {
  const task = project.tasks.tryFind(name)!;
  const step = task.steps[0];
  task.updateStep(0, {
    ...step,
    execArgs: [...step.execArgs!, '--minify', '--main-fields=module,main', '--alias:@aws-sdk/credential-provider-node=./lambda/adapters/lambda-credentials.ts'],
  });
}

// The local command (`npx cdk-websocket-pusher local`), bundled like the handler (projenrc/bundle-local-cli.ts). Its
// console's page (local/console/page/) is browser code: type-checked against the DOM's types by its own tsconfig, apart
// from the dev tsconfig (whose Node.js code must not see them: lib.dom's setTimeout returns a number), then bundled too.
project.bundler.bundleTask.exec('tsc -p local/console/page/tsconfig.json');
project.bundler.bundleTask.exec('ts-node --project projenrc/tsconfig.json projenrc/bundle-local-cli.ts');
project.tsconfigDev.addExclude('local/console/page');
project.eslint?.addOverride({
  files: ['local/console/page/**/*.ts'],
  parserOptions: { project: './local/console/page/tsconfig.json' },
  env: { browser: true, node: false },
} as javascript.EslintOverride);
project.addBins({ 'cdk-websocket-pusher': 'assets/local/cli/index.js' });

// local/ by concern, each folder importing only downwards: template/ (reading templates) and events/ run nothing; the
// API Gateway emulator (api-gateway/) gets its backends injected; the AWS service runners (aws/) and the Lambda runtime
// (lambda-runtime/) know no API; system/ composes them all; the console in the browser (console/) reads a system; the
// CLI, the demo and the test client sit on top. The handler is run from its bundle, never imported: local/ shares only
// its SHA-256 primitive.
const localFolders = ['template', 'events', 'api-gateway', 'aws', 'lambda-runtime', 'system', 'client', 'console', 'cli', 'demo'];
const localMayImport: Record<string, string[]> = {
  'template': [],
  'events': [],
  'api-gateway': ['template'],
  'aws': [],
  'lambda-runtime': ['aws', 'events'],
  'system': ['template', 'events', 'api-gateway', 'aws', 'lambda-runtime', 'client'],
  'client': ['api-gateway'],
  'console': ['template', 'api-gateway', 'system'],
  'cli': ['template', 'api-gateway', 'lambda-runtime', 'system', 'console'],
  'demo': ['api-gateway', 'client', 'events', 'lambda-runtime', 'system', 'console'],
};
const localZones = [
  ...localFolders.map((folder) => ({
    target: `./local/${folder}`,
    from: localFolders.filter((other) => other !== folder && !localMayImport[folder].includes(other)).map((other) => `./local/${other}`),
    message: `local/${folder} may import only ${localMayImport[folder].map((f) => `local/${f}`).join(', ') || 'the shared modules at local/\'s root'} (see .projenrc.ts)`,
  })),
  { target: './local', from: './lambda', except: ['./adapters/native-sha256.ts'], message: 'local/ runs the handler from its bundle: it shares only lambda/adapters/native-sha256.ts' },
];

// The map stays true: no import cycle anywhere; the handler's layers import only downwards (entry → invocation →
// work → core; adapters implement core's ports), core, work and invocation do no I/O of their own, and the
// construct and the handler share only src/shared/.
project.eslint?.addRules({
  'import/no-cycle': ['error', { ignoreExternal: true }],
  'import/no-restricted-paths': ['error', {
    zones: [
      {
        target: './lambda/core',
        from: ['./lambda/adapters', './lambda/work', './lambda/invocation', './lambda/pusher.lambda.ts'],
        message: 'lambda/core is the pure core: it imports no adapter, work item or invocation code',
      },
      {
        target: './lambda/work',
        from: ['./lambda/adapters', './lambda/invocation', './lambda/pusher.lambda.ts'],
        message: 'lambda/work builds on the core only; adapters are injected by the entry',
      },
      {
        target: './lambda/invocation',
        from: ['./lambda/adapters', './lambda/pusher.lambda.ts'],
        message: 'lambda/invocation gets its adapters injected by the entry',
      },
      { target: './lambda/adapters', from: ['./lambda/invocation', './lambda/pusher.lambda.ts'] },
      // The channels function and the connection stream function: the same layers, each its own core and adapters.
      ...['channels', 'connection-stream'].flatMap((fn) => [
        {
          target: `./lambda/${fn}/core`,
          from: [`./lambda/${fn}/adapters`, `./lambda/${fn}.lambda.ts`],
          message: `lambda/${fn}/core is pure: its adapters are injected by the entry`,
        },
        { target: `./lambda/${fn}/adapters`, from: `./lambda/${fn}.lambda.ts` },
      ]),
      { target: './lambda', from: './src', except: ['./shared'], message: 'the handler shares only src/shared/ with the construct' },
      { target: './src', from: ['./lambda', './local', './bench', './test'], message: 'the construct library ships src/ alone' },
      ...localZones,
    ],
  }],
});
project.eslint?.addOverride({
  files: ['lambda/core/**/*.ts', 'lambda/work/**/*.ts', 'lambda/invocation/**/*.ts', 'lambda/channels/core/**/*.ts', 'lambda/connection-stream/core/**/*.ts'],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [{
        group: ['@aws-sdk/*', '@smithy/*', '@aws-lambda-powertools/*', 'node:http', 'node:https', 'http', 'https'],
        message: 'no I/O outside lambda/adapters/: define a port in lambda/core/ports/ and implement it there',
      }],
    }],
  },
});

// Files and functions a reader can hold in mind: at most 300 lines a file, 60 a function, in the shipped and run code.
project.eslint?.addOverride({
  files: ['src/**/*.ts', 'lambda/**/*.ts', 'local/**/*.ts', 'bench/**/*.ts'],
  rules: {
    'max-lines': ['error', { max: 300 }],
    'max-lines-per-function': ['error', { max: 60 }],
  },
});

// No import cycle, type imports included (eslint's import/no-cycle does not follow `import type`): dpdm over every
// source folder, run with the tests.
project.addDevDeps('dpdm');
const cycles = project.addTask('cycles', {
  description: 'Fails on any import cycle in src/, lambda/, local/ and bench/, type imports included',
  exec: "dpdm --no-warning --no-tree --transform false --exit-code circular:1 'src/**/*.ts' 'lambda/**/*.ts' 'local/**/*.ts' 'bench/**/*.ts'",
});
project.testTask.spawn(cycles);

// lambda/, local/ and bench/ are TypeScript checked by the dev tsconfig and linted like src/.
for (const dir of ['lambda', 'local', 'bench', 'examples/typescript']) {
  project.tsconfigDev.addInclude(`${dir}/**/*.ts`);
}
project.tsconfigDev.addInclude('.projenrc.ts');
project.tsconfigDev.file.addOverride('compilerOptions.paths', { 'cdk-websocket-pusher': ['./src/index.ts'] });

// Tests load the bundled handler from assets/ and drive the segmented broadcast through moto's SQS server:
// bundle and install moto (a no-op once installed) before every test run.
project.testTask.prependExec('bash local/aws/moto/install-moto.sh');
project.testTask.prependSpawn(project.tasks.tryFind('bundle')!);

// Integration tests (test/integ/integ.*.ts): integ-runner compares each app's synthesis with its committed snapshot
// (no account: the templates, asset hashes masked) with the tests; `integ:deploy` deploys them, with credentials. The
// probe function they deploy is bundled first (test/integ/probe/dist/, not committed). Versions pinned: a newer
// integ-runner may bring other feature flags, and integ-tests-alpha must not ask for a newer aws-cdk-lib than the floor.
project.addDevDeps('@aws-cdk/integ-runner@2.197.10', '@aws-cdk/integ-tests-alpha@2.187.0-alpha.0');
const integProbe = project.addTask('integ:probe', {
  description: "Bundle the integration tests' probe function (test/integ/probe/dist/)",
  exec: 'esbuild --bundle test/integ/probe/probe.lambda.ts --target=node22 --platform=node --minify '
    + '--outfile=test/integ/probe/dist/index.js --tsconfig=tsconfig.dev.json --main-fields=module,main '
    // ws's optional native add-ons: it runs without them.
    + '--external:bufferutil --external:utf-8-validate',
});
const integRunner = 'integ-runner --language typescript --directory test/integ';
const integ = project.addTask('integ', {
  description: 'Compare every integration test\'s synthesis with its snapshot (test/integ/*.snapshot), without an AWS account',
  env: { TS_NODE_PROJECT: 'tsconfig.dev.json' },
  steps: [{ spawn: integProbe.name }, { exec: integRunner, receiveArgs: true }],
});
project.addTask('integ:snapshot', {
  description: 'Write the integration tests\' snapshots again from their synthesis, without deploying (after a deliberate change)',
  env: { TS_NODE_PROJECT: 'tsconfig.dev.json' },
  steps: [{ spawn: integProbe.name }, { exec: `${integRunner} --update-on-failed --dry-run`, receiveArgs: true }],
});
project.addTask('integ:deploy', {
  description: 'Deploy every integration test, run its assertions and destroy it (needs AWS credentials; see the README)',
  env: { TS_NODE_PROJECT: 'tsconfig.dev.json' },
  // integ-runner deploys to us-east-1, us-east-2 and us-west-2 unless told: the Region of the credentials' environment.
  steps: [{ spawn: integProbe.name }, { exec: `${integRunner} --force --parallel-regions "\${AWS_REGION:-us-east-1}"`, receiveArgs: true }],
});
project.testTask.spawn(integ);
// test/integ/probe.test.ts runs the probe on the local stack: bundled before the tests too.
project.testTask.prependSpawn(integProbe);
project.gitignore.exclude('/test/integ/probe/dist/', '/test/integ/**/cdk-integ.out.*', '/test/integ/*.snapshot/asset.*');

// The npm tarball alone (dist/js/), for installing from source: the bundles, jsii and jsii-pacmak's JavaScript target,
// without the tests and without Maven or Python (which `npx projen build` needs outside CI, for package-all).
project.addTask('tarball', {
  description: 'Build the npm tarballs only (dist/js/: the library and the client package): bundle, compile, package the JavaScript target; no tests, no Java or Python',
  steps: [{ spawn: 'pre-compile' }, { spawn: 'compile' }, { spawn: 'package:js' }],
});

project.addTask('demo', {
  description: 'Run the local demo: the bundled pusher against dynalite and the WebSocket emulator (no AWS account)',
  steps: [{ spawn: 'bundle' }, { exec: 'ts-node --project tsconfig.dev.json local/demo/demo.ts', receiveArgs: true }],
});

// A release refuses placeholder metadata (repositoryUrl, author, the Maven namespace, and the client package's, which
// must equal the library's): npm, PyPI and Maven Central would show it on every version, and Maven Central never
// unpublishes one. Checked last, so that the release workflow on main still builds and tests before it fails.
const releaseCheck = project.addTask('release:check', {
  description: 'Fails when the repository URL, the author or the Maven namespace is a placeholder, or the client package\'s differ (the release task\'s last step)',
  exec: 'ts-node --project tsconfig.dev.json scripts/release-check.ts',
});
project.tasks.tryFind('release')!.spawn(releaseCheck);

// The README's screenshot of the console (docs/console.png), regenerated from a scripted session in headless Chromium.
project.addTask('console-screenshot', {
  description: "Regenerate docs/console.png, the README's screenshot of the local console (needs Chromium: apt-get install chromium)",
  steps: [{ spawn: 'bundle' }, { exec: 'ts-node --project tsconfig.dev.json scripts/console-screenshot.ts' }],
});

project.addTask('bench', {
  description: "Benchmark: fan-out throughput, CPU and memory of the bundled pusher vs the AWS samples' baseline and the ceiling (see BENCHMARKS.md)",
  receiveArgs: true,
  steps: [{ spawn: 'bundle' }, { exec: 'ts-node --project tsconfig.dev.json bench/run.ts', receiveArgs: true }],
});

project.addTask('bench:segmented', {
  description: 'Segmented broadcast benchmark: 50,000 connections with 1, 4 and 16 workers through moto SQS; writes bench/results/segmented-latest.json',
  receiveArgs: true,
  steps: [
    { spawn: 'bundle' },
    { exec: 'bash local/aws/moto/install-moto.sh' },
    { exec: 'ts-node --project tsconfig.dev.json bench/segmented.ts', receiveArgs: true },
  ],
});

// src/'s doc comments are the published docs (API.md, the Python and Java docs): TSDoc syntax errors fail the lint,
// e.g. a comment line beginning with `@connections`, which TSDoc and jsii read as a block tag, cut from the text.
// tsdoc.json declares jsii's `@default` (no projen marker: TSDoc's schema allows no other key).
project.addDevDeps('eslint-plugin-tsdoc');
project.eslint?.addOverride({
  files: ['src/**/*.ts'],
  plugins: ['tsdoc'],
  rules: { 'tsdoc/syntax': 'error' },
});
new JsonFile(project, 'tsdoc.json', {
  marker: false,
  obj: {
    $schema: 'https://developer.microsoft.com/json-schemas/tsdoc/v0/tsdoc.schema.json',
    tagDefinitions: [{ tagName: '@default', syntaxKind: 'block' }],
  },
});
project.addPackageIgnore('/tsdoc.json');

// ---- The client package (client/, npm `cdk-websocket-pusher-client`; issue 23) --------------------------------------
// Built and packed apart from the jsii library by projenrc/client-package.ts: ES modules, type declarations and a
// minified browser bundle in client/dist/ (git-ignored, not in the library's tarball); its tarball at the library's
// version in dist/js/, next to the library's, so that the release workflow's publib-npm publishes both.
const clientBuild = project.addTask('client:build', {
  description: 'Build the client package: ES modules and type declarations in client/dist/, and its minified browser bundle',
  exec: 'ts-node --project projenrc/tsconfig.json projenrc/client-package.ts build',
});
const clientPack = project.addTask('client:pack', {
  description: "Pack the client package at the library's version into dist/js/ (builds it first)",
  exec: 'ts-node --project projenrc/tsconfig.json projenrc/client-package.ts pack',
});
// With the bundles: before compile, and before the tests (the test task spawns `bundle` too).
project.bundler.bundleTask.spawn(clientBuild);
// After jsii-pacmak, which empties dist/js/: both the release job and release_npm's `npx projen package:js` pack it.
project.tasks.tryFind('package:js')!.spawn(clientPack);
project.gitignore.exclude('/client/dist/');
project.tsconfigDev.addExclude('client/dist');
project.addPackageIgnore('/client/');
// The client's modules import each other as `./x.js` (ES modules, as Node.js needs); jest runs them from TypeScript.
project.jest?.addModuleNameMappers({ '^(\\.{1,2}/.*)\\.js$': '$1' });
// The browser test drives Debian's Chromium (/usr/bin/chromium, installed by .ci/run): no browser download.
project.addDevDeps('playwright-core');
project.eslint?.addLintPattern('client/src');
project.eslint?.addOverride({
  files: ['client/src/**/*.ts'],
  rules: {
    'max-lines': ['error', { max: 300 }],
    'max-lines-per-function': ['error', { max: 60 }],
    'no-restricted-imports': ['error', {
      patterns: [{ regex: '^(?!\\./)', message: 'the client package has no runtime dependency and runs in browsers: it imports only its own modules' }],
    }],
  },
});
// projen's jsii build and release jobs unpack `dist/js/*.tgz` over a checkout; with the client's tarball there too, tar
// takes the second for a member to extract and fails. They unpack the library's alone (jsii-pacmak names it name@version).
new (class LibraryTarballOnly extends Component {
  preSynthesize(): void {
    let patched = 0;
    for (const workflow of [project.github?.tryFindWorkflow('build'), project.github?.tryFindWorkflow('release')]) {
      for (const jobId of Object.keys(workflow?.jobs ?? {})) {
        let run: string | undefined;
        try {
          run = workflow!.getStep(jobId, 'extract_build_artifact').run;
        } catch {
          continue; // a job without the step
        }
        if (!run?.includes('dist/js/*.tgz')) throw new Error(`${workflow!.name}.${jobId}: projen's extract step changed: ${run}`);
        workflow!.patchStep(jobId, 'extract_build_artifact', { run: run.replace('dist/js/*.tgz', `dist/js/${project.package.packageName}@*.tgz`) });
        patched++;
      }
    }
    if (patched === 0) throw new Error('no extract_build_artifact step found in the build and release workflows: see .projenrc.ts');
  }
})(project);

project.synth();
