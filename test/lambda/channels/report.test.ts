import { CHANNEL_METRICS, frameLevel, frameMetrics, type FrameReport } from '../../../lambda/channels/core/report';

const report = (fields: Partial<FrameReport>): FrameReport => ({ connectionId: 'c1', outcome: 'subscribed', durationMs: 1, ...fields });
const ones = (r: FrameReport) => frameMetrics(r).filter(([, v]) => v === 1).map(([name]) => name);

test('the metric names', () => {
  expect(CHANNEL_METRICS).toEqual({
    SUBSCRIBES: 'Subscribes',
    UNSUBSCRIBES: 'Unsubscribes',
    PRESENCE_QUERIES: 'PresenceQueries',
    RESUMES: 'Resumes',
    RESETS: 'Resets',
    REPLAYED_MESSAGES: 'ReplayedMessages',
    PRESENCE_JOINS: 'PresenceJoins',
    PRESENCE_LEAVES: 'PresenceLeaves',
    SUBSCRIBED_EVENTS: 'SubscribedEvents',
    UNSUBSCRIBED_EVENTS: 'UnsubscribedEvents',
    REFUSED: {
      INVALID_FRAME: 'RefusedInvalidFrame',
      INVALID_CHANNEL: 'RefusedInvalidChannel',
      FORBIDDEN: 'RefusedForbidden',
      NOT_ENABLED: 'RefusedNotEnabled',
      TOO_MANY_SUBSCRIPTIONS: 'RefusedTooManySubscriptions',
      UNAVAILABLE: 'RefusedUnavailable',
    },
  });
});

test('every frame emits every metric, one of them 1', () => {
  const names = ['Subscribes', 'Unsubscribes', 'PresenceQueries', 'Resumes', 'Resets', 'ReplayedMessages', 'PresenceJoins', 'PresenceLeaves', 'SubscribedEvents', 'UnsubscribedEvents', 'RefusedInvalidFrame', 'RefusedInvalidChannel',
    'RefusedForbidden', 'RefusedNotEnabled', 'RefusedTooManySubscriptions', 'RefusedUnavailable'];
  expect(frameMetrics(report({})).map(([name]) => name)).toEqual(names);
  expect(ones(report({ outcome: 'subscribed' }))).toEqual(['Subscribes']);
  expect(ones(report({ outcome: 'unsubscribed' }))).toEqual(['Unsubscribes']);
  expect(ones(report({ outcome: 'refused', code: 'INVALID_FRAME' }))).toEqual(['RefusedInvalidFrame']);
  expect(ones(report({ outcome: 'refused', code: 'INVALID_CHANNEL' }))).toEqual(['RefusedInvalidChannel']);
  expect(ones(report({ outcome: 'refused', code: 'FORBIDDEN' }))).toEqual(['RefusedForbidden']);
  expect(ones(report({ outcome: 'refused', code: 'TOO_MANY_SUBSCRIPTIONS' }))).toEqual(['RefusedTooManySubscriptions']);
  expect(ones(report({ outcome: 'refused', code: 'UNAVAILABLE' }))).toEqual(['RefusedUnavailable']);
  expect(ones(report({ outcome: 'refused', code: 'NOT_ENABLED' }))).toEqual(['RefusedNotEnabled']);
  expect(ones(report({ outcome: 'members' }))).toEqual(['PresenceQueries']);
  expect(ones(report({ outcome: 'resumed', replayed: 0 }))).toEqual(['Resumes']);
  expect(ones(report({ outcome: 'reset', replayed: 0 }))).toEqual(['Resets']);
  expect(frameMetrics(report({ outcome: 'resumed', replayed: 1000 })).find(([name]) => name === 'ReplayedMessages')).toEqual(['ReplayedMessages', 1000]);
  expect(ones(report({ outcome: 'subscribed', event: 'Subscribed' }))).toEqual(['Subscribes', 'SubscribedEvents']);
  expect(ones(report({ outcome: 'unsubscribed', event: 'Unsubscribed' }))).toEqual(['Unsubscribes', 'UnsubscribedEvents']);
  expect(ones(report({ outcome: 'subscribed', presence: 'joined' }))).toEqual(['Subscribes', 'PresenceJoins']);
  expect(ones(report({ outcome: 'subscribed', presence: 'rejoined' }))).toEqual(['Subscribes']);
  expect(ones(report({ outcome: 'unsubscribed', presence: 'left' }))).toEqual(['Unsubscribes', 'PresenceLeaves']);
});

test('levels: INFO when done, WARN for the client\'s refusals, ERROR for failures', () => {
  expect(frameLevel(report({ outcome: 'subscribed' }))).toBe('info');
  expect(frameLevel(report({ outcome: 'unsubscribed' }))).toBe('info');
  for (const code of ['INVALID_FRAME', 'INVALID_CHANNEL', 'FORBIDDEN', 'TOO_MANY_SUBSCRIPTIONS'] as const) {
    expect(frameLevel(report({ outcome: 'refused', code }))).toBe('warn');
  }
  expect(frameLevel(report({ outcome: 'refused', code: 'UNAVAILABLE' }))).toBe('error');
  // the hook's failures are UNAVAILABLE (ERROR); its "no" is FORBIDDEN like any other (WARN)
  expect(frameLevel(report({ outcome: 'refused', code: 'UNAVAILABLE', hookFailed: true }))).toBe('error');
  expect(frameLevel(report({ outcome: 'refused', code: 'FORBIDDEN', revoked: true }))).toBe('warn');
});
