/**
 * Integration test: channels with presence and history (configurations.ts, `channels`). Deployed, the probe subscribes
 * alice and bob to `room/1`; the assertion checks its report: a publish reaches both; bob, closed by a disconnect
 * request, reconnects and receives what was published meanwhile, once and in `seq` order; the members are both.
 */
import { integTest, channels } from './configurations';

integTest('Channels', channels());
