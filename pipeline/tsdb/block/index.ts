export { Block, type BlockSeries } from './block.js';
export { BlockQuerier } from './block-querier.js';
export { newBlockId, type BlockMeta } from './block-meta.js';
export { writeBlock, removeBlockDir, writeTombstones, writeDurable, fsyncDir, type BlockSeriesInput, type ChunkData, type WriteBlockOptions } from './block-writer.js';
export { ByteReader, ByteWriter } from './encoding.js';
export { deletedIntervals, isDeleted, type Tombstone } from './tombstones.js';
