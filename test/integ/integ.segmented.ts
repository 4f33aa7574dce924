/**
 * Integration test: a segmented broadcast with deduplication (configurations.ts, `segmented`). Deployed, the probe
 * connects 20 clients and sends the same broadcast twice; the assertion checks that each client received it once.
 */
import { integTest, segmented } from './configurations';

integTest('Segmented', segmented());
