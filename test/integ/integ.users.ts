/**
 * Integration test: the default pusher with `connectionRoutes`, the envelope and disconnect requests (configurations.ts,
 * `users`). Deployed, the probe connects alice (twice), bob and carol; the assertion checks its report: a multicast
 * through the queue reaches alice's two connections; a broadcast through the topic that excludes carol reaches alice and
 * bob, not carol; a stale row (a gone connection) is pruned on 410; a disconnect request sends carol its goodbye, then
 * closes her connection.
 *
 * `npx projen integ` compares this app's synthesis with its snapshot, without an account (README, *Integration tests*).
 */
import { integTest, users } from './configurations';

integTest('Users', users());
