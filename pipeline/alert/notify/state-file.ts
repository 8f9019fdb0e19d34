/**
 * One file of the notifier's saved state: JSON `{"kind", "version", ...body}`, replaced atomically
 * (temporary file, fsync, rename, fsync of the directory) so that a crash leaves the old file or
 * the new one, never a torn one.
 */
import { readFile } from 'node:fs/promises';
import { replaceFile } from '../../durable-file/index.js';
import { NotifyStateFileError } from './errors.js';

export const STATE_FILE_VERSION = 1;

/** The body of `file` written as `kind`, or undefined when there is no file; throws NotifyStateFileError otherwise. */
export async function readStateFile(file: string, kind: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new NotifyStateFileError(file, `cannot read: ${(err as Error).message}`, { cause: err });
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new NotifyStateFileError(file, `not valid JSON (truncated or corrupt): ${(err as Error).message}`, { cause: err });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new NotifyStateFileError(file, 'not a JSON object');
  const o = v as Record<string, unknown>;
  if (o.kind !== kind) throw new NotifyStateFileError(file, `holds ${JSON.stringify(o.kind)}, expected ${JSON.stringify(kind)}`);
  if (o.version !== STATE_FILE_VERSION) {
    throw new NotifyStateFileError(file, `format version ${JSON.stringify(o.version)} is not ${STATE_FILE_VERSION}, the one this Tidemark reads (written by a newer version?)`);
  }
  return o;
}

/** Replace `file` with `body` written as `kind`. */
export async function writeStateFile(file: string, kind: string, body: Record<string, unknown>): Promise<void> {
  try {
    await replaceFile(file, JSON.stringify({ kind, version: STATE_FILE_VERSION, ...body }), { makeDir: true });
  } catch (err) {
    throw new NotifyStateFileError(file, `cannot write: ${(err as Error).message}`, { cause: err });
  }
}
