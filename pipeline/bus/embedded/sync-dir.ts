import { open } from 'node:fs/promises';

/** fsyncs a directory so the names created or renamed in it survive a power loss. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
