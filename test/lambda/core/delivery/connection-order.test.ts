import { ConnectionOrder } from '../../../../lambda/core/delivery/connection-order';
import { Semaphore } from '../../../../lambda/core/semaphore';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ConnectionOrder', () => {
  test('posts to one connection run one at a time, in order; other connections run meanwhile', async () => {
    // GIVEN posts that finish only when told to
    const order = new ConnectionOrder(new Semaphore(10));
    const events: string[] = [];
    const release = new Map<string, () => void>();
    const post = (name: string) => () => new Promise<void>((resolve) => {
      events.push(`start ${name}`);
      release.set(name, () => { events.push(`end ${name}`); resolve(); });
    });

    // WHEN a1, a2, a3 go to connection a and b1 to b
    for (const name of ['a1', 'a2', 'b1', 'a3']) await order.schedule(name[0], post(name));
    await tick();

    // THEN only a1 and b1 run; a2 starts when a1 ends, a3 when a2 ends
    expect(events).toEqual(['start a1', 'start b1']);
    release.get('a1')!();
    await tick();
    release.get('b1')!();
    release.get('a2')!();
    await tick();
    release.get('a3')!();
    await tick();
    expect(events).toEqual(['start a1', 'start b1', 'end a1', 'start a2', 'end b1', 'end a2', 'start a3', 'end a3']);
  });

  test('a post waiting behind another holds no slot', async () => {
    // GIVEN one slot taken by a post to a, with two more posts to a queued behind it
    const slots = new Semaphore(2);
    const order = new ConnectionOrder(slots);
    let releaseA!: () => void;
    await order.schedule('a', () => new Promise<void>((resolve) => { releaseA = resolve; }));
    await order.schedule('a', async () => undefined);
    await order.schedule('a', async () => undefined);

    // WHEN
    const held = slots.inFlight;
    releaseA();
    for (let i = 0; i < 5; i++) await tick();

    // THEN the queue used one slot, and gave it back once drained
    expect(held).toBe(1);
    expect(slots.inFlight).toBe(0);
  });

  test('a post that throws does not stop the ones behind it', async () => {
    // GIVEN
    const order = new ConnectionOrder(new Semaphore(1));
    const ran: string[] = [];

    // WHEN the first post to a connection throws
    await order.schedule('a', async () => { throw new Error('bug'); });
    await order.schedule('a', async () => { ran.push('second'); });
    for (let i = 0; i < 5; i++) await tick();

    // THEN
    expect(ran).toEqual(['second']);
  });
});
