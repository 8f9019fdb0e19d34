import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { IdleStop, WORKER_IDLE_MS } from '../idle-stop.js';
import { isPooledSlab, sharedMemory, type SelectSlabPool, type SlabLease } from '../shared-memory/index.js';
import { ColumnSlabs } from './column-slabs.js';
import { OP_SIZE, runDecodeJob, SERIES_HEADER, splitDecodeJob, type DecodeJob, type DecodeResult } from './decode-job.js';
import type { DecodePlanner } from './decode-planner.js';
import { decodeWarmUpJobs } from './decode-warm-up.js';
import type { CollectReply, CollectRequest, DecodeReply, DecodeRequest } from './decode-worker.js';

interface Task {
  readonly id: number;
  readonly job: DecodeJob;
  readonly resolve: (r: DecodeResult) => void;
  readonly reject: (e: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  task: Task | null;
  readonly idle: IdleStop;
  /** Callers of `collect` waiting for this worker's answer, in order. */
  readonly collects: ((collections: number) => void)[];
}

/**
 * Below this many samples (a few milliseconds of decoding) a select decodes on the calling
 * thread: planning it and a worker's round trip cost more CPU than they free (measured on the
 * system query set at 8,000 series x 6 h: its error ratio, per-shard selects of 36,000 and
 * 108,000 samples, took about 1.5 times the CPU when they were decoded in the workers). A select
 * over shards is weighed whole (SelectHints.parts): at 20,000 series its shards' parts, each
 * below this, decoded in place one after the other held the calling thread for the sum. Parts
 * below MIN_PART still decode in place: 16 parts of 54,000 samples (the system set's filesystem
 * ratio) cost about 10 ms more CPU in the threads and answered no sooner.
 */
export const IN_PLACE_BELOW = 1 << 18;
/** Smallest part a large select is cut into for the threads to share. */
export const MIN_PART = 1 << 16;

export interface DecodePoolOptions {
  /** Worker threads; default one per core. */
  readonly size?: number;
  /** Selects bounded by fewer samples decode in place (0: every select goes to the workers). */
  readonly inPlaceBelow?: number;
  /** Fewest samples of a part when a select is cut into parts. */
  readonly minPart?: number;
  /** How long a worker waits for a job before it is stopped (WORKER_IDLE_MS). */
  readonly idleMs?: number;
}

/**
 * Decodes selects' chunks (DecodeJob) in worker threads, so the thread that serves HTTP only
 * plans a select (postings, chunk references) while the cores decode, and a select over many
 * shards, or one large one cut into parts, uses every core. Workers start on first use, are
 * replaced when one dies and stopped when idle for `idleMs`; jobs wait in arrival order while
 * every worker is busy.
 */
export class DecodePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;

  readonly size: number;
  private readonly inPlaceBelow: number;
  private readonly minPart: number;
  private readonly idleMs: number;

