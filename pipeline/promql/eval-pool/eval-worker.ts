/**
 * An evaluation worker thread: evaluates each job it is sent and posts back the result or the
 * error. Cancellation arrives through shared memory, since a busy worker reads no messages.
 */
import { parentPort } from 'node:worker_threads';
import type { AbortProbe } from '../engine/eval-context.js';
import { evaluateJob } from '../engine/eval-job.js';
import { fillOperandRows, type OperandPart, type PartRows } from '../engine/operand-rows.js';
import { expectArrayBufferTransfers } from '../../tsdb/expect-array-buffer-transfers.js';
import { sharedMemory } from '../../tsdb/shared-memory/index.js';
import { errorToWire, packResult, unpackJob, type WireError, type WireJob, type WireResult } from './job-wire.js';

/**
 * What the pool posts: a job, its id and the flag the pool sets (to 1) to cancel it. With
 * `parts`, the job is a part of a split one: its rows are computed into the parts' row
 * matrices (operand-rows.ts) and the reply is `rows`, not a result.
 */
export interface JobMessage {
  readonly id: number;
  readonly wire: WireJob;
  readonly abort: SharedArrayBuffer;
  readonly parts?: readonly OperandPart[];
}

export type ReplyMessage =
  | { readonly id: number; readonly ok: WireResult; readonly buffers: ArrayBuffer[] }
  | { readonly id: number; readonly rows: PartRows[]; readonly buffers: ArrayBuffer[] }
  | { readonly id: number; readonly err: WireError; readonly buffers: ArrayBuffer[] };

function abortProbe(buf: SharedArrayBuffer): AbortProbe {
  const flag = new Int32Array(buf);
  return { get aborted() { return Atomics.load(flag, 0) !== 0; } };
}

if (parentPort === null) throw new Error('eval-worker.ts runs as a worker thread of an evaluation pool');
const port = parentPort;
// Each reply transfers buffers: what the first job optimizes stays optimized after it.
expectArrayBufferTransfers();
port.on('message', (m: JobMessage) => {
  // The selection's columns in shared memory: this thread's references keep them alive too.
  sharedMemory().take(m.wire.sharedBytes);
  for (const r of [...(m.parts ?? []), ...(m.wire.job.rowMatrices?.values() ?? [])]) sharedMemory().take(r.values.byteLength + r.present.byteLength);
  let reply: ReplyMessage;
  // The job's sample buffers go back for the pool to reuse: the result holds none of them.
  const buffers = [m.wire.ts.buffer, m.wire.vs.buffer, m.wire.stale.buffer] as ArrayBuffer[];
  let transfer: ArrayBuffer[] = buffers;
  try {
    if (m.parts !== undefined) {
      reply = { id: m.id, rows: fillOperandRows(unpackJob(m.wire), m.parts, abortProbe(m.abort)), buffers };
    } else {
      const packed = packResult(evaluateJob(unpackJob(m.wire), abortProbe(m.abort)));
      reply = { id: m.id, ok: packed.wire, buffers };
      transfer = [...packed.transfer, ...buffers];
    }
  } catch (err) {
    reply = { id: m.id, err: errorToWire(err), buffers };
  }
  port.postMessage(reply, transfer);
});
