import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { replaceFile } from '../../pipeline/durable-file/index.js';

/** How far an import got in one input: lines of a file, or chunks and series of a remote read. */
export interface InputPosition {
  /** Lines of the file stored (all of them when `done`). */
  readonly lines?: number;
  /** Remote read: chunks completely stored, and series of the next chunk stored. */
  readonly chunks?: number;
  readonly series?: number;
  readonly done?: boolean;
}

interface StateFile {
  /** The arguments that define the import; a run with other arguments starts afresh. */
  readonly key: string;
  readonly inputs: Record<string, InputPosition>;
}

export class ImportStateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImportStateError';
  }
}

/** A request sent and not yet acknowledged, as `ImportState.sending` registered it. */
export interface SentRequest {
  readonly input: string;
  readonly seq: number;
}

/**
 * Where a `tidemark import` run got to, saved after every batch the server stored, so that the
 * same command run again after an interruption carries on from there instead of sending the same
 * samples again. Written to a temporary file and renamed, so a crash leaves the old or the new state.
 *
 * With several requests in flight, a position is saved only once every request sent before it is
 * acknowledged too: the saved state covers a contiguous prefix of the input, so a rerun after an
 * interruption or a failed request sends again whatever is not known to be stored, and nothing else.
 */
export class ImportState {
  private constructor(
    readonly path: string,
    private readonly key: string,
    private readonly inputs: Record<string, InputPosition>,
    /** The run continues an earlier one. */
    readonly resumed: boolean,
  ) {}

  /** Per input: the requests sent, oldest first, each with the position its acknowledgement reaches. */
  private readonly outstanding = new Map<string, { seq: number; position: InputPosition; acknowledged: boolean }[]>();
  private nextSeq = 0;

  /** Loads the state of an earlier run with the same `identity`; a fresh state otherwise. */
  static async load(path: string, identity: unknown): Promise<ImportState> {
    const key = createHash('sha256').update(JSON.stringify(identity)).digest('hex');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new ImportState(path, key, {}, false);
      throw new ImportStateError(`state file ${path}: ${(err as Error).message}`, { cause: err });
    }
    let saved: StateFile;
    try {
      saved = JSON.parse(text) as StateFile;
    } catch (err) {
      throw new ImportStateError(`state file ${path} is not JSON (${(err as Error).message}); delete it to start afresh`, { cause: err });
    }
    if (saved.key !== key || typeof saved.inputs !== 'object' || saved.inputs === null) return new ImportState(path, key, {}, false);
    return new ImportState(path, key, saved.inputs, Object.keys(saved.inputs).length > 0);
  }

  position(input: string): InputPosition {
    return this.inputs[input] ?? {};
  }

  async save(input: string, position: InputPosition): Promise<void> {
    this.inputs[input] = position;
    try {
      // Not synced: a state lost to a power loss only means samples sent again, which the server keeps once.
      await replaceFile(this.path, JSON.stringify({ key: this.key, inputs: this.inputs } satisfies StateFile) + '\n', { syncFile: false });
    } catch (err) {
      throw new ImportStateError(`state file ${this.path}: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Registers a request about to be sent whose storing takes `input` to `position`; requests of
   * one input are registered in input order.
   */
  sending(input: string, position: InputPosition): SentRequest {
    let queue = this.outstanding.get(input);
    if (queue === undefined) this.outstanding.set(input, (queue = []));
    const seq = this.nextSeq++;
    queue.push({ seq, position, acknowledged: false });
    return { input, seq };
  }

  /**
   * The server stored the request: saves the position of the newest request of the acknowledged
   * prefix, if this acknowledgement extends it (nothing while an older request is outstanding).
   */
  async acknowledged(request: SentRequest): Promise<void> {
    const queue = this.outstanding.get(request.input);
    const entry = queue?.find((e) => e.seq === request.seq);
    if (queue === undefined || entry === undefined) throw new ImportStateError(`state file ${this.path}: request ${request.seq} of ${request.input} acknowledged twice or never sent`);
    entry.acknowledged = true;
    let reached: InputPosition | undefined;
    while (queue.length > 0 && queue[0].acknowledged) reached = queue.shift()!.position;
    if (reached !== undefined) await this.save(request.input, reached);
  }

  /** The import is complete: nothing to resume. */
  async remove(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