  constructor(options: DecodePoolOptions = {}) {
    this.size = options.size ?? availableParallelism();
    this.inPlaceBelow = options.inPlaceBelow ?? IN_PLACE_BELOW;
    this.minPart = Math.max(1, options.minPart ?? MIN_PART);
    this.idleMs = options.idleMs ?? WORKER_IDLE_MS;
    const size = this.size;
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a decode pool needs at least one worker, got ${size}`);
  }

  /** Worker threads running now. */
  get workers(): number {
    return this.slots.length;
  }

  /**
   * Whether a select bounded by `samples` samples is best decoded on the calling thread (a
   * worker's round trip costs more). `parts`: how many such selects the whole select is made of
   * (SelectHints.parts); it is weighed whole, but a part smaller than the smallest one worth a
   * thread (`minPart`) still decodes in place.
   */
  decodesInPlace(samples: number, parts = 1): boolean {
    return samples * parts < this.inPlaceBelow || (parts > 1 && samples < this.minPart);
  }

  /**
   * Starts every worker that is not running and has each decode the warm-up jobs (decode-warm-up.ts)
   * before any select: a query process calls it at start, so its first large selects neither
   * wait for threads to start nor decode in code V8 has not compiled for them yet (a fresh thread
   * decoded a select at a fifth of the speed of a warm one). Jobs that come meanwhile queue
   * behind the warm-up. The calling thread is not warmed up: a store's head restore decodes its
   * chunks there at start anyway, and a warm-up there cost the start about 0.2 s of CPU for no
   * measurable gain.
   */
  warm(): void {
    if (this.closed) return;
    while (this.slots.length < this.size) {
      const slot = this.spawn();
      // The jobs go to the same thread one after another (decodeWarmUpJobs).
      const jobs = decodeWarmUpJobs();
      const next = (): void => {
        const job = jobs.shift();
        if (job === undefined || this.closed || !this.slots.includes(slot)) return;
        const task: Task = { id: this.nextId++, job, resolve: next, reject: () => undefined };
        slot.task = task;
        // Unlike a select's job, a warm-up does not keep the process alive.
        slot.worker.unref();
        this.post(slot, task);
      };
      next();
    }
  }

  /**
   * Has every running worker collect (decode-worker.ts, CollectRequest): a select slab pool that
   * let slabs go calls it, so the threads that wrote into them let go of them too. Resolves, once
   * each has asked V8 for it, to the collections each has asked for so far (0 for one that died meanwhile).
   */
  collect(): Promise<number[]> {
    const request: CollectRequest = { collect: true };
    return Promise.all(this.slots.map((slot) => new Promise<number>((resolve) => {
      slot.collects.push(resolve);
      slot.worker.postMessage(request);
    })));
  }

  /**
   * Starts the workers a select of `samples` samples will be cut into parts for (see `decode`)
   * that are not running yet, so their start (tens of milliseconds of module loading each)
   * overlaps the planning of the select rather than following it. They wait for jobs as idle
   * ones do.
   */
  startWorkersFor(samples: number): void {
    if (this.closed) return;
    const parts = this.partsFor(samples);
    while (this.slots.length < parts) {
      const slot = this.spawn();
      slot.worker.unref();
      slot.idle.idle();
    }
  }

  private partsFor(samples: number): number {
    return Math.max(1, Math.min(this.size, Math.floor(samples / this.minPart)));
  }

  /**
   * Decodes a planned select in the workers, cut into parts they share. Results come in job
   * order; `first[j]` is job j's first series among the planned ones. With `slabs`, the jobs
   * write into pooled slabs first: a job's slabs are its own while it runs (a release of the
   * lease meanwhile, another select of the query having failed, does not hand them to another
   * query) and the lease's once it is over; when the lease was released by then, the select
   * fails, as nothing may read them.
   */
  async decode(plan: DecodePlanner, slabs?: SlabLease): Promise<{ results: DecodeResult[]; first: number[] }> {
    const { jobs, first } = plan.jobs(this.partsFor(plan.totalBound));
    return { results: await this.decodeJobs(jobs, slabs), first };
  }

  /**
   * Decodes a job planned elsewhere (a store's select-chunks answer) as `decode` does a plan:
   * cut into parts for the workers, or on the calling thread when it is bounded by fewer samples
   * than a worker's round trip is worth (`decodesInPlace`).
   */
  async decodeJob(job: DecodeJob, slabs?: SlabLease): Promise<{ results: DecodeResult[]; first: number[] }> {
    let samples = 0;
    for (const bound of jobBounds(job)) samples += bound;
    if (this.decodesInPlace(samples)) return { results: [this.decodeHere(job, slabs)], first: [0] };
    const { jobs, first } = splitDecodeJob(job, this.partsFor(samples));
    return { results: await this.decodeJobs(jobs, slabs), first };
  }

  /** Decodes jobs in the workers; results in job order. */
  private async decodeJobs(jobs: readonly DecodeJob[], slabs: SlabLease | undefined): Promise<DecodeResult[]> {
    const settled = await Promise.all(jobs.map((job) => this.decodeInto(job, slabs)));
    const results: DecodeResult[] = [];
    for (let j = 0; j < settled.length; j++) {
      let r = settled[j];
      if (r === null) throw new Error('the query ended before its select was decoded');
      // A slab that crossed threads twice in one message came back as two objects: a job without
      // values names its timestamp slabs as value slabs (ColumnSlabs), here as there.
      if (jobs[j].valuesUnused) r = { ...r, slabV: r.slabT };
      results.push(r);
      // Slabs the workers allocated: this thread's references keep them alive from now on.
      for (const b of r.slabT) if (!isPooledSlab(b)) sharedMemory().take(b.byteLength);
      // Values slabs that are the timestamps' (a select without values) are counted once.
      r.slabV.forEach((b, i) => {
        if (b !== r.slabT[i] && !isPooledSlab(b)) sharedMemory().take(b.byteLength);
      });
    }
    return results;
  }

  /** A job run on this thread, into the lease's slabs first (its own slabs: no thread to hand them back from). */
  private decodeHere(job: DecodeJob, slabs: SlabLease | undefined): DecodeResult {
    const handed = slabs?.takeForJob(pooledFor(job)) ?? [];
    let result: DecodeResult | null = null;
    try {
      result = runDecodeJob({ ...job, slabs: handed });
    } finally {
      const used = new Set(result === null ? [] : [...result.slabT, ...result.slabV]);
      if (slabs !== undefined && !slabs.hold(handed, used)) result = null;
    }
    if (result === null) throw new Error('the query ended before its select was decoded');
    return result;
  }

  /** A job's result, or null when its slabs went back to a lease released meanwhile. */
  private async decodeInto(job: DecodeJob, slabs: SlabLease | undefined): Promise<DecodeResult | null> {
    const handed = slabs?.takeForJob(pooledFor(job)) ?? [];
    if (slabs === undefined || handed.length === 0) return this.submit(job);
    let result: DecodeResult | null = null;
    try {
      const r = await this.submit({ ...job, slabs: handed });
      // The worker's pooled slabs are other objects here: this thread's own take their place.
      const own = (b: SharedArrayBuffer, at: number): SharedArrayBuffer => (at >= 0 ? handed[at] : b);
      result = { ...r, slabT: r.slabT.map((b, i) => own(b, r.pooledT[i])), slabV: r.slabV.map((b, i) => own(b, r.pooledV[i])) };
    } finally {
      // Those the job did not write (all when it failed) are read by no one: they go back.
      const used = new Set(result === null ? [] : [...result.slabT, ...result.slabV]);
      if (!slabs.hold(handed, used)) result = null;
    }
    return result;
  }

  /** Stops every worker; queued and running jobs fail. */
  async close(): Promise<void> {
    this.closed = true;
    const gone = new Error('the select decode pool is closed');
    for (const t of this.queue.splice(0)) t.reject(gone);
    await Promise.all(this.slots.splice(0).map(async (s) => {
      // A running job fails once its worker has stopped: until then it may write its slabs.
      const task = s.task;
      s.task = null;
      s.idle.busy();
      await s.worker.terminate();
      task?.reject(gone);
    }));
  }

  private submit(job: DecodeJob): Promise<DecodeResult> {
    if (this.closed) return Promise.reject(new Error('the select decode pool is closed'));
    return new Promise<DecodeResult>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.task === null);
      if (slot === undefined && this.slots.length < this.size) slot = this.spawn();
      if (slot === undefined) return;
      const task = this.queue.shift()!;
      slot.task = task;
      // A busy worker keeps the process alive (a script awaiting a select); an idle one does not.
      slot.worker.ref();
      this.post(slot, task);
    }
  }

  private post(slot: Slot, task: Task): void {
    slot.idle.busy();
    const request: DecodeRequest = { id: task.id, job: task.job };
    slot.worker.postMessage(request, [task.job.ops.buffer as ArrayBuffer]);
  }

  /** Stops an idle worker; out of the slots at once, so no job goes to it while it exits. */
  private retire(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i < 0 || slot.task !== null) return;
    this.slots.splice(i, 1);
    void slot.worker.terminate();
  }

  private spawn(): Slot {
    const worker = startWorker();
    const slot: Slot = { worker, task: null, idle: new IdleStop(this.idleMs, () => this.retire(slot)), collects: [] };
    worker.on('message', (m: DecodeReply | CollectReply) => {
      if ('collections' in m) {
        slot.collects.shift()?.(m.collections);
        return;
      }
      const task = slot.task;
      if (task === null || task.id !== m.id) return;
      slot.task = null;
      worker.unref();
      if ('ok' in m) task.resolve(m.ok);
      else {
        const e = new Error(`decoding a select's chunks failed: ${m.err.message}`);
        if (m.err.stack !== undefined) e.stack = m.err.stack;
        task.reject(e);
      }
      this.dispatch();
      if (slot.task === null) slot.idle.idle();
    });
    // A worker that dies fails its job only; another takes its place.
    const fail = (err: Error): void => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      const task = slot.task;
      slot.task = null;
      task?.reject(new Error(`select decode worker failed: ${err.message}`, { cause: err }));
      for (const resolve of slot.collects.splice(0)) resolve(0);
      if (!this.closed) this.dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }
}

