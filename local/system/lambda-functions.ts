import type { TemplateFunctions } from './functions';
import { functionNames, type MutableNames } from './names';
import type { InvokeTarget } from '../aws/lambda/invoke-server';
import { resourcesOfType, type CloudTemplate } from '../template/intrinsics';

/** A function's local name: the template's `FunctionName` when it is a plain string, else its logical id. */
export function localFunctionName(template: CloudTemplate, logicalId: string): string {
  const name = template.Resources[logicalId]?.Properties?.FunctionName;
  return typeof name === 'string' && name !== '' ? name : logicalId;
}

/** What the template's functions' `Ref` and `Fn::GetAtt Arn` resolve to. */
export function lambdaFunctionNames(template: CloudTemplate): MutableNames {
  return Object.assign({}, ...resourcesOfType(template, 'AWS::Lambda::Function').map(([id]) => functionNames(id, localFunctionName(template, id))));
}

/** A function name as Invoke takes it: a name, `account:function:name` or an ARN, with an optional qualifier. */
const FUNCTION_NAME = /^(?:(?:arn:[^:]+:lambda:[^:]*:)?[^:]*:function:)?([^:]+)(?::[^:]+)?$/;

/**
 * The local Invoke endpoint's functions: the template's, by their local name or logical id (in any form Invoke takes
 * them), run as the template's functions run (one execution environment each).
 */
export function templateInvokeTarget(template: CloudTemplate, functions: TemplateFunctions): InvokeTarget {
  const byName = new Map<string, string>();
  for (const [id] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    byName.set(id, id);
    byName.set(localFunctionName(template, id), id);
  }
  return {
    resolve: (functionName) => {
      const name = FUNCTION_NAME.exec(functionName)?.[1];
      return name === undefined ? undefined : byName.get(name);
    },
    run: (logicalId, event) => functions.invocation(logicalId, event),
  };
}
