import { evaluateSelection, jsonPathValue, selectTemplate } from '../../../../local/api-gateway/routes/selection';

describe('selection expressions, as API Gateway evaluates them', () => {
  test('a route selection expression reads the message body; an absent or non-scalar value selects nothing', () => {
    expect(evaluateSelection('$request.body.action', { body: '{"action":"ping"}' })).toBe('ping');
    expect(evaluateSelection('${request.body.meta.kind}-v1', { body: '{"meta":{"kind":"chat"}}' })).toBe('chat-v1');
    expect(evaluateSelection('$request.body.action', { body: '{"other":1}' })).toBeUndefined();
    expect(evaluateSelection('$request.body.action', { body: '{"action":{"x":1}}' })).toBeUndefined();
    expect(evaluateSelection('$request.body.action', { body: 'not json' })).toBeUndefined();
  });

  test('static values, an escaped $default, and the integration\'s status code', () => {
    expect(evaluateSelection('\\$default', {})).toBe('$default');
    expect(evaluateSelection('static', {})).toBe('static');
    expect(evaluateSelection('${integration.response.statuscode}', { status: 404 })).toBe('404');
  });

  test('a template by its key, else $default\'s', () => {
    const templates = { a: 'A', $default: 'D' };
    expect(selectTemplate(templates, '${request.body.kind}', { body: '{"kind":"a"}' })).toBe('A');
    expect(selectTemplate(templates, '${request.body.kind}', { body: '{"kind":"b"}' })).toBe('D');
    expect(selectTemplate(templates, undefined, {})).toBe('D');
    expect(selectTemplate(undefined, '\\$default', {})).toBeUndefined();
  });

  test('JSONPath values of the body', () => {
    expect(jsonPathValue('{"a":{"b":[1,2]}}', '$.a.b[1]')).toBe(2);
    expect(jsonPathValue('{"a":1}', '$')).toEqual({ a: 1 });
    expect(jsonPathValue('', '$.a')).toBeUndefined();
  });
});
