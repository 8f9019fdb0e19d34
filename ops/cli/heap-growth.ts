import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets a long-running role's heap grow past what the last major collection kept, in
 * percent. Left to itself, V8 picks a factor of up to 4 when collections are fast next to the
 * program, and a role that ingests and queries all day is such a program: `tidemark up` held a
 * 420 MB heap after ingesting 8,000 series, 80-130 MB of it alive (the rest garbage no collection
 * had come for yet). In same-run A/Bs (8,000 series x 6 h), a factor of 2 took resident memory
 * after ingest from 753 to 645, 714 to 640 and (busy machine) 901 to 672 MB for 7-8 % more ingest
 * CPU (39.4 -> 42.0, 40.5 -> 43.9 CPU-s); 1.5 took it from 885 to 514 MB for 19 % more (59.1 ->
 * 70.4): more major collections of the same live heap.
 */
export const HEAP_GROWING_PERCENT = 100;

const FLAG = /^--heap[-_]growing[-_]percent(=|$)/;

/**
 * Sets V8's heap growing factor for this process (every thread: V8's flags are the process'),
 * unless node was started with one (`node --heap-growing-percent=N`), which is kept. Returns
 * whether it set it. V8 reads the flag at each collection, so setting it at run time works.
 */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((a) => FLAG.test(a))) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
