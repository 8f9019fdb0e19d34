export { isHeadCheckpointEntry, readHeadCheckpoint, removeHeadCheckpoints, restoreHeadCheckpoint, writeHeadCheckpoint, type HeadCheckpoint } from './head-checkpoint.js';