/**
 * Pooled slabs a job is handed before it runs. None for a presence job (DecodeJob.presenceLookback):
 * most of its series are summed up, not written, and the few written in full take slabs of their
 * own; its bounds would otherwise have the pool make and lease a slab for every 131,072 samples
 * it reads.
 */
function pooledFor(job: DecodeJob): number {
  return job.presenceLookback === undefined ? ColumnSlabs.pooledNeeded(jobBounds(job), job.valuesUnused) : 0;
}

/**
 * The sample bounds of a job's series, in order (DecodeJob.ops). One result object serves every
 * step: a generator allocates one a series (0.8 MB for a select of 20,000 series).
 */
function jobBounds(job: DecodeJob): IterableIterator<number> {
  let i = 0;
  let p = 0;
  const step = { done: false, value: 0 };
  return {
    next(): IteratorResult<number> {
      if (i === job.seriesCount) return { done: true, value: undefined };
      step.value = job.ops[p];
      p += SERIES_HEADER + OP_SIZE * job.ops[p + 1];
      i++;
      return step;
    },
    [Symbol.iterator]() {
      return this;
    },
  };
}

let shared: DecodePool | null = null;

/** The process' decode pool, one worker per core, made on first use. */
export function sharedDecodePool(): DecodePool {
  shared ??= new DecodePool();
  return shared;
}

/** Slab pools whose drops have the process' decode threads collect already. */
const collecting = new WeakSet<SelectSlabPool>();

/**
 * Has the process' decode threads collect whenever `pool` lets slabs go: they write into its
 * slabs, and only their own collection drops their references (DecodePool.collect). Once a pool,
 * however many APIs of a process (query, store) select with it.
 */
export function collectDecodeThreadsOnDrop(pool: SelectSlabPool): void {
  if (collecting.has(pool)) return;
  collecting.add(pool);
  pool.onDrop(() => void sharedDecodePool().collect());
}

/**
 * Starts decode-worker: the compiled .js beside this file, or, when running from TypeScript
 * sources (tests, benchmarks under tsx), the .ts through tsx's loader registered inside the worker.
 */
function startWorker(): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL('./decode-worker.js', self));
  const entry = new URL('./decode-worker.ts', self).href;
  const boot = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true });
}
