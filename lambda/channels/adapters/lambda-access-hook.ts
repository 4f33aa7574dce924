import { InvokeCommand, LambdaClient, type LambdaClientConfig } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AccessHook, HookEvent, HookVerdict } from '../core/ports';

/** How long a hook's invocation may take before the subscribe is answered UNAVAILABLE. */
export const HOOK_TIMEOUT_MS = 10_000;

/**
 * The client hooks are invoked with. A hook answers within 10 s or the subscribe is UNAVAILABLE (the client tries
 * again), with one retry: the reply must beat API Gateway's 29-second integration timeout, whose error frame would
 * carry no code or ref. `throwOnRequestTimeout`: without it, the handler only logs a warning when the timeout passes
 * and keeps waiting (tested: test/lambda/channels/hook-timeout.test.ts).
 */
export function hookClient(config: LambdaClientConfig = {}, timeoutMs = HOOK_TIMEOUT_MS): LambdaClient {
  const requestHandler = new NodeHttpHandler({ requestTimeout: timeoutMs, throwOnRequestTimeout: true });
  return new LambdaClient({ maxAttempts: 2, requestHandler, ...config });
}

/** What of a hook's answer a log line quotes, at most. */
const QUOTED_ANSWER_CHARACTERS = 300;

const quote = (text: string) => (text.length > QUOTED_ANSWER_CHARACTERS ? `${text.slice(0, QUOTED_ANSWER_CHARACTERS)}…` : text);

/**
 * The application's hook function, invoked synchronously (`RequestResponse`). Its answer is a JSON object whose `allow`
 * is a boolean: `true` allows, `false` denies. A function that failed (`FunctionError`: it threw, or timed out) and any
 * other answer are `failed`: the application's bug or outage, not its decision. Rejects when the invocation itself
 * fails (throttled, network, permissions). The caller answers both `UNAVAILABLE`.
 */
export class LambdaAccessHook implements AccessHook {
  constructor(private readonly client: LambdaClient) {}

  async ask(functionArn: string, event: HookEvent): Promise<HookVerdict> {
    const out = await this.client.send(new InvokeCommand({
      FunctionName: functionArn,
      InvocationType: 'RequestResponse',
      Payload: new TextEncoder().encode(JSON.stringify(event)),
    }));
    const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
    if (out.FunctionError !== undefined) {
      return { verdict: 'failed', reason: `the hook failed (${out.FunctionError}): ${quote(text)}` };
    }
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      return { verdict: 'failed', reason: `the hook's answer is not JSON: ${quote(text)}` };
    }
    const allow = isObject(answer) && Object.prototype.hasOwnProperty.call(answer, 'allow') ? answer.allow : undefined;
    if (allow === true) return { verdict: 'allow' };
    if (allow === false) return { verdict: 'deny', reason: 'the hook answered allow: false' };
    return { verdict: 'failed', reason: `the hook's answer has no boolean allow: ${quote(text)}` };
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
