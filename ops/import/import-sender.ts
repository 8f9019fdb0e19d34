import { HttpPoster, type PostAnswer } from './http-post.js';
import type { LineBatch } from './line-batches.js';
import type { SeriesRunBatch } from './series-runs.js';

/** A line the server refused: where it is in the file and why. */
export interface BadLine {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

/** What the server made of one batch. */
export interface BatchResult {
  readonly samples: number;
  readonly bad: BadLine[];
  /** Bad lines the server counted but did not list. */
  readonly unlisted: number;
}

/** The server refused a request as a whole, or could not be reached. */
export class ImportRequestError extends Error {
  constructor(
    message: string,
    options?: { cause?: unknown },
    /** The server's answer, when it answered. */
    readonly status?: number,
  ) {
    super(message, options);
    this.name = 'ImportRequestError';
  }
}

/**
 * The server answered the request as a whole with a 4xx that lists no bad lines: it does not take
 * the body's format there (VictoriaMetrics or an older Tidemark without the series-runs endpoint).
 * A 429 after every retry is the server's load, not the format.
 */
export function refusedAsWhole(err: unknown): boolean {
  return err instanceof ImportRequestError && err.status !== undefined && err.status >= 400 && err.status < 500 && err.status !== 429;
}

const MAX_RETRIES = 10;

/** The server asked the import to wait (429, 503): it stored nothing of the batch, which is sent again. */
export interface RetryNotice {
  readonly url: string;
  readonly status: number;
  readonly reason: string;
  readonly waitSeconds: number;
}

/**
 * Posts batches to one import endpoint, each request on its own (several may be in flight: see
 * RequestWindow), waiting `Retry-After` on 429 and 503 (the server stored nothing then), which
 * holds back the requests after it too. A 400 that lists bad lines maps them back to the file.
 */
export class ImportSender {
  private readonly poster: HttpPoster;

  constructor(
    private readonly url: string,
    private readonly contentType: string,
    private readonly headers: Readonly<Record<string, string>> = {},
    private readonly onRetry?: (notice: RetryNotice) => void,
  ) {
    this.poster = new HttpPoster(url);
  }

  async send(file: string, batch: LineBatch | SeriesRunBatch): Promise<BatchResult> {
    for (let attempt = 0; ; attempt++) {
      let res: PostAnswer;
      try {
        res = await this.poster.post('lineOf' in batch ? batch.body : batch.bytes, { 'content-type': this.contentType, ...this.headers });
      } catch (err) {
        throw new ImportRequestError(`${this.url}: ${(err as Error).message}`, { cause: err });
      }
      const text = res.text;
      if (res.status === 204 || res.status === 200) {
        return { samples: Number(res.headers['x-tidemark-imported-samples'] ?? 0), bad: [], unlisted: 0 };
      }
      if ((res.status === 429 || res.status === 503) && attempt < MAX_RETRIES) {
        const asked = Number(res.headers['retry-after'] ?? 1);
        const wait = Math.max(0.1, Number.isFinite(asked) ? asked : 1);
        this.onRetry?.({ url: this.url, status: res.status, reason: text.trim(), waitSeconds: wait });
        await new Promise((r) => setTimeout(r, wait * 1000));
        continue;
      }
      const partial = /^partial import: (\d+) of \d+ lines rejected; the (\d+) samples/.exec(text);
      if (res.status === 400 && partial !== null) {
        const bad: BadLine[] = [];
        for (const m of text.matchAll(/^line (\d+): (.*)$/gm)) {
          const n = Number(m[1]);
          if ('lineOf' in batch) bad.push({ file, line: batch.lineOf(n), reason: m[2] });
          // A carried metadata line was reported with the batch it came from.
          else if (n > batch.carried) bad.push({ file, line: batch.firstLine + n - batch.carried - 1, reason: m[2] });
        }
        return { samples: Number(partial[2]), bad, unlisted: Number(partial[1]) - bad.length };
      }
      throw new ImportRequestError(`${file}, lines ${batch.firstLine}-${batch.firstLine + batch.lines - 1}: ${this.url} answered ${res.status}: ${text.trim()}`, undefined, res.status);
    }
  }
}
