import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { AccessHook, HookEvent, HookVerdict } from '../core/ports';

/** What of a refusing hook's answer a log line quotes, at most. */
const QUOTED_ANSWER_CHARACTERS = 300;

const quote = (text: string) => (text.length > QUOTED_ANSWER_CHARACTERS ? `${text.slice(0, QUOTED_ANSWER_CHARACTERS)}…` : text);

/**
 * The application's hook function, invoked synchronously (`RequestResponse`). Allowed only on an answer whose `allow`
 * is `true`; any other answer, and a function that failed (`FunctionError`), is a refusal. Rejects when the invocation
 * itself fails (throttled, network, permissions): the caller answers `UNAVAILABLE`.
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
      return { allowed: false, failed: true, reason: `the hook failed (${out.FunctionError}): ${quote(text)}` };
    }
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      return { allowed: false, reason: `the hook's answer is not JSON: ${quote(text)}` };
    }
    const allow = typeof answer === 'object' && answer !== null && !Array.isArray(answer) ? (answer as { allow?: unknown }).allow : undefined;
    if (allow === true) return { allowed: true };
    return { allowed: false, reason: allow === false ? 'the hook answered allow: false' : `the hook's answer has no allow: true: ${quote(text)}` };
  }
}
