/** Op kinds of a job's op stream (see DecodeJob.ops). */
export const OP_CHUNK = 0;
export const OP_SAMPLES = 1;
export const OP_MARK = 2;
export const OP_DROP = 3;
export const OP_CHUNK_FROM = 4;

/** Numbers per series header and per op in DecodeJob.ops. */
export const SERIES_HEADER = 2;
export const OP_SIZE = 5;
