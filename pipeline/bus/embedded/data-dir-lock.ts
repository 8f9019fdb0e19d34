import { readFile, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DataDirLockedError } from './errors.js';

/** Data directories this process has open (two buses on one directory would corrupt it). */
const openHere = new Set<string>();

/**
 * Exclusive use of a data directory: a `LOCK` file holding the owner's pid. A lock left by a
 * process that no longer runs (after `kill -9`) is taken over.
 */
export class DataDirLock {
  private constructor(private readonly dir: string) {}

  static async acquire(dir: string): Promise<DataDirLock> {
    const abs = resolve(dir);
    const file = join(abs, 'LOCK');
    if (openHere.has(abs)) throw new DataDirLockedError(file, process.pid);
    for (;;) {
      try {
        await writeFile(file, String(process.pid), { flag: 'wx' });
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) throw new DataDirLockedError(file, pid);
      await unlink(file).catch(() => undefined);
    }
    openHere.add(abs);
    return new DataDirLock(abs);
  }

  async release(): Promise<void> {
    openHere.delete(this.dir);
    await unlink(join(this.dir, 'LOCK')).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
