/** One store's announcement: where it serves reads and which partitions of the samples topic it holds. */
export interface ShardRegistryEntry {
  readonly storeId: string;
  /** Base URL of the store's read endpoints (store-http-api.ts), e.g. `http://10.0.0.5:9464`. */
  readonly address: string;
  readonly partitions: number[];
  /** When the entry was last announced or refreshed (ms since the epoch). */
  readonly updatedAt: number;
}

/**
 * Where the query layer finds every shard. A store announces itself whenever its partitions change
 * and withdraws when it stops; a store that dies without withdrawing disappears once its
 * announcement expires (distributed registries), so readers never wait on a dead store for long.
 */
export interface ShardRegistry {
  announce(storeId: string, address: string, partitions: readonly number[]): Promise<void>;
  withdraw(storeId: string): Promise<void>;
  list(): Promise<ShardRegistryEntry[]>;
}

/** The registry of `tidemark up`: every store lives in this process, so a map is enough. */
export class InProcessShardRegistry implements ShardRegistry {
  private readonly entries = new Map<string, ShardRegistryEntry>();

  constructor(private readonly now: () => number = Date.now) {}

  async announce(storeId: string, address: string, partitions: readonly number[]): Promise<void> {
    this.entries.set(storeId, { storeId, address, partitions: [...partitions].sort((a, b) => a - b), updatedAt: this.now() });
  }

  async withdraw(storeId: string): Promise<void> {
    this.entries.delete(storeId);
  }

  async list(): Promise<ShardRegistryEntry[]> {
    return [...this.entries.values()].sort((a, b) => (a.storeId < b.storeId ? -1 : a.storeId > b.storeId ? 1 : 0));
  }
}
