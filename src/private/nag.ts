import { Aspects, CfnResource, IAspect, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** Where cdk-nag 3 (aws-cdk-lib's policy validation) reads acknowledgments: `Validations.ACKNOWLEDGED_RULES_METADATA_KEY`. */
const ACKNOWLEDGED_RULES = 'aws:cdk:acknowledged-rules';
/** The AwsSolutions pack's namespace in cdk-nag 3 finding ids. */
const PACK = 'AwsSolutions';

/**
 * Records a deliberate choice of this construct so that cdk-nag reports no finding for it, in both of its formats and
 * without a dependency on cdk-nag:
 * - cdk-nag 2 reads `cdk_nag.rules_to_suppress` in the resource's CloudFormation metadata, with `applies_to` regexes;
 * - cdk-nag 3 reads acknowledgments in the construct's metadata (`aws:cdk:acknowledged-rules`), matched exactly:
 *   `AwsSolutions::<rule>`, or `AwsSolutions::<rule>[<finding>]` for a granular finding. Those findings are computed
 *   when the app is synthesized, by rendering the policy's resources as cdk-nag does and keeping those that `appliesTo`
 *   matches, so that the two formats acknowledge exactly the same findings.
 */
export function suppressNag(scope: IConstruct, id: string, reason: string, appliesTo?: Array<{ regex: string }>) {
  const resource = scope.node.defaultChild ?? scope;
  const cfn = resource as unknown as { addMetadata?: (key: string, value: unknown) => void; getMetadata?: (key: string) => any };
  if (!cfn.addMetadata || !cfn.getMetadata) return;
  const existing = cfn.getMetadata('cdk_nag')?.rules_to_suppress ?? [];
  cfn.addMetadata('cdk_nag', {
    rules_to_suppress: [...existing, { id, reason, ...(appliesTo ? { applies_to: appliesTo } : {}) }],
  });
  if (!appliesTo) {
    resource.node.addMetadata(ACKNOWLEDGED_RULES, { [`${PACK}::${id}`]: reason });
    return;
  }
  Aspects.of(resource).add(new AcknowledgeGranular(resource as CfnResource, id, reason, appliesTo.map((a) => toRegExp(a.regex))));
}

/** At synthesis, acknowledges each granular finding (`Resource::…`) of `resource` that the regexes match. */
class AcknowledgeGranular implements IAspect {
  private done = false;

  constructor(private readonly resource: CfnResource, private readonly id: string, private readonly reason: string,
    private readonly patterns: RegExp[]) {}

  visit(node: IConstruct): void {
    if (node !== this.resource || this.done) return;
    this.done = true;
    const properties = Stack.of(this.resource).resolve((this.resource as any)._toCloudFormation()).Resources;
    const document = Object.values(properties as Record<string, any>)[0]?.Properties?.PolicyDocument;
    const findings = [...new Set((document?.Statement ?? []).flatMap((s: any) => [s.Resource ?? []].flat().map((r: unknown) => `Resource::${render(r)}`)))]
      .filter((finding) => this.patterns.some((p) => { p.lastIndex = 0; return p.test(finding as string); }));
    for (const finding of findings) {
      this.resource.node.addMetadata(ACKNOWLEDGED_RULES, { [`${PACK}::${this.id}[${finding}]`]: this.reason });
    }
  }
}

/** A resource as cdk-nag writes it in a finding: `Ref` and `Fn::GetAtt` as `<LogicalId>` / `<LogicalId.Attr>`. */
function render(value: any): string {
  if (typeof value === 'string') return value;
  if (value?.Ref !== undefined) return `<${value.Ref}>`;
  if (value?.['Fn::GetAtt']) return `<${[value['Fn::GetAtt']].flat().join('.')}>`;
  if (value?.['Fn::Join']) return (value['Fn::Join'][1] as any[]).map(render).join(value['Fn::Join'][0]);
  return JSON.stringify(value);
}

/** cdk-nag 2's `applies_to` regex form, `/pattern/flags`, as a RegExp. */
function toRegExp(text: string): RegExp {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(text);
  return m ? new RegExp(m[1], m[2]) : new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}
