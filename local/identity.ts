/**
 * Who the local system is: one account, one Region, one pair of credentials. Every local ARN, every SDK client and the
 * Management API's signature check use these, so they are written once.
 */

/** The account id in every local ARN. */
export const LOCAL_ACCOUNT = '000000000000';

/** The Region every local client and every local ARN uses. */
export const LOCAL_REGION = 'us-east-1';

/**
 * The credentials the local system hands to functions and SDK clients. dynalite and moto accept anything signed; the
 * API Gateway emulator checks every Management API signature against these and `LOCAL_REGION`.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** A template's pseudo parameters, as the local system resolves them. */
export const LOCAL_PSEUDO_PARAMETERS: Readonly<Record<string, string>> = {
  'AWS::Partition': 'aws',
  'AWS::Region': LOCAL_REGION,
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
};

/** A local ARN: `arn:aws:<service>:us-east-1:000000000000:<resource>`. */
export function localArn(service: string, resource: string): string {
  return `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${resource}`;
}

/** The SDK clients' settings for a local endpoint. */
export function localClientConfig(endpoint: string) {
  return { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
}
