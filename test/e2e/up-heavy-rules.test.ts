import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snappyBlockCompress } from '../../schemas/snappy-block.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWriteRequest, type RwSeries } from '../bench/peers/index.js';
import { startCli, waitFor, type RunningCli } from './cli-process.js';

const SERIES = 2000;

/**
 * Rules used to be evaluated on the event loop of `tidemark up`: a rule computing for seconds held
 * /-/healthy and every other request. They are now evaluated in the query evaluation threads,
 * under the query limits.
 */
describe('tidemark up evaluating a heavy rule', () => {
  let dir: string;
  let up: RunningCli;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-heavy-rules-'));
    // One group, evaluated every 10 s: the heavy rule keeps it in evaluation for seconds (a subquery of 60,000 steps
    // over 2,000 series, 60,000 samples at most); each rule loads the 240,000 samples written, and
    // the one that selects them twice loads 480,000, over the limit of 300,000 samples.
    await writeFile(join(dir, 'rules.yml'), `groups:
  - name: heavy
    interval: 10s
    rules:
      - record: load:series
        expr: count(tm_load)
      - record: load:samples_10m
        expr: count_over_time(tm_load[10m]) + count_over_time(tm_load[9m])
      - record: load:series_10ms_max
        expr: count(max_over_time(count(tm_load)[10m:10ms]))
`);
    await writeFile(join(dir, 'tidemark.yml'), 'rule_files: [rules.yml]\nquery:\n  workers: 2\n  max_samples: 300000\nrules:\n  allowed_lateness_ms: 0\n  idle_timeout_ms: 500\n');
    up = await startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')]);
  });
  afterAll(async () => {
    expect(await up.stop('SIGTERM')).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  it('answers /-/healthy while a rule evaluates, and fails the evaluation of a rule over query.max_samples with its error', async () => {
    // 2,000 series, a sample a second over the last two minutes.
    const now = Date.now();
    for (let b = 0; b < SERIES; b += 500) {
      const series: RwSeries[] = [];
      for (let i = b; i < b + 500; i++) {
        const timestamps = Array.from({ length: 120 }, (_, k) => now - 119_000 + k * 1000);
        series.push({ labels: { __name__: 'tm_load', instance: `i${i}` }, values: timestamps.map(() => i), timestamps, from: 0, to: 120 });
      }
      const res = await fetch(`${up.url}/api/v1/write`, {
        method: 'POST', body: snappyBlockCompress(encodeWriteRequest(series)),
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      });
      expect(res.status).toBe(204);
    }
    const written = Date.now();

    // An evaluation under way (/metrics says so) and the number of rule evaluations finished.
    const evaluating = async (): Promise<number | undefined> => {
      const text = await (await fetch(`${up.url}/metrics`)).text();
      if (!/^tidemark_rules_group_evaluations_in_progress 1$/m.test(text)) return undefined;
      return Number(/^tidemark_rules_evaluations_total (\S+)$/m.exec(text)?.[1]);
    };
    // A health request issued during an evaluation is answered before that evaluation ends: the
    // same evaluation is still under way afterwards (none finished meanwhile). One that caught
    // the end of an evaluation proves nothing, so a few attempts are allowed.
    let answeredDuring = false;
    for (let attempt = 0; attempt < 10 && !answeredDuring; attempt++) {
      const before = await waitFor(evaluating, 120_000);
      const health = await fetch(`${up.url}/-/healthy`);
      expect(health.status).toBe(200);
      answeredDuring = (await evaluating()) === before;
    }
    expect(answeredDuring).toBe(true);

    // Rules are evaluated at event-time instants as the samples' watermark passes them, so an
    // evaluation that ran after the last write may still be of an instant before it: wait for an
    // evaluation after the writes whose 10 m window holds more than the limit.
    const rules = await waitFor(async () => {
      const body = (await (await fetch(`${up.url}/api/v1/rules`)).json()) as {
        data: { groups: Array<{ lastEvaluation: string; rules: Array<{ name: string; health: string; lastError?: string }> }> };
      };
      const g = body.data.groups[0];
      if (g === undefined || Date.parse(g.lastEvaluation) < written) return undefined;
      return g.rules.find((r) => r.name === 'load:samples_10m')?.health === 'err' ? g.rules : undefined;
    }, 120_000);
    expect(rules.map((r) => [r.name, r.health, r.lastError ?? ''])).toEqual([
      ['load:series', 'ok', ''],
      ['load:samples_10m', 'err', 'query processing would load too many samples into memory in query execution'],
      ['load:series_10ms_max', 'ok', ''],
    ]);
  }, 300_000);
});
