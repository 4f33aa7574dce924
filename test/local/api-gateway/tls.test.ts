import { SignedHttpSender } from '../../../lambda/adapters/signed-http-sender';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../local/identity';
import { LocalSystem } from '../../../local/system/local-system';
import { loopbackTls } from '../../../local/tls/loopback-tls';

const tls = loopbackTls();

let system: LocalSystem;
beforeAll(async () => {
  system = await LocalSystem.start({ seed: 21, tls });
});
afterAll(async () => system?.stop());

test('over HTTPS, as API Gateway is: posts and closes are signed, verified and delivered', async () => {
  // GIVEN the Management API behind TLS, three connections, and a sender that trusts the local certificate
  expect(system.emulator.callbackUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/local$/);
  const [alice, bob, carol] = await system.connectVirtual(['alice', 'bob', 'carol'], { keepMessages: true });
  system.emulator.makeStale(carol.connectionId);
  const sender = new SignedHttpSender({
    callbackUrl: system.emulator.callbackUrl, region: LOCAL_REGION, maxSockets: 2, credentials: async () => LOCAL_CREDENTIALS, ca: tls.cert,
  });
  try {
    // WHEN posting to each and closing one
    const results = await Promise.all([alice, bob, carol].map((c) => sender.post(c.connectionId, Buffer.from('{"over":"tls"}'))));
    const closed = await sender.disconnect(bob.connectionId);

    // THEN the live ones got the message, the stale one is gone, and the close went through
    expect(results).toEqual([{ status: 'delivered' }, { status: 'delivered' }, { status: 'gone' }]);
    expect(alice.messages).toEqual(['{"over":"tls"}']);
    expect(bob.messages).toEqual(['{"over":"tls"}']);
    expect(closed).toEqual({ status: 'delivered' });
    expect(await sender.post(bob.connectionId, Buffer.from('{}'))).toEqual({ status: 'gone' });
    expect(system.emulator.stats.byStatus[403]).toBeUndefined();
  } finally {
    sender.destroy();
  }
});

test('a sender that does not trust the certificate gets a retryable network error, not a delivery', async () => {
  const [dave] = await system.connectVirtual(['dave'], { keepMessages: true });
  const sender = new SignedHttpSender({
    callbackUrl: system.emulator.callbackUrl, region: LOCAL_REGION, maxSockets: 1, credentials: async () => LOCAL_CREDENTIALS,
  });
  try {
    const result = await sender.post(dave.connectionId, Buffer.from('{}'));
    expect(result).toMatchObject({ status: 'retryable', reason: expect.stringMatching(/DEPTH_ZERO_SELF_SIGNED_CERT|self-signed/) });
    expect(dave.messages).toEqual([]);
  } finally {
    sender.destroy();
  }
});
