export { SharedMemoryBudget, SHARED_GC_BUDGET, sharedMemory } from './shared-memory.js';
export {
  DEFAULT_SLAB_POOL_BYTES, isPooledSlab, SelectSlabPool, sharedSelectSlabPool, SLAB_BYTES, type SlabLease, type SlabPoolStats,
} from './select-slab-pool.js';
