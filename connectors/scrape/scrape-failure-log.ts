import { appendFile } from 'node:fs/promises';

/** What one line of a scrape failure log says. */
export interface ScrapeFailure {
  readonly timeMs: number;
  readonly scrapePool: string;
  readonly target: string;
  readonly error: string;
}

/**
 * Appends a failed scrape to `scrape_failure_log_file` as one JSON line (time, level, msg = the
 * error, scrape_pool, target), the fields Prometheus' JSON file logger writes for it. The file is
 * opened for each line, so a moved or rotated file is written anew, as after Prometheus' reload.
 */
export async function logScrapeFailure(path: string, f: ScrapeFailure): Promise<void> {
  const line = JSON.stringify({ time: new Date(f.timeMs).toISOString(), level: 'ERROR', msg: f.error, scrape_pool: f.scrapePool, target: f.target });
  await appendFile(path, `${line}\n`);
}
