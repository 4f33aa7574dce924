// The packed library uses no deprecated aws-cdk-lib API on the aws-cdk-lib of package.json (newer than the floor the
// jest tests run on): with JSII_DEPRECATED=fail (.ci/nag3 sets it), aws-cdk-lib throws a DeprecationError where it
// would print "... is deprecated"; the configurations are built, every grant and metric method called (and every
// lifecycle event rule method, on the pushers with lifecycle events), a dashboard added, and synthesized. Exits 1 on a
// deprecated API, on a deprecation warning in the synthesized stacks, or when a deprecated call does not fail (the check
// would not check anything).
const fs = require('fs');
const path = require('path');
const logs = require('aws-cdk-lib/aws-logs');
const iam = require('aws-cdk-lib/aws-iam');
const { Stack } = require('aws-cdk-lib');
const { configurations, pusherApp } = require('./configurations');

if (process.env.JSII_DEPRECATED !== 'fail') {
  console.log('::: FAILED: run with JSII_DEPRECATED=fail');
  process.exit(1);
}

/** The methods of `object` whose names start with `prefix`, own or inherited. */
function methods(object, prefix) {
  const names = new Set();
  for (let proto = Object.getPrototypeOf(object); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name.startsWith(prefix) && typeof object[name] === 'function') names.add(name);
    }
  }
  return [...names];
}

const outdir = path.join(__dirname, 'cdk.out.deprecations');
fs.rmSync(outdir, { recursive: true, force: true });
let assembly;
try {
  const { app, pushers } = pusherApp(outdir);
  for (const pusher of pushers) {
    const backend = new iam.Role(Stack.of(pusher), 'Backend', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    for (const grant of methods(pusher, 'grant')) pusher[grant](backend);
    for (const metric of methods(pusher, 'metric')) pusher[metric](...(metric === 'metric' ? ['Delivered'] : []));
    pusher.createDashboard();
    // The rules of lifecycle events (only a pusher with lifecycleEvents has a bus to route from).
    if (pusher.lifecycleEventBus) for (const on of methods(pusher, 'on').filter((name) => /^on[A-Z]/.test(name))) pusher[on](`${on}Rule`);
  }
  assembly = app.synth();
} catch (error) {
  if (error.name !== 'DeprecationError') throw error;
  console.log(`::: FAILED: the library uses a deprecated aws-cdk-lib API: ${error.message}`);
  process.exit(1);
}

// Deprecations that aws-cdk-lib reports as construct warnings rather than through jsii.
const warnings = assembly.stacks.flatMap((stack) => Object.entries(stack.manifest.metadata ?? {})
  .flatMap(([where, entries]) => entries.filter((e) => e.type === 'aws:cdk:warning' && /deprecat/i.test(JSON.stringify(e.data)))
    .map((e) => `${where}: ${JSON.stringify(e.data)}`)));
for (const warning of warnings) console.log(`  ${warning}`);

// The canary, after the library (each deprecated API fails once only): a deprecated prop the library never passes.
let canaryFailed = false;
try {
  new logs.QueryString({ filter: 'canary' });
} catch (error) {
  canaryFailed = error.name === 'DeprecationError';
}
if (!canaryFailed) console.log('::: FAILED: a deprecated API did not fail with JSII_DEPRECATED=fail: this check checks nothing');

const version = require('aws-cdk-lib/package.json').version;
console.log(`::: aws-cdk-lib ${version}, JSII_DEPRECATED=fail, ${Object.keys(configurations).length} stacks: `
  + `${warnings.length} deprecation warning(s) in the stacks`);
process.exit(canaryFailed && warnings.length === 0 ? 0 : 1);
