import { referencedId, resolveIntrinsics } from '../../../local/template/intrinsics';

describe('resolveIntrinsics', () => {
  const names = { 'Q': 'https://q', 'Q.Arn': 'arn:q', 'AWS::Region': 'us-east-1' };

  test('Ref, Fn::GetAtt, Fn::Join and Fn::Select, nested in objects and arrays', () => {
    expect(resolveIntrinsics({
      url: { Ref: 'Q' },
      arn: { 'Fn::GetAtt': ['Q', 'Arn'] },
      joined: { 'Fn::Join': [':', [{ Ref: 'AWS::Region' }, 'x']] },
      picked: { 'Fn::Select': [1, ['a', { Ref: 'Q' }]] },
      list: [1, true, null, 'text'],
    }, names, 'test')).toEqual({ url: 'https://q', arn: 'arn:q', joined: 'us-east-1:x', picked: 'https://q', list: [1, true, null, 'text'] });
  });

  test('a name without a local counterpart, or a function it cannot resolve, is an error naming it and where', () => {
    expect(() => resolveIntrinsics({ Ref: 'Gone' }, names, 'Fn environment')).toThrow('Fn environment: Ref Gone has no local counterpart');
    expect(() => resolveIntrinsics({ 'Fn::Sub': 'x' }, names, 'a template')).toThrow('a template: the local stack cannot resolve Fn::Sub');
  });
});

test('referencedId: the logical id of a Ref or a Fn::GetAtt, nothing else', () => {
  expect(referencedId({ Ref: 'A' })).toBe('A');
  expect(referencedId({ 'Fn::GetAtt': ['B', 'Arn'] })).toBe('B');
  expect(referencedId('A')).toBeUndefined();
  expect(referencedId({ 'Fn::Join': ['', []] })).toBeUndefined();
});
