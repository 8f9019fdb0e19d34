/**
 * Alert state across restarts: per group its last evaluated instant, per alerting rule its alerts
 * (activeAt, firedAt, resolvedAt, lastSentAt, ...). Written atomically (temporary file, fsync,
 * rename, fsync of the directory) after an evaluation round and before offsets are committed, so a restart resumes with the
 * state that matches where consumption resumes. JSON, version 1.
 */
import { readFile } from 'node:fs/promises';
import { replaceFile } from '../../durable-file/index.js';
import type { ActiveAlert } from './alerting-rule.js';
import { AlertStateFileError } from './errors.js';

export interface SavedGroup {
  readonly lastEvaluation: number;
  /** Alerts by rule key (`name#index`). */
  readonly rules: Readonly<Record<string, readonly ActiveAlert[]>>;
}

export interface SavedState {
  readonly version: 1;
  /** By group key (file NUL group name). */
  readonly groups: Readonly<Record<string, SavedGroup>>;
}

export async function readAlertState(file: string): Promise<SavedState | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AlertStateFileError(file, 'cannot read alert state', err);
  }
  try {
    const v = JSON.parse(text) as SavedState;
    if (v.version !== 1 || typeof v.groups !== 'object' || v.groups === null) throw new Error(`unsupported version ${String(v.version)}`);
    return v;
  } catch (err) {
    throw new AlertStateFileError(file, `invalid alert state: ${(err as Error).message}`, err);
  }
}

export async function writeAlertState(file: string, state: SavedState): Promise<void> {
  try {
    await replaceFile(file, JSON.stringify(state));
  } catch (err) {
    throw new AlertStateFileError(file, 'cannot write alert state', err);
  }
}
