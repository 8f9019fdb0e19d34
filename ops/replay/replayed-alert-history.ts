import { hostname } from 'node:os';
import type { AlertTransition, LoadedGroup } from '../../pipeline/alert/rules/index.js';

/**
 * Where a rule replay's alert state changes go, marked replayed: the alerts topic itself
 * (AlertsTopicHistory, with --kafka) or a running Tidemark's HTTP API (HttpAlertHistory).
 */
export interface ReplayedAlertHistory {
  /** A rule's state changes over a chunk of instants, in time order. */
  write(group: LoadedGroup, transitions: readonly AlertTransition[]): Promise<void>;
  /** Resolves once everything written is on the topic; throws what failed. */
  finish(): Promise<void>;
}

/** Names a replay run in its records' REPLAYED_HEADER: `host/pid/start time`. */
export function replayRunId(now = new Date()): string {
  return `${hostname()}/${process.pid}/${now.toISOString()}`;
}
