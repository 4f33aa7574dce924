import * as crypto from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { NativeSha256 } from '../../../lambda/adapters/native-sha256';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('NativeSha256', () => {
  test('SHA-256 and HMAC-SHA256 agree with the pure-JS implementation (the default)', async () => {
    // GIVEN no secret and secrets of each type, and the pure-JS implementation the signer uses by default
    const data = Buffer.from('{"hello":"world"}');
    for (const secret of [undefined, 'secret', Buffer.from('secret'), new Uint8Array([1, 2, 3]).buffer]) {
      const native = new NativeSha256(secret);
      const js = new Sha256(secret);

      // WHEN both hash the same data
      native.update(data);
      js.update(data);

      // THEN
      expect(hex(await native.digest())).toBe(hex(await js.digest()));
    }
  });

  test('reset starts a new hash with the same secret', async () => {
    // GIVEN a keyed hash already digested
    const h = new NativeSha256('k');
    h.update(Buffer.from('a'));
    await h.digest();

    // WHEN it is reset and fed new data
    h.reset();
    h.update(Buffer.from('b'));

    // THEN
    expect(hex(await h.digest())).toBe(crypto.createHmac('sha256', 'k').update('b').digest('hex'));
  });
});
