import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeBusContract } from '../../../pipeline/bus/bus.contract.js';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';

describeBusContract(
  'embedded',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tidemark-embedded-contract-'));
    // Small segments, so the suite also crosses segment boundaries.
    const bus = await EmbeddedBus.open({ dataDir: dir, config: { segment_bytes: 1024, index_interval_bytes: 256 } });
    let n = 0;
    return {
      bus,
      topic: async (partitions) => {
        const name = `contract-${++n}`;
        await bus.ensureTopic(name, partitions);
        return name;
      },
      cleanup: async () => {
        await bus.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
  { capabilities: { timestampLookup: true, multipleMembers: true }, waitMs: 10_000 },
);
