/**
 * Replacing a small state file so that a crash leaves the old content or the new, never a torn
 * file: write a temporary file beside it, rename it over the old one. How much is synced is the
 * caller's trade: the page cache outlives a killed process, so unsynced replaces survive `kill -9`
 * and only a power loss can take them back.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface ReplaceFileOptions {
  /** fsync the new content before the rename (default true). */
  readonly syncFile?: boolean;
  /** fsync the directory after the rename, so the rename itself survives a power loss (default: as syncFile). */
  readonly syncDir?: boolean;
  /** Create the file's directory first (default false). */
  readonly makeDir?: boolean;
}

/** Name of the temporary file a replace of `file` writes (left behind only by a crash mid-write; the next replace overwrites it). */
export function temporaryFileOf(file: string): string {
  return `${file}.tmp`;
}

/** Replaces `file` with `data` atomically (see the module comment). */
export async function replaceFile(file: string, data: string | Uint8Array, options: ReplaceFileOptions = {}): Promise<void> {
  const syncFile = options.syncFile ?? true;
  const syncDir = options.syncDir ?? syncFile;
  const dir = dirname(file);
  if (options.makeDir) await mkdir(dir, { recursive: true });
  const tmp = temporaryFileOf(file);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    if (syncFile) await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  if (syncDir) {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }
}

/** replaceFile without yielding, for callers that must not let other work run between write and rename. */
export function replaceFileSync(file: string, data: string | Uint8Array, options: ReplaceFileOptions = {}): void {
  const syncFile = options.syncFile ?? true;
  const syncDir = options.syncDir ?? syncFile;
  const dir = dirname(file);
  if (options.makeDir) mkdirSync(dir, { recursive: true });
  const tmp = temporaryFileOf(file);
  const fd = openSync(tmp, 'w');
  try {
    writeFileSync(fd, data);
    if (syncFile) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  if (syncDir) {
    const d = openSync(dir, 'r');
    try {
      fsyncSync(d);
    } finally {
      closeSync(d);
    }
  }
}
