import { describeNotifyStateStore } from './notify-state-store.contract.js';
import { MemoryStateStore } from './memory-state-store.js';

describeNotifyStateStore('memory', async () => new MemoryStateStore());
