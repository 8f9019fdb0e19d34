import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Engine, sharedEvalPool } from '../promql/index.js';
import { Head } from '../tsdb/index.js';
import { queryConfigSchema } from './config.js';
import { syntheticHead, warmUpInPlaceEvaluation } from './in-place-warm-up.js';
import { queryEngineOptions } from './query-engine.js';

/** A real logger whose JSON lines are kept. */
function capturedLog(): { log: pino.Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      out.push(chunk.toString());
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines: () => out.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('warming up in-place evaluation', () => {
  it('evaluates every synthetic query on the calling thread, starting no evaluation worker and logging nothing', async () => {
    const config = queryConfigSchema.parse({});
    const { log, lines } = capturedLog();
    expect(await warmUpInPlaceEvaluation(config, log)).toBe(9);
    expect(sharedEvalPool(config.workers).workers).toBe(0);
    expect(lines()).toEqual([]);
  });

  it('leaves the answers of real queries over the user\'s series unchanged', async () => {
    const config = queryConfigSchema.parse({});
    const head = new Head();
    for (let i = 0; i < 120; i++) {
      head.append({ __name__: 'requests_total', job: 'api' }, 1_800_000_000_000 + i * 15_000, i * 3);
      head.append({ __name__: 'load1', job: 'api' }, 1_800_000_000_000 + i * 15_000, (i % 7) / 2);
    }
    const engine = new Engine(queryEngineOptions(config));
    const ask = (q: string) => engine.rangeQuery(head, q, 1_800_000_300_000, 1_800_001_700_000, 60_000);
    const before = [await ask('rate(requests_total[5m])'), await ask('avg_over_time(load1[10m])')];
    await warmUpInPlaceEvaluation(config, capturedLog().log);
    expect([await ask('rate(requests_total[5m])'), await ask('avg_over_time(load1[10m])')]).toEqual(before);
    expect(head.numSeries).toBe(2);
  });

  it('logs a failure with how far it got instead of throwing it', async () => {
    // One sample allowed: the first synthetic query's select exceeds it.
    const config = queryConfigSchema.parse({ max_samples: 1 });
    const { log, lines } = capturedLog();
    expect(await warmUpInPlaceEvaluation(config, log)).toBe(0);
    expect(lines()).toMatchObject([{ level: 40, evaluated: 0, msg: expect.stringContaining('warming up in-place query evaluation failed') as unknown, err: { message: expect.stringContaining('sample') as unknown } }]);
  });

  it('builds its synthetic series over several turns of the event loop, so a health check between them is answered', async () => {
    let built = false;
    let turns = 0;
    const turn = (): void => {
      if (built) return;
      turns++;
      setImmediate(turn);
    };
    const building = syntheticHead().then((head) => {
      built = true;
      return head;
    });
    setImmediate(turn);
    expect((await building).numSeries).toBe(68);
    // One turn a host at least (8 hosts).
    expect(turns).toBeGreaterThanOrEqual(8);
  });

  it('evaluates nothing more once it is told to stop', async () => {
    let asked = 0;
    expect(await warmUpInPlaceEvaluation(queryConfigSchema.parse({}), capturedLog().log, () => ++asked > 2)).toBe(2);
  });
});
