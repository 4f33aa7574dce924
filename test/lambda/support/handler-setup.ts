import { ScriptedManagementApi, TEST_CREDENTIALS, TEST_REGION } from './management-api';
import { ENV } from '../../../src/shared/constants';

/**
 * The environment the handler test files start from: the credentials and Region the scripted Management API
 * verifies, the connections table, and retry delays of a millisecond or two. Each file adds its own settings;
 * `useManagementApi` sets CALLBACK_URL (the handler reads its configuration on the first invocation).
 */
export const HANDLER_TEST_ENV = {
  AWS_REGION: TEST_REGION,
  AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
  AWS_SESSION_TOKEN: TEST_CREDENTIALS.sessionToken,
  AWS_EC2_METADATA_DISABLED: 'true',
  [ENV.TABLE_NAME]: 'connections',
  [ENV.RETRY_BASE_DELAY_MS]: '1',
  [ENV.RETRY_MAX_DELAY_MS]: '2',
};

/**
 * The scripted Management API of a handler test file: it listens before the file's tests, with the handler's
 * CALLBACK_URL pointing at it, and is closed after them. Its scripts and what it received are the file's to reset.
 */
export function useManagementApi(): ScriptedManagementApi {
  const api = ScriptedManagementApi.create();
  beforeAll(async () => {
    await api.listen();
    process.env[ENV.CALLBACK_URL] = api.url;
  });
  afterAll(() => api.close());
  return api;
}
