import * as path from 'node:path';
import { FunctionError } from '../function-error';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../identity';
import { FunctionRunner, type Invocation } from '../lambda-runtime/function-runner';
import { bundledFunction } from '../paths';
import { functionCode, inlineFunctionCode } from '../template/assembly';
import { resolveIntrinsics, type CloudTemplate, type LocalNames } from '../template/intrinsics';
import { constructFunctions } from '../template/resources';

/** Where the local system's functions reach AWS: the endpoints their SDK clients are pointed at. */
export interface LocalEndpoints {
  readonly dynamodb: string;
  readonly sqs?: string;
  readonly sns?: string;
  /** moto's EventBridge (`AWS_ENDPOINT_URL_EVENTBRIDGE`). */
  readonly eventbridge?: string;
  /** The local Lambda Invoke endpoint (`AWS_ENDPOINT_URL_LAMBDA`), for a function that invokes another. */
  readonly lambda?: string;
  /** The emulator's Management API: where a variable holding the stage's execute-api endpoint points. */
  readonly managementApi?: string;
  /** The emulator's WebSocket URL: where a variable holding the stage's `wss://` URL (`WebSocketStage.url`) points. */
  readonly webSocket?: string;
}

/** A stage's execute-api endpoint, `https://{api}.execute-api.{region}.{suffix}/{stage}`, as the construct computes it. */
const EXECUTE_API_ENDPOINT = /^https:\/\/[^/]+\.execute-api\.[^/]+\/[^/]+$/;
/** A stage's WebSocket URL, `wss://{api}.execute-api.{region}.{suffix}/{stage}` (`WebSocketStage.url`). */
const WEBSOCKET_URL = /^wss:\/\/[^/]+\.execute-api\.[^/]+\/[^/]+$/;

/** A function's environment, and the template's variables that name resources the local system does not run. */
export interface FunctionEnvironment {
  readonly env: Record<string, string>;
  readonly unresolved: readonly string[];
}

export interface TemplateFunctionsOptions {
  readonly template: CloudTemplate;
  readonly names: LocalNames;
  /**
   * Whether a variable whose value names nothing the local system runs may be left out (listed in `unresolved`)
   * rather than fail the function's start. @default never
   */
  readonly mayLeaveOut?: (value: unknown) => boolean;
  readonly endpoints: () => LocalEndpoints;
  /**
   * The cloud assembly the template comes from: where its functions' code is staged. Without it, the construct's own
   * functions run from the bundles the package ships, and other functions only from inline code.
   */
  readonly assembly?: { readonly dir: string; readonly stackName: string };
  /** Where a function's output lines go (`<logical id>: <line>`), unless `onInvocation` takes them. @default dropped */
  readonly log?: (line: string) => void;
  /** Called after each invocation of a template function (by a route, an authorizer, the Invoke endpoint), in place of `log`. */
  readonly onInvocation?: (logicalId: string, invocation: Invocation) => void;
}

/**
 * The template's Lambda functions as the local system runs them: each with the environment its template declares
 * (intrinsics resolved to the local names), the Lambda runtime's variables, and the local endpoints; loaded from the
 * assembly's staged code, one execution environment per function, on first use.
 */
export class TemplateFunctions {
  private readonly loaded = new Map<string, Promise<FunctionRunner>>();
  private readonly runners: FunctionRunner[] = [];

  constructor(private readonly options: TemplateFunctionsOptions) {}

  /**
   * The environment of a function of the template; `overrides` win over it. A variable naming something the local
   * system does not run fails, unless `mayLeaveOut` allows it (a queue, when the system runs none): then it is left out
   * and listed in `unresolved`.
   */
  environment(logicalId: string, overrides: Record<string, string> = {}): FunctionEnvironment {
    const properties = this.options.template.Resources[logicalId]?.Properties ?? {};
    const env: Record<string, string> = {};
    const unresolved: string[] = [];
    // The stage's endpoint and URL reach the emulator's Management API and WebSocket, as DNS takes them to API Gateway.
    const endpoints = this.options.endpoints();
    const { managementApi, webSocket } = endpoints;
    for (const [name, value] of Object.entries<unknown>(properties.Environment?.Variables ?? {})) {
      try {
        const resolved = String(resolveIntrinsics(value, this.options.names, `${logicalId} environment`));
        if (managementApi !== undefined && EXECUTE_API_ENDPOINT.test(resolved)) env[name] = managementApi;
        else if (webSocket !== undefined && WEBSOCKET_URL.test(resolved)) env[name] = webSocket;
        else env[name] = resolved;
      } catch (error) {
        if (!this.options.mayLeaveOut?.(value)) throw error;
        unresolved.push(name);
      }
    }
    return { env: { ...this.runtimeEnv(logicalId, endpoints, properties.MemorySize), ...env, ...overrides }, unresolved };
  }

