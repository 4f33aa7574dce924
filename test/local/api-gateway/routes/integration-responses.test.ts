import { noOutputMapping, selectIntegrationResponse } from '../../../../local/api-gateway/routes/integration-responses';

describe('selectIntegrationResponse: API Gateway\'s choice of a non-proxy integration\'s response', () => {
  const twoXx = { key: '/2\\d\\d/' };
  const fourXx = { key: '/4\\d\\d/' };
  const fallback = { key: '$default' };

  test.each([
    [200, [twoXx], twoXx],
    [204, [fourXx, twoXx], twoXx],
    [400, [twoXx], undefined],
    [400, [twoXx, fourXx, fallback], fourXx],
    [503, [twoXx, fourXx, fallback], fallback],
    [503, [twoXx, fourXx], undefined],
    [200, [], undefined],
    [200, [{ key: '/200/' }], { key: '/200/' }],
  ])('status %s with keys %j → %j', (status, responses, expected) => {
    expect(selectIntegrationResponse(responses, status)).toEqual(expected);
  });

  test('an expression matches the whole status code, not a part of it', () => {
    expect(selectIntegrationResponse([{ key: '/20/' }], 200)).toBeUndefined();
    expect(selectIntegrationResponse([{ key: '/2/' }], 200)).toBeUndefined();
  });

  test('a key that is neither $default nor /expression/ is refused, as API Gateway refuses it', () => {
    expect(() => selectIntegrationResponse([{ key: '200' }], 200)).toThrow('an integration response key is $default or /expression/, got 200');
  });

  test('the failure reads as API Gateway logs it', () => {
    expect(noOutputMapping(200)).toBe('Execution failed due to configuration error: No match for output mapping and no default output mapping configured. Endpoint response status code: 200');
  });
});
