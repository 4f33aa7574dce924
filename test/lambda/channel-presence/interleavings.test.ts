import { memberWorld } from './fakes';
import { checkMember, join, leaveLater, leaveNow, MemberConflictError, type MemberChange } from '../../../lambda/channel-presence/core/members';

/**
 * Concurrent steps of one user's devices in one channel, interleaved at every read and write in many random orders:
 * whatever the order, once they are done (and the checks after the grace period have run) the user is a member iff a
 * connection of theirs is subscribed, and the frame with the highest version says so.
 */
const ROOM = 'room/42';
const SCHEDULES = Number(process.env.SCHEDULES ?? 20_000);

/** A small seeded generator (Park and Miller's minimal standard): each schedule is reproducible from its seed. */
function random(seed: number): () => number {
  let state = seed % 2_147_483_647;
  return () => {
    state = (state * 16_807) % 2_147_483_647;
    return (state - 1) / 2_147_483_646;
  };
}

/** The client's (or the stream's, or SQS's) retry of a step that failed: its row kept changing, or a frame was not sent. */
async function untilDone(step: () => Promise<MemberChange>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await step();
      return;
    } catch (e) {
      if (attempt === 50 || !(e instanceof MemberConflictError || (e as Error).message === 'the work queue refused it')) throw e;
    }
  }
}

async function schedule(seed: number) {
  const next = random(seed);
  const w = memberWorld();
  const jitter = async () => {
    for (let ticks = Math.floor(next() * 12); ticks > 0; ticks--) await Promise.resolve();
  };
  w.members.jitter = jitter;
  w.subscribed.jitter = jitter;
  // on odd seeds one frame in ten is refused (the work queue unavailable): the step fails, and its retry sends what is
  // pending (even seeds keep the races that a retry would hide)
  const send = w.frames.send.bind(w.frames);
  w.frames.send = async (frame) => {
    if (seed % 2 === 1 && next() < 0.1) throw new Error('the work queue refused it');
    return send(frame);
  };
  const live: string[] = [];
  const subscribed = new Set<string>();
  let connections = 0;
  const running = new Set<Promise<void>>();
  const run = (step: () => Promise<MemberChange>) => {
    const done: Promise<void> = jitter().then(() => untilDone(step)).finally(() => running.delete(done));
    running.add(done);
  };
  // A check runs once sent (a grace period of no time at all), alongside the steps still going.
  const sendCheck = w.checks.send.bind(w.checks);
  w.checks.send = async (check, delaySeconds) => {
    await sendCheck(check, delaySeconds);
    run(() => checkMember(w.deps, { ...check, channel: ROOM }));
  };
  const pick = (from: readonly string[]) => from[Math.floor(next() * from.length)];
  const ops = 2 + Math.floor(next() * 7);
  for (let i = 0; i < ops; i++) {
    const id = `op-${i}`;
    const kind = next();
    const idle = live.filter((c) => !subscribed.has(c));
    if (kind < 0.45 || subscribed.size === 0) {
      // A subscribe, by a connection open and not subscribed, or a new one: its row, then the join.
      const connectionId = idle.length > 0 && next() < 0.5 ? pick(idle) : `c${++connections}`;
      if (!live.includes(connectionId)) live.push(connectionId);
      w.subscribed.add(ROOM, 'alice', connectionId);
      subscribed.add(connectionId);
      run(() => join(w.deps, ROOM, 'alice', { id, expiresAt: 2_000_000_000 }));
    } else if (kind < 0.75) {
      // An unsubscribe of a subscribed connection: the row deleted, then the leave.
      const connectionId = pick([...subscribed]);
      w.subscribed.remove(ROOM, 'alice', connectionId);
      subscribed.delete(connectionId);
      run(() => leaveNow(w.deps, ROOM, 'alice', id));
    } else {
      // A drop of an open connection (never seen again): if it was subscribed, its departure.
      const connectionId = pick(live);
      live.splice(live.indexOf(connectionId), 1);
      if (subscribed.delete(connectionId)) {
        w.subscribed.remove(ROOM, 'alice', connectionId);
        run(() => leaveLater(w.deps, { channel: ROOM, userId: 'alice', connectionId, token: id }));
      }
    }
    await jitter();
  }
  while (running.size > 0) await Promise.all([...running]);
  const row = w.members.row(ROOM, 'alice');
  const latest = [...w.frames.sent].sort((a, b) => b.version - a.version)[0];
  return { member: row?.state === 'joined', leaving: row?.state === 'leaving', pending: row?.token !== undefined, subscribed: subscribed.size > 0, latest: latest?.event };
}

test(`${SCHEDULES} random interleavings of subscribes, unsubscribes and drops, frames sometimes refused: a member iff subscribed, the latest frame agreeing`, async () => {
  const wrong: string[] = [];
  for (let seed = 1; seed <= SCHEDULES; seed++) {
    const end = await schedule(seed);
    const frameAgrees = end.subscribed ? end.latest === 'join' : end.latest === undefined || end.latest === 'leave';
    if (end.member !== end.subscribed || end.leaving || end.pending || !frameAgrees) wrong.push(`seed ${seed}: ${JSON.stringify(end)}`);
  }
  expect(wrong).toEqual([]);
});

test('a user\'s ten tabs subscribing at once (a member already): none fails with a conflict, over 200 schedules', async () => {
  let failed = 0;
  for (let seed = 1; seed <= 200; seed++) {
    const next = random(seed);
    const w = memberWorld();
    w.members.jitter = async () => {
      for (let ticks = Math.floor(next() * 12); ticks > 0; ticks--) await Promise.resolve();
    };
    w.members.set(ROOM, 'alice', { state: 'joined', version: 1, expiresAt: 2_000_000_000 });
    const tabs = Array.from({ length: 10 }, (_, i) => `tab-${i}`);
    for (const tab of tabs) w.subscribed.add(ROOM, 'alice', tab);
    const outcomes = await Promise.allSettled(tabs.map((tab) => join(w.deps, ROOM, 'alice', { id: tab, expiresAt: 2_000_000_000 })));
    failed += outcomes.filter((o) => o.status === 'rejected').length;
    expect(w.members.row(ROOM, 'alice')?.state).toBe('joined');
  }
  expect(failed).toBe(0);
});
