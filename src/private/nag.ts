import { IConstruct } from 'constructs';

/**
 * Records a cdk-nag suppression in the resource's metadata, where cdk-nag reads it, so that users who run
 * cdk-nag see no finding for a deliberate choice of this construct (without a dependency on cdk-nag).
 */
export function suppressNag(scope: IConstruct, id: string, reason: string, appliesTo?: Array<{ regex: string }>) {
  const resource = scope.node.defaultChild ?? scope;
  const cfn = resource as unknown as { addMetadata?: (key: string, value: unknown) => void; getMetadata?: (key: string) => any };
  if (!cfn.addMetadata || !cfn.getMetadata) return;
  const existing = cfn.getMetadata('cdk_nag')?.rules_to_suppress ?? [];
  cfn.addMetadata('cdk_nag', {
    rules_to_suppress: [...existing, { id, reason, ...(appliesTo ? { applies_to: appliesTo } : {}) }],
  });
}
