export { SharedMemoryBudget, SHARED_GC_BUDGET, sharedMemory } from './shared-memory.js';
