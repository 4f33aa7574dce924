import { memberWorld } from './fakes';
import { checkMember, join, leaveLater, leaveNow, MemberConflictError, type MemberChange } from '../../../lambda/channel-presence/core/members';

/**
 * Concurrent steps of one user's devices in one channel, interleaved at every read and write in many random orders:
 * whatever the order, once they are done (and the checks after the grace period have run) the user is a member iff a
 * connection of theirs is subscribed, and the frame with the highest version says so.
 */
const ROOM = 'room/42';
const CONNECTIONS = ['cA', 'cB', 'cC'];
const SCHEDULES = Number(process.env.SCHEDULES ?? 2000);

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
  const subscribed = new Set<string>();
  const steps: Array<Promise<void>> = [];
  const ops = 2 + Math.floor(next() * 5);
  for (let i = 0; i < ops; i++) {
    const connectionId = CONNECTIONS[Math.floor(next() * CONNECTIONS.length)];
    const id = `op-${i}`;
    const kind = next();
    if (kind < 0.45) {
      // A subscribe: its row, then the join.
      w.subscribed.add(ROOM, 'alice', connectionId);
      subscribed.add(connectionId);
      steps.push(untilDone(() => join(w.deps, ROOM, 'alice', { id, expiresAt: 2_000_000_000 })));
    } else if (kind < 0.8) {
      // An unsubscribe: the row deleted, then the leave.
      w.subscribed.remove(ROOM, 'alice', connectionId);
      subscribed.delete(connectionId);
      steps.push(untilDone(() => leaveNow(w.deps, ROOM, 'alice', connectionId, id)));
    } else {
      // A drop: the connection gone (so are its subscriptions), then its departure.
      w.subscribed.remove(ROOM, 'alice', connectionId);
      subscribed.delete(connectionId);
      steps.push(untilDone(() => leaveLater(w.deps, { channel: ROOM, userId: 'alice', connectionId, token: id })));
    }
    await jitter();
  }
  await Promise.all(steps);
  for (const { check } of w.checks.sent) await untilDone(() => checkMember(w.deps, { ...check, channel: ROOM }));
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
