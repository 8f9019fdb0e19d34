import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidTopicNameError, UnknownTopicError } from './errors.js';
import { PartitionLog, type PartitionLogOptions } from './partition-log.js';
import { recentBytesPerPartition } from './recent-records.js';
import { syncDir } from './sync-dir.js';

const LEGAL_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

export function assertTopicName(topic: string): void {
  if (typeof topic !== 'string' || !LEGAL_TOPIC.test(topic) || topic === '.' || topic === '..') {
    throw new InvalidTopicNameError(String(topic));
  }
}

/**
 * The topics of a data directory: `<dir>/<topic>/topic.json` (partition count, written last, so a
 * topic whose creation was interrupted is not half there) and `<dir>/<topic>/<partition>/`.
 */
export class TopicStore {
  private readonly topics = new Map<string, PartitionLog[]>();
  private readonly creating = new Map<string, Promise<PartitionLog[]>>();

  constructor(
    private readonly dir: string,
    private readonly opts: PartitionLogOptions,
  ) {}

  /** Opens every complete topic, recovering each partition's tail. */
  async openAll(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (const name of await readdir(this.dir)) {
      if (!LEGAL_TOPIC.test(name)) continue;
      let count: number;
      try {
        count = (JSON.parse(await readFile(join(this.dir, name, 'topic.json'), 'utf8')) as { partitions: number }).partitions;
      } catch {
        continue; // creation never finished; ensureTopic will complete it
      }
      this.topics.set(name, await this.openPartitions(name, count));
    }
  }

  get(topic: string): PartitionLog[] {
    const logs = this.topics.get(topic);
    if (!logs) {
      assertTopicName(topic);
      throw new UnknownTopicError(topic);
    }
    return logs;
  }

  has(topic: string): boolean {
    return this.topics.has(topic);
  }

  all(): PartitionLog[][] {
    return [...this.topics.values()];
  }

  async ensure(topic: string, partitions: number): Promise<PartitionLog[]> {
    const existing = this.topics.get(topic);
    if (existing) return existing;
    let pending = this.creating.get(topic);
    if (!pending) {
      pending = this.create(topic, partitions).finally(() => this.creating.delete(topic));
      this.creating.set(topic, pending);
    }
    return pending;
  }

  private async create(topic: string, partitions: number): Promise<PartitionLog[]> {
    const dir = join(this.dir, topic);
    await mkdir(dir, { recursive: true });
    const logs = await this.openPartitions(topic, partitions);
    await syncDir(dir);
    const meta = join(dir, 'topic.json');
    await writeFile(`${meta}.tmp`, JSON.stringify({ partitions }));
    await rename(`${meta}.tmp`, meta);
    await syncDir(dir);
    await syncDir(this.dir);
    this.topics.set(topic, logs);
    return logs;
  }

  private async openPartitions(topic: string, count: number): Promise<PartitionLog[]> {
    const logs: PartitionLog[] = [];
    const opts = { ...this.opts, recentBytes: this.opts.recentBytes ?? recentBytesPerPartition(count) };
    for (let p = 0; p < count; p++) logs.push(await PartitionLog.open(join(this.dir, topic, String(p)), topic, p, opts));
    return logs;
  }

  async close(): Promise<void> {
    await Promise.all(this.all().flat().map((l) => l.close()));
  }
}
