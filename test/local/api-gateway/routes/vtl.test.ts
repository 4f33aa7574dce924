import { escapeJavaScript, renderTemplate, type RouteContext } from '../../../../local/api-gateway/routes/vtl';

const context = (fields: Partial<RouteContext> = {}): RouteContext => ({
  connectionId: 'c1=',
  connectedAt: 1,
  requestTimeEpoch: 1_733_000_000_999,
  requestId: 'r',
  eventType: 'CONNECT',
  routeKey: '$connect',
  stage: 'local',
  apiId: 'local',
  domainName: '127.0.0.1',
  authorizer: {},
  identity: {},
  ...fields,
});

describe('API Gateway VTL semantics', () => {
  test('integer division on integers, as Java does: epoch milliseconds to whole seconds', () => {
    // WHEN / THEN
    expect(renderTemplate('#set($s = $context.requestTimeEpoch / 1000 + 60)$s', context())).toBe('1733000060');
    expect(renderTemplate('#set($r = 7 % 3)$r', context())).toBe('1');
    expect(renderTemplate('#set($d = 7.5 / 2)$d', context())).toBe('3.75');
  });

  test('$util.escapeJavaScript escapes as Java\'s StringEscapeUtils: quotes, slash, controls, non-ASCII', () => {
    // WHEN / THEN
    expect(escapeJavaScript('a"b\'c\\d/e\nf\u0001é😀')).toBe('a\\"b\\\'c\\\\d\\/e\\nf\\u0001\\u00E9\\uD83D\\uDE00');
  });

  test('replaceAll is Java\'s: a regex, with Java replacement escapes', () => {
    // WHEN / THEN
    expect(renderTemplate(String.raw`$util.escapeJavaScript("it's").replaceAll("\\'","'")`, context())).toBe('it\'s');
    expect(renderTemplate(String.raw`#set($x = "a.b.c")$x.replaceAll("\.", "\$")`, context())).toBe('a$b$c');
  });

  test('an absent authorizer key renders empty in a quiet reference', () => {
    // WHEN / THEN
    expect(renderTemplate('[$!{context.authorizer.principalId}]', context())).toBe('[]');
    expect(renderTemplate('[$!{context.authorizer.principalId}]', context({ authorizer: { principalId: 'alice' } }))).toBe('[alice]');
  });
});
