/** The one factory of Lambda events for the local system, the demo and the tests: SQS and SNS, as Lambda delivers them. */
export { bodyText, sqsEvent, sqsRecord, sqsRecordOf, type RequestBody, type SqsEventOptions, type SqsRecordOptions } from './sqs';
export { snsEvent, snsEventOf, snsRecord, type SnsRecordOptions } from './sns';
