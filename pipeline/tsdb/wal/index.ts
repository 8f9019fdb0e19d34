export { Wal, type WalReplayHandler } from './wal.js';
