import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CfnResource } from 'aws-cdk-lib';
import { channels, integTest, segmented, users, type Configuration } from './configurations';
import { startLocalCommand } from '../../local/cli/local-command';

// The integration tests' stacks (test/integ/integ.*.ts), synthesized as integ-runner does and run on the local stack
// with the `local` command's own machinery: the template's routes, its inline `$connect` authorizer, its queues and
// topic on moto, and the probe function from the assembly. The probe's report must be the one the integ tests' assertion
// expects on AWS, so that an integration test fails on AWS only for what the local stack cannot show.

jest.setTimeout(240_000);

async function runProbe(build: (outdir: string) => Configuration): Promise<{ report: unknown; expected: unknown }> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'integ-probe-'));
  const configuration = build(outdir);
  configuration.app.synth();
  const command = await startLocalCommand({ app: outdir, port: 0, authorizer: 'assembly', log: () => undefined });
  try {
    const probe = configuration.stack.getLogicalId(configuration.probe.node.defaultChild as CfnResource);
    const report = await command.system.functions.invoke(probe, configuration.event);
    return { report, expected: configuration.expected };
  } finally {
    await command.stop();
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe('the integration tests\' probe, on the local stack', () => {
  test.each([['users', users], ['channels', channels], ['segmented', segmented]] as const)('%s: the report the assertion expects', async (_, build) => {
    const { report, expected } = await runProbe(build);
    expect(report).toEqual(expected);
  });

  test('segmented, without deduplication: the assertion would fail (each client drops a second copy)', async () => {
    const { report, expected } = await runProbe((outdir) => segmented(outdir, { deduplication: undefined }));
    expect(report).not.toEqual(expected);
    expect(report).toEqual({ received: Array.from({ length: 20 }, () => 1), duplicates: Array.from({ length: 20 }, () => 1) });
  });
});

describe('the integration tests\' stacks', () => {
  test.each([['users', users], ['channels', channels], ['segmented', segmented]] as const)(
    '%s: every function, the assertion providers\' too, on Node.js 22, and no map of older runtimes (the pinned alpha\'s, 18 and 20)',
    (name, build) => {
      const configuration = build(undefined);
      integTest(name, configuration);
      const stacks = configuration.app.synth().stacks;
      expect(stacks.map((stack) => stack.stackName)).toEqual(expect.arrayContaining([configuration.stack.stackName, expect.stringContaining('DeployAssert')]));
      const runtimes = stacks.flatMap((stack) => Object.entries<any>(stack.template.Resources)
        .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
        .map(([id, resource]) => `${stack.stackName}/${id}: ${JSON.stringify(resource.Properties.Runtime)}`));
      expect(runtimes.filter((r) => r.includes('DeployAssert')).length).toBeGreaterThan(0);
      expect(runtimes.filter((r) => !r.endsWith(': "nodejs22.x"'))).toEqual([]);
      // The alpha's map, read by nothing any more, is gone too (cfn-lint W7001).
      expect(stacks.filter((stack) => stack.template.Mappings?.LatestNodeRuntimeMap).map((stack) => stack.stackName)).toEqual([]);
    },
  );
});
