/**
 * The DynamoDB stream event source mappings of a template, read as plain descriptions: which function reads which
 * table's stream, and with what batch size, starting position, error handling and on-failure destination. Nothing here
 * resolves or starts anything.
 */
import { referencedId, resourcesOfType, type CloudTemplate } from './intrinsics';

/** A DynamoDB stream event source mapping, as the template declares it (Lambda's defaults filled in). */
export interface StreamMappingSpec {
  readonly logicalId: string;
  readonly functionLogicalId: string;
  /** The table whose stream it reads (`EventSourceArn: Fn::GetAtt [Table, StreamArn]`). */
  readonly tableLogicalId: string;
  /** @default 100 */
  readonly batchSize: number;
  readonly startingPosition: 'LATEST' | 'TRIM_HORIZON';
  readonly reportBatchItemFailures: boolean;
  readonly bisectBatchOnFunctionError: boolean;
  /** -1: retried until the records expire. @default -1 */
  readonly maximumRetryAttempts: number;
  /** The on-failure destination: a queue or a topic of the template. */
  readonly onFailure?: { readonly type: 'AWS::SQS::Queue' | 'AWS::SNS::Topic'; readonly logicalId: string };
  /** What of the mapping the local system does not do (`FilterCriteria`), when anything. */
  readonly unsupported?: string;
}

/** The template's enabled mappings that read a DynamoDB table's stream, in template order. */
export function streamMappings(template: CloudTemplate): StreamMappingSpec[] {
  return resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')
    .filter(([, r]) => template.Resources[referencedId(r.Properties?.EventSourceArn) ?? '']?.Type === 'AWS::DynamoDB::Table')
    .filter(([, r]) => r.Properties.Enabled !== false)
    .map(([logicalId, r]) => {
      const props = r.Properties;
      const functionLogicalId = referencedId(props.FunctionName);
      if (!functionLogicalId || template.Resources[functionLogicalId]?.Type !== 'AWS::Lambda::Function') {
        throw new Error(`${logicalId}: its function is not a function of this template`);
      }
      return {
        logicalId,
        functionLogicalId,
        tableLogicalId: referencedId(props.EventSourceArn)!,
        batchSize: props.BatchSize ?? 100,
        startingPosition: props.StartingPosition === 'TRIM_HORIZON' ? 'TRIM_HORIZON' : 'LATEST',
        reportBatchItemFailures: (props.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures'),
        bisectBatchOnFunctionError: props.BisectBatchOnFunctionError === true,
        maximumRetryAttempts: props.MaximumRetryAttempts ?? -1,
        ...onFailure(template, logicalId, props.DestinationConfig?.OnFailure?.Destination),
        ...(props.FilterCriteria ? { unsupported: 'FilterCriteria (every record would be passed)' } : {}),
      };
    });
}

function onFailure(template: CloudTemplate, mappingId: string, destination: unknown): Pick<StreamMappingSpec, 'onFailure'> {
  if (destination === undefined) return {};
  const logicalId = referencedId(destination);
  const type = template.Resources[logicalId ?? '']?.Type;
  if (!logicalId || (type !== 'AWS::SQS::Queue' && type !== 'AWS::SNS::Topic')) {
    throw new Error(`${mappingId}: its on-failure destination is not a queue or a topic of this template`);
  }
  return { onFailure: { type, logicalId } };
}