  /** Loads a new execution environment of the function (a cold start) with this code, or its staged code. */
  async load(logicalId: string, overrides: Record<string, string> = {}, code?: { file: string; exportName: string }): Promise<FunctionRunner> {
    const { file, exportName } = code ?? this.code(logicalId);
    const runner = await FunctionRunner.load(this.environment(logicalId, overrides).env, file, exportName);
    this.runners.push(runner);
    return runner;
  }

  /** Runs a function of the template (its one execution environment, loaded on first use); a throw is a `FunctionError`. */
  async invoke(logicalId: string, event: unknown): Promise<unknown> {
    const invocation = await this.invocation(logicalId, event);
    if (invocation.error) throw new FunctionError(logicalId, invocation.error.name, invocation.error.message);
    return invocation.result;
  }

  /** Runs a function of the template as `invoke` does, and resolves to the whole invocation (a throw included). */
  async invocation(logicalId: string, event: unknown): Promise<Invocation> {
    let runner = this.loaded.get(logicalId);
    if (!runner) {
      runner = this.load(logicalId);
      this.loaded.set(logicalId, runner);
      // A function that failed to load is loaded again on its next invocation.
      runner.catch(() => this.loaded.delete(logicalId));
    }
    const timeoutMs = (this.options.template.Resources[logicalId]?.Properties?.Timeout ?? 3) * 1000;
    const invocation: Invocation = await (await runner).invoke(event, { timeoutMs });
    this.report(logicalId, invocation);
    return invocation;
  }

  /** Tells of an invocation of a function of the template: to `onInvocation`, else its output lines to `log`. */
  report(logicalId: string, invocation: Invocation): void {
    if (this.options.onInvocation) this.options.onInvocation(logicalId, invocation);
    else for (const line of invocation.lines.filter((l) => l.trim())) this.options.log?.(`  ${logicalId}: ${line}`);
  }

  async stop(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.stop()));
  }

  /**
   * A function's code: inline code as it is; the assembly's staged asset; the construct's own functions (by their
   * metadata's kind) from the package's bundles when there is no assembly.
   */
  private code(logicalId: string): { file: string; exportName: string } {
    const inline = inlineFunctionCode(this.options.template, logicalId);
    if (inline) return inline;
    const assembly = this.options.assembly;
    if (assembly) return functionCode(assembly.dir, assembly.stackName, this.options.template, logicalId);
    const kind = constructFunctions(this.options.template).get(logicalId);
    if (kind) return { file: bundledFunction(kind), exportName: 'handler' };
    throw new Error(`${logicalId}: the local system runs a function of the template only from a cloud assembly, or from inline code`);
  }

  /** What Lambda's runtime sets, and the local endpoints and credentials. */
  private runtimeEnv(logicalId: string, endpoints: LocalEndpoints, memorySize?: number): Record<string, string> {
    return {
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
      ...(endpoints.sqs ? { AWS_ENDPOINT_URL_SQS: endpoints.sqs } : {}),
      ...(endpoints.sns ? { AWS_ENDPOINT_URL_SNS: endpoints.sns } : {}),
      ...(endpoints.eventbridge ? { AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.eventbridge } : {}),
      ...(endpoints.lambda ? { AWS_ENDPOINT_URL_LAMBDA: endpoints.lambda } : {}),
      // A function that builds its Management API client without an endpoint reaches the emulator.
      ...(endpoints.managementApi ? { AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI: endpoints.managementApi } : {}),
      // Lambda's Node.js runtime provides the AWS SDK (its NODE_PATH holds /var/runtime/node_modules); locally a
      // function that requires it without bundling it finds it where the command runs, in the app's node_modules.
      NODE_PATH: path.join(process.cwd(), 'node_modules'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_LAMBDA_FUNCTION_NAME: logicalId,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memorySize ?? 128),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      // Lambda runs the function on Node.js 22: the SDK's notice about older Node.js versions is noise here.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      TZ: 'UTC',
    };
  }
}
