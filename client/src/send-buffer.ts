/**
 * Frames the app sent while no socket was open, sent in order once one is. Bounded: when `capacity` frames wait, a new
 * one is refused (the app learns it from `send`'s result) rather than an older one dropped, so that what is sent keeps
 * the app's order without gaps.
 */
export class SendBuffer {
  private frames: string[] = [];

  constructor(readonly capacity: number) {}

  /** Queues a frame; false when the buffer is full. */
  push(frame: string): boolean {
    if (this.frames.length >= this.capacity) return false;
    this.frames.push(frame);
    return true;
  }

  /** Takes every queued frame, oldest first. */
  drain(): string[] {
    const frames = this.frames;
    this.frames = [];
    return frames;
  }

  /** Puts frames that could not be sent back in front, in their order. */
  restore(frames: readonly string[]): void {
    this.frames = [...frames, ...this.frames];
  }

  clear(): void {
    this.frames = [];
  }

  get size(): number {
    return this.frames.length;
  }
}
