export { blocksBeyondRetention, type RetainedBlock, type RetentionPolicy } from './retention.js';
