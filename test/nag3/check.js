// cdk-nag 3 (aws-cdk-lib's policy validation) over the packed library: no finding on any pusher or JWT authorizer, in the configurations
// the construct tests check with cdk-nag 2. Run from a directory where this aws-cdk-lib, cdk-nag 3 and the library's
// tarball are installed (.ci/nag3 makes one). Exits 1 on a finding, or if the check found nothing at all to report.
const fs = require('fs');
const path = require('path');
const { Validations } = require('aws-cdk-lib');
const { AwsSolutionsChecks } = require('cdk-nag');
const { configurations, pusherApp } = require('./configurations');

const outdir = path.join(__dirname, 'cdk.out');
fs.rmSync(outdir, { recursive: true, force: true });
const { app } = pusherApp(outdir);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
try {
  app.synth();
} catch (error) {
  // A validation failure throws after writing its report; the report is what is judged.
  if (!fs.existsSync(path.join(outdir, 'validation-report.json'))) throw error;
}
const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
const violations = report.pluginReports.flatMap((plugin) => plugin.violations.flatMap((v) =>
  v.violatingConstructs.map((c) => ({ rule: v.ruleName, path: c.constructPath }))));
const onPusher = violations.filter((v) => /^[^/]+\/(Pusher|Jwt)\//.test(v.path));
for (const v of onPusher) console.log(`  ${v.path}: ${v.rule}`);
const version = (pkg) => require(`${pkg}/package.json`).version;
console.log(`::: cdk-nag ${version('cdk-nag')} (aws-cdk-lib ${version('aws-cdk-lib')}), ${Object.keys(configurations).length} stacks: `
  + `${onPusher.length} finding(s) on the pusher, ${violations.length - onPusher.length} elsewhere (the test app's own stage and VPC)`);
// The app's own stage has no access logging: a run that reports nothing at all did not check anything.
process.exit(onPusher.length === 0 && violations.length > 0 ? 0 : 1);
