/**
 * A synthesized CloudFormation template, and the intrinsic functions the local system resolves in it: `Ref`,
 * `Fn::GetAtt`, `Fn::Join` and `Fn::Select`, against the local names of the resources it runs. One it cannot resolve is
 * an error that names it.
 */

/** A resource of a template. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: any;
  readonly Metadata?: any;
}

/** A synthesized CloudFormation template (the `Resources` are all the local system reads). */
export interface CloudTemplate {
  readonly Resources: Record<string, TemplateResource>;
}

/** What `Ref` and `Fn::GetAtt` resolve to locally: by logical id (and `logicalId.Attribute`), plus pseudo parameters. */
export type LocalNames = Readonly<Record<string, string>>;

/** Resolves `Ref`, `Fn::GetAtt`, `Fn::Join` and `Fn::Select` to strings. */
export function resolveIntrinsics(value: unknown, names: LocalNames, where: string): any {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, names, where));
  const object = value as Record<string, unknown>;
  const [key] = Object.keys(object);
  const arg = object[key] as any;
  switch (Object.keys(object).length === 1 ? key : '') {
    case 'Ref': return named(names, arg, `Ref ${arg}`, where);
    case 'Fn::GetAtt': return named(names, `${arg[0]}.${arg[1]}`, `Fn::GetAtt ${arg[0]}.${arg[1]}`, where);
    case 'Fn::Join': return (resolveIntrinsics(arg[1], names, where) as unknown[]).join(arg[0]);
    case 'Fn::Select': return (resolveIntrinsics(arg[1], names, where) as unknown[])[Number(arg[0])];
  }
  if (Object.keys(object).some((k) => k.startsWith('Fn::'))) {
    throw new Error(`${where}: the local stack cannot resolve ${Object.keys(object).join(', ')}`);
  }
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, resolveIntrinsics(v, names, where)]));
}

function named(names: LocalNames, key: string, what: string, where: string): string {
  const value = names[key];
  if (value === undefined) throw new Error(`${where}: ${what} has no local counterpart`);
  return value;
}

/** The logical id a `Ref` or a `Fn::GetAtt` names, or `undefined` for anything else. */
export function referencedId(value: unknown): string | undefined {
  const object = value as { 'Ref'?: unknown; 'Fn::GetAtt'?: unknown } | undefined;
  if (typeof object?.Ref === 'string') return object.Ref;
  const getAtt = object?.['Fn::GetAtt'];
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

/** The template's resources of one type, as `[logicalId, resource]`. */
export function resourcesOfType(template: CloudTemplate, type: string): Array<[string, TemplateResource]> {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}
