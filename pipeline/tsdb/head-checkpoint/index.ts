export { isHeadCheckpointEntry, readHeadCheckpoint, removeHeadCheckpoints, type HeadCheckpoint } from './checkpoint-manifest.js';
export { HeadCheckpointWriter, type HeadCheckpointWriterOptions } from './head-checkpoint-writer.js';
export { restoreHeadCheckpoint } from './restore-head-checkpoint.js';
