import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FunctionRunner } from '../../../local/lambda-runtime/function-runner';

/** A function's code file in a temporary directory. */
function code(source: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'runner-')), 'index.js');
  writeFileSync(file, source);
  return file;
}

describe('FunctionRunner: one execution environment in a worker', () => {
  const runners: FunctionRunner[] = [];
  afterEach(async () => Promise.all(runners.splice(0).map((r) => r.stop())));
  const load = async (source: string, env: Record<string, string> = {}) => {
    const runner = await FunctionRunner.load(env, code(source));
    runners.push(runner);
    return runner;
  };

  test('its environment, its result, its output lines (JSON ones parsed) and the Lambda context', async () => {
    const runner = await load(`exports.handler = async (event, context) => {
      console.log(JSON.stringify({ message: 'hi', n: event.n }));
      console.error('plain line');
      return { name: process.env.AWS_LAMBDA_FUNCTION_NAME, left: context.getRemainingTimeInMillis() > 0, id: context.awsRequestId };
    };`, { AWS_LAMBDA_FUNCTION_NAME: 'Fn' });
    const invocation = await runner.invoke({ n: 1 });
    expect(invocation.result).toEqual({ name: 'Fn', left: true, id: expect.stringMatching(/^local-invocation-/) });
    expect(invocation.lines).toEqual(['{"message":"hi","n":1}', 'plain line']);
    expect(invocation.json).toEqual([{ message: 'hi', n: 1 }]);
  });

  test('a throw is the invocation\'s error, and the environment goes on', async () => {
    const runner = await load('let n = 0; exports.handler = async () => { n++; if (n === 1) throw new TypeError("first"); return n; };');
    expect((await runner.invoke({})).error).toEqual({ name: 'TypeError', message: 'first' });
    expect((await runner.invoke({})).result).toBe(2);
  });

  test('invocations asked for at once run one after the other, each with its own lines', async () => {
    const runner = await load('let busy = false; exports.handler = async (e) => { if (busy) throw new Error("overlap"); busy = true; await new Promise((r) => setTimeout(r, 20)); console.log(e.i); busy = false; return e.i; };');
    const invocations = await Promise.all([1, 2, 3].map((i) => runner.invoke({ i })));
    expect(invocations.map((i) => [i.result, i.lines])).toEqual([[1, ['1']], [2, ['2']], [3, ['3']]]);
  });

  test('code that fails to load is reported at load', async () => {
    await expect(FunctionRunner.load({}, code('throw new Error("broken module");'))).rejects.toThrow('the function failed to load: broken module');
  });
});
