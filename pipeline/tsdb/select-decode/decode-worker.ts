/**
 * A decode thread of a DecodePool: runs each job it is sent and posts back what it wrote, or the
 * error. The samples are written to shared slabs the worker allocates; they come back by
 * reference, with counts and staleness flags.
 */
import { parentPort } from 'node:worker_threads';
import { expectArrayBufferTransfers } from '../expect-array-buffer-transfers.js';
import { sharedMemory } from '../shared-memory/index.js';
import { runDecodeJob, type DecodeJob, type DecodeResult } from './decode-job.js';

export interface DecodeRequest {
  readonly id: number;
  readonly job: DecodeJob;
}

/**
 * Sent when the select slab pool let slabs go: this thread's references to them (jobs it wrote
 * into) keep them resident until it collects, which nothing else asks of it, as pooled slabs it
 * writes into are not counted toward a collection (a count would have it collect after every burst
 * of selects, for 10-15 % more CPU in the query set).
 */
export interface CollectRequest {
  readonly collect: true;
}

/** The answer to a CollectRequest: how many collections this thread has asked for so far. */
export interface CollectReply {
  readonly collections: number;
}

export type DecodeReply =
  | { readonly id: number; readonly ok: DecodeResult }
  | { readonly id: number; readonly err: { readonly message: string; readonly stack?: string } };

if (parentPort === null) throw new Error('decode-worker.ts runs as a worker thread of a decode pool');
const port = parentPort;
// Each reply transfers buffers: the decoders the first job optimizes stay optimized after it.
expectArrayBufferTransfers();
port.on('message', (m: DecodeRequest | CollectRequest) => {
  if ('collect' in m) {
    sharedMemory().collectNow();
    port.postMessage({ collections: sharedMemory().collections } satisfies CollectReply);
    return;
  }
  let result: DecodeResult;
  try {
    result = runDecodeJob(m.job);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    port.postMessage({ id: m.id, err: { message: e.message, stack: e.stack } } satisfies DecodeReply);
    return;
  }
  port.postMessage({ id: m.id, ok: result } satisfies DecodeReply, [result.counts.buffer as ArrayBuffer, result.presence.buffer as ArrayBuffer, result.stale.buffer as ArrayBuffer]);
});
