/**
 * Rules over history, like for like: the same rule file replayed over the same range by
 * `tidemark replay --rules` against `tidemark up`, and by `vmalert -replay` against a single-node
 * VictoriaMetrics, both holding the same remote-written history. Each is timed as a whole process
 * run (start-up included): rule evaluations per second and samples read per second (the samples
 * in the range-query answers, which are the same on both sides). vmalert runs with
 * -replay.rulesDelay=0s and -datasource.queryStep at the group interval. tidemark replay exits once
 * what it wrote can be read back; vmalert once VictoriaMetrics took its writes, so its figures are
 * given both until it exits and until its output can be read.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { snappyBlockCompress } from '../../schemas/snappy-block.js';
import type { Benchmark, BenchResult } from './bench-result.js';
import { encodeWriteRequest, tempDir, type RwSeries } from './peers/index.js';
import { VictoriaMetricsPeer } from './peers/victoria-metrics.js';
import { startCli, waitFor } from '../e2e/cli-process.js';

const run = promisify(execFile);
const MIN = 60_000;
/** Series, hours of history and scrape interval (BENCH_REPLAY_SERIES / _HOURS override the first two). */
const SERIES = Number(process.env.BENCH_REPLAY_SERIES ?? 200);
const HOURS = Number(process.env.BENCH_REPLAY_HOURS ?? 6);
const SCRAPE_MS = 30_000;

const RULES = `groups:
  - name: bench
    interval: 1m
    rules:
      - record: job:bench_requests:sum
        expr: sum by (job) (bench_requests_total)
      - record: instance:bench_requests:avg5m
        expr: avg_over_time(bench_requests_total[5m])
      - record: job:bench_requests:max
        expr: max by (job) (bench_requests_total)
      - alert: BenchHigh
        expr: bench_requests_total > 600
        for: 5m
        labels: {severity: page}
        annotations: {summary: '{{ $labels.instance }} at {{ $value }}'}
`;

function history(start: number, end: number): RwSeries[] {
  const timestamps: number[] = [];
  for (let t = start + 7_000; t <= end; t += SCRAPE_MS) timestamps.push(t);
  const out: RwSeries[] = [];
  for (let s = 0; s < SERIES; s++) {
    const values = timestamps.map((_, i) => 500 + 150 * Math.sin(i / 40 + s) + (i % 7));
    out.push({ labels: { __name__: 'bench_requests_total', job: `j${s % 10}`, instance: `i${s}` }, timestamps, values, from: 0, to: timestamps.length });
  }
  return out;
}

async function remoteWrite(url: string, series: RwSeries[]): Promise<void> {
  const n = series[0]!.timestamps.length;
  for (let i = 0; i < n; i += 60) {
    const body = snappyBlockCompress(encodeWriteRequest(series.map((s) => ({ ...s, from: i, to: Math.min(i + 60, n) }))));
    const res = await fetch(`${url}/api/v1/write`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, body });
    if (!res.ok) throw new Error(`${url} remote_write: ${res.status} ${await res.text()}`);
  }
}

async function countSamples(url: string, at: number, selector = 'bench_requests_total'): Promise<number> {
  const q = `sum(count_over_time(${selector}[${HOURS * 60 + 1}m]))`;
  const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: q, time: String(at / 1000), nocache: '1' })}`);
  const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
  return Number(body.data.result[0]?.value[1] ?? 0);
}

/** Where the time of `tidemark replay --rules` goes (node --cpu-prof of the command and of `tidemark up`, 2026-12-05). */
const REPLAY_NOTES = `Where the time goes (\`node --cpu-prof\` of the command and of \`tidemark up\`, 2026-12-05, on the
shared machine at a load average of 7 to 13). Before: the command spent 0.85 CPU-s loading modules
(every role's code: configuration schema, bus clients, TSDB, web UI) before it read a rule, and 2.5
CPU-s in all: a fifth garbage collection, a sixth the remote_write encoder (a canonical label key
and small writers per sample), a quarter the rule code building label objects and canonical keys
per sample and instant (a recording rule's renamed labels, ALERTS labels, the staleness map). Each
rule's output was written, then polled for every 200 ms until readable, before the next rule was
read: writing (0.8 s at a quiet moment) did not overlap anything. Fixed: each role's code loads
when it runs (0.33 CPU-s at start); output is written in the background in order while the next
rules are read and evaluated, and confirmed readable only before a rule that may read it
(\`__name__\` matchers, or a template that queries) and otherwise once at the end, one query each
held back by the write token; rules key label sets once per label object (a range answer hands the
same object on at every instant) and the encoder encodes a series' labels once. The command now
takes 1.3 CPU-s (2.5 before), evaluation and encoding about 0.6 of it. Now the server is the
critical path: it ingests the 116k written samples at about 7 µs each (remote_write decode, bus
append and fdatasync, the store's apply; 0.5 s for the 70k samples of one rule at load 9), and the
range queries, which now run while it ingests the previous rule's output, take longer (0.5-1.1 s
for the four) though the run is shorter. Same-run A/B of this bench, before -> after: at a load
average of 2.4-3.4, 3.7 -> 1.4 s and 3.6 -> 1.6 s (378/395 -> 978/869 evaluations/s; --dry-run
2.3/3.1 -> 0.9/1.0 s; vmalert 0.6-1.1 s in the same runs); at 9-12, 3.9 -> 2.3, 3.9 -> 5.8 and
17.5 -> 8.5 s (wall clock there moved more than the change). Tried and left out: asking the range
queries of rules that read no replayed output two ahead (no difference in A/B: the server, busy
ingesting the previous rule's output, answers them no sooner).
Then (profiles of the command and of \`tidemark up\` during the replay, 2026-12-05, load average 11 to
20): the command loaded 215 modules because the rules index brings the streaming evaluator, the bus
and the query engine; it now loads the 93 it uses (\`replay --help\` 0.29-0.33 -> 0.21-0.25 CPU-s).
Alert state changes now go to the server's alert history too, which needs the annotations expanded:
templates were parsed at every expansion (lexing the annotation and Prometheus' DEFS was a tenth of
the command's CPU); they are parsed once per text now. Same-run A/B (the commit before these changes
against it with them, one \`tidemark up\` holding the history, 4 rounds alternating, load average 19
to 26): command CPU 1.41-1.68 -> 1.47-1.56 s (-> 1.39-1.49 s without sending the alert history),
--dry-run 1.27-1.59 -> 1.18-1.48 s; the server's CPU for the run 1.55-1.69 -> 1.80-1.91 s (the
alert history appended, its annotations expanded); wall clock moved more between rounds (8.1-13.3
s before, 8.9-15.6 s after) than between versions. Where the server's time goes: its CPU for a
--dry-run (the four range queries, evaluation workers included) is 0.15-0.27 s, for the full run
1.55-1.91 s, so about 1.4 s is ingesting the 116k written samples (12 µs each at that load). In the
main thread: the store applying them (0.43 s of 2.7 s busy), remote_write decoding and the bus
append with its fdatasync (0.26 s), reading chunks for the range queries (0.26 s), handing them to
the evaluation workers (0.14 s) and garbage collection (0.35 s). Tried and left out: remote_write
requests of 100,000 samples instead of 10,000 (about 4 % less server CPU, but the next range query
waits behind decoding each large request).
What vmalert's figure counts: vmalert exits once VictoriaMetrics took its writes, which it answers
to queries only later (right after it exited, 102,000 of the 115,990 samples; all of them a second
later), while tidemark replay's figure ends when its output is readable (counted back, so samples a
store refused are reported). The row "until the output is readable" ends vmalert's time there too.
Left: the server's cost per written sample, which is most of a replay's cost: a cheaper way in for a
replay's output (batches encoded for the samples topic by the command, appended as they are, would
skip the remote_write decoding and re-encoding; the store's apply stays).
Then (profiles of the command and of \`tidemark up\` at a load average of 13 to 16; A/B at 16 to 43,
so CPU seconds say more than wall clock). Before: the command took 1.5-1.8 CPU-s and waited 1.5 s of
a 3.1 s run; in its profile garbage collection 0.22 s, the remote_write encoder 0.27 s, a rule's
output built by spreading each sample 0.16 s, annotation templates 0.12 s, module loading 0.1-0.2
s. The server's main thread during the run: 1.56 s busy, remote_write handling 0.26 s (decoding
0.15 s of it), the store's apply 0.22 s, chunk reads for the range queries 0.16 s, writing the
range answers 0.10 s, the alert history 0.09 s. Changed: the output goes as series runs to
\`/api/v1/import/series-runs\` (staleness markers as their bits, the answer's write token as
remote_write's), which the server takes at 0.17 s where remote_write took 0.26 s; the range queries
of rules that read no replayed output are asked up to three ahead; rule outputs are built field by
field. Same-run A/B, the commit before against these, alternating: at a load of 31 to 43, command
CPU 1.56/1.53/1.76 -> 1.20/1.23/1.19 s, --dry-run 1.34/1.26/1.30 -> 1.01/1.13/1.07 s, server CPU
1.45/1.46/1.60 -> 1.45/1.49/1.59 s (what the series-runs endpoint saves, the queries asked at once
cost the evaluation pool: a --dry-run's server CPU 0.51-0.56 -> 0.66-0.68 s), wall clock
17.2/14.7/16.6 -> 13.3/12.4/14.6 s; at 24 to 31, command CPU 1.52/1.51/1.52 -> 1.10/1.43/1.12 s,
server 1.31/1.42/1.33 -> 1.33/1.42/1.30 s, wall clock 10.2/9.3/11.8 -> 8.2/10.6/7.5 s. After, the
server's main thread: chunk reads for the four queries, now at once, 0.35 s (XOR decoding 0.26 s),
the bus (append with its fdatasync, read back by the store) 0.3 s, the series-runs endpoint 0.21
s, the store's apply 0.15-0.4 s (a closed chunk's encoding, trying decimal against XOR, was 0.2 s
of it in one profile), the alert history 0.19 s (1764 records). The command: 1.1-1.4 CPU-s,
garbage collection a sixth, annotation templates and ALERTS labels 0.15 s, module loading 0.2 s.
Tried and left out: requests of 40,000 samples (server CPU 1.47/1.47 -> 1.43/1.38 s, wall clock no
different); --max-semi-space-size=32 for the command (1.29-1.37 CPU-s against 1.19-1.23 without).
Left: the server is the critical path; its costs now are the store's (apply, chunk encoding), the
bus's and the range queries' chunk decoding, not the replay's way in.
Then (A/B of the command and of \`tidemark up\`, CPU of both from /proc, on the shared machine at a
load average of 11 to 14; component timings of the server's series-runs path on the request bodies
of a run, recorded by a proxy). A rule's chunk of instants arrives instant by instant and was cut
into requests of 10,000 samples as it came, so each request held a run of some 50 samples of every
series: 3,889 runs for the 117,697 samples and markers. The server pays per run (its labels parsed,
the series looked up by the bus sink and written into each bus record): reading those bodies into
bus records took 38 ms, the same samples as one run per series 11-18 ms, and \`tidemark up\` took
0.57-0.71 CPU-s to store the recorded bodies against 0.41-0.52 regrouped. Changed: each series'
samples of a chunk go as one run, requests filled run after run (831 runs); annotations are
expanded only for an alert state change (1,764 expansions where there were 19,385, one per alert
per evaluation; in the short-lived command the template engine runs cold, near 100 µs each).
Same-run A/B, before -> after, alternating: server CPU 1.21/1.21/1.15/1.16 -> 1.04/1.03/1.07/1.05
s, command CPU 1.18/1.22/1.16/1.22 -> 1.11/1.07/1.07/1.16 s; the output (every sample, and every
alert state change with its annotations, in order) compared equal. Tried and left out: appending a
run with staleness markers as runs between its markers instead of sample by sample (no difference
in component timings). Left: a --dry-run costs the command as much CPU as a full run (1.1-1.3 s:
start-up, JSON range answers, evaluation, garbage collection), and the server 0.46-0.52 CPU-s of
its 1.0-1.1 s; alert templates have no fast path for \`{{ $labels.x }}\` and \`{{ $value }}\`.
Then (profiles of the command, load average 10 to 16). A --dry-run's own tally keyed every sample
it would write anew (its labels sorted and serialized: 0.27 of 1.67 CPU-s, and garbage); it keys
each label object once now. Loading the command's modules took 0.25-0.33 CPU-s: reading durations
brought zod (the rule-file schema) and the writer brought the remote_write encoders (protobufjs,
snappy), which a Tidemark, taking series runs, never needs; durations are read without the schema
and the encoders load on a first remote_write (0.14 CPU-s now). Range answers are read into a
column of timestamps and one of values per series instead of an object per point (96,605 fewer
objects per run; not separable from noise on its own). Same-run A/B against one \`tidemark up\`,
alternating, before -> after: command CPU, --dry-run 1.03/1.03/1.04 -> 0.84/0.85/0.82 s, full run
1.14/1.11/1.09 -> 1.01/1.01/1.07 s; the server's CPU for the full run 0.85/0.49/0.40 ->
0.73/0.52/0.43 s (its code unchanged); the dry run's printed samples and alert state changes equal.
Left: the command's garbage collection (0.3 s, a third of what it does), the rules evaluated instant
by instant through the streaming evaluator, and the server's cost per written sample.
Then (component timings of the evaluation alone: replayRules over the four range answers of a
run, recorded, in a fresh process each time, CPU from process.cpuUsage; and same-run A/B of the
command against one \`tidemark up\`, CPU of both from /proc; load average 11 to 21). Each rule's
chunk is now evaluated series by series from the range answer's columns instead of instant by
instant through RuleGroup: a recording rule's output is each series' column under its labels with
a staleness marker where it stops, an alerting rule's state machine walks each alert's column
(AlertingRule.evalColumns, with eval's pass over the alerts and its state), so no vector, \`current\` map,
alert object or rule sample is built per instant and series; templated alert labels, histograms,
label sets the rule makes alike and a \`limit\` the answer could pass go instant by instant. The
output (117,697 samples and markers) and the 1,764 alert state changes with their annotations
compared equal, line by line and in order. Evaluation CPU, before -> after: the three recording
rules 117/133/146 -> 61/69/77 ms, the alerting rule 206-279 -> 175-213 ms (annotation templates
about 70 ms of it), all four 302-361 -> 277-335 ms. The command: --dry-run 0.77-0.89 -> 0.76-0.89
CPU-s, full run 0.99-1.09 -> 0.93-1.13 CPU-s, the server's CPU unchanged: at this load the change
is within the noise of the whole command. What the command spends now, by profile: start-up
0.2 CPU-s, the range answers' JSON 0.15-0.25 s, garbage collection a third, evaluation 0.3 s with
a cold JIT (the annotation templates a quarter of it), and on a full run the series-runs encoding
of the written samples (a sample object per written sample, grouped per series again) and the alert
history body. Left: handing the writer each series' column as the evaluation builds it (no sample
object per written sample), a fast path for \`{{ $labels.x }}\` and \`{{ $value }}\` templates, and the
server's cost per written sample.
Then (profiles of the command and of \`tidemark up\`, 2026-12-06, load average 3.5-6.6): the
command's loop never went back to the event loop while evaluating, so a queued write left only
once evaluation was done; it read each range answer through JSON.parse (a pair array, a value
string and a boxed timestamp per point) and posted through fetch (a copy of every body); rule
outputs were split into requests of 10,000 samples; \`+Inf\`/\`-Inf\` in an answer were read as NaN
(a rule producing an infinite value was replayed as NaN: fixed, with an e2e case). Fixed: a write
yields once after it is queued, requests of up to 100,000 samples (a rule's range answer mostly
one), range answers of the plain matrix shape read straight into columns (JSON.parse otherwise),
node:http instead of fetch, 86 modules at start instead of 103. Same-run A/B, 5 rounds alternating,
load 4.7-5.6: the command 0.87-0.99 -> 0.73-0.80 CPU-s (--dry-run 0.69-0.78 -> 0.51-0.57), the
server 0.89-0.98 -> 0.83-0.88 CPU-s. This run (quiet): 1.0 s, 1,472 evaluations/s until the output
is readable (1,301 before). The server's part: about 0.2 CPU-s answering the four range queries
(on its main thread) and 0.65 storing the 116 k written samples and 1,764 alert history records
(the store's apply, the bus append with fdatasync, the consumers' offset commits, a head
checkpoint, the history records' Avro encoding): with the command's 0.75 CPU-s on 2 cores, a full
run cannot end near vmalert's 0.6 s exit on this design; vmalert's output is readable only after
7.2 s. Left: a sample object per written sample between evaluation and encoding, the YAML parser
and module loading at start.`;

export const replayBenchmark: Benchmark = {
  area: 'replay',
  notes: REPLAY_NOTES,
  async run(): Promise<BenchResult[]> {
    const dir = tempDir('bench-replay-');
    await mkdir(dir, { recursive: true });
    const cfg = join(dir, 'tidemark.yml');
    await writeFile(cfg, 'global:\n  scrape_interval: 15s\nbus:\n  partitions: 2\nstore:\n  block_range_ms: 43200000\n');
    const rules = join(dir, 'rules.yml');
    await writeFile(rules, RULES);
    const end = Math.floor((Date.now() - 5 * MIN) / MIN) * MIN;
    const start = end - HOURS * 60 * MIN;
    const from = start + 10 * MIN;
    const [up, vm] = await Promise.all([startCli(['up', '--config', cfg, '--data', join(dir, 'data')]), VictoriaMetricsPeer.start()]);
    try {
      const data = history(start, end);
      const samples = data.length * data[0]!.timestamps.length;
      await Promise.all([remoteWrite(up.url, data), remoteWrite(vm.url, data)]);
      await fetch(`${vm.url}/internal/force_flush`);
      for (const url of [up.url, vm.url]) await waitFor(async () => ((await countSamples(url, end)) === samples ? true : undefined), 120_000);

      const iso = (ms: number) => new Date(ms).toISOString();
      let t = performance.now();
      const ours = await run(process.execPath, [new URL('../../dist/ops/cli/main.js', import.meta.url).pathname, 'replay', '--rules', rules, '--from', iso(from), '--to', iso(end), '--url', up.url], { maxBuffer: 1 << 24 });
      const oursS = (performance.now() - t) / 1000;
      const m = /replayed (\d+) rule evaluations .*?(\d+) range queries read (\d+) samples, wrote (\d+) samples.*\((.*)\)$/m.exec(ours.stdout);
      if (m === null) throw new Error(`unexpected tidemark replay output: ${ours.stdout}${ours.stderr}`);
      const [evaluations, , read, wrote] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
      const spent = m[5];

      // The same replay without writing: reading and evaluating alone.
      t = performance.now();
      await run(process.execPath, [new URL('../../dist/ops/cli/main.js', import.meta.url).pathname, 'replay', '--rules', rules, '--from', iso(from), '--to', iso(end), '--url', up.url, '--dry-run'], { maxBuffer: 1 << 24 });
      const dryS = (performance.now() - t) / 1000;

      t = performance.now();
      await run('vmalert', [`-rule=${rules}`, `-datasource.url=${vm.url}`, `-remoteWrite.url=${vm.url}`, `-replay.timeFrom=${iso(from)}`, `-replay.timeTo=${iso(end)}`, '-replay.rulesDelay=0s', '-datasource.queryStep=1m', '-replay.disableProgressBar', '-loggerLevel=ERROR', '-httpListenAddr=127.0.0.1:0'], { maxBuffer: 1 << 24 });
      const vmS = (performance.now() - t) / 1000;
      // vmalert exits once VictoriaMetrics took its writes, which it makes readable up to a second or
      // so later; tidemark replay's time includes its output being readable (counted back, so refused
      // samples are reported). The same end for both: until the rules' output can be read.
      const outputs = '{__name__=~"job:bench_requests:sum|instance:bench_requests:avg5m|job:bench_requests:max|ALERTS|ALERTS_FOR_STATE"}';
      // Asked every 20 ms: finer than the 100 ms of waitFor, as the difference is a fraction of a second.
      for (const deadline = Date.now() + 60_000; (await countSamples(vm.url, end, outputs)) < wrote; await new Promise((r) => setTimeout(r, 20))) {
        if (Date.now() > deadline) throw new Error(`VictoriaMetrics does not answer the ${wrote} samples vmalert wrote within 60 s`);
      }
      const vmReadableS = (performance.now() - t) / 1000;

      const name = `replay, ${SERIES} series x ${HOURS} h, 4 rules at 1m`;
      const note = `${evaluations} evaluations, ${read} samples read, ${wrote} written`;
      return [
        { name: `${name}: rule evaluations`, subject: 'tidemark', value: evaluations / oursS, unit: 'evaluations/s', note: `${oursS.toFixed(1)} s (${spent}); ${note}` },
        { name: `${name}: rule evaluations, --dry-run`, subject: 'tidemark', value: evaluations / dryS, unit: 'evaluations/s', note: `${dryS.toFixed(1)} s: read and evaluate, nothing written` },
        { name: `${name}: rule evaluations`, subject: 'vmalert + victoria-metrics', value: evaluations / vmS, unit: 'evaluations/s', note: `${vmS.toFixed(1)} s, until vmalert exits` },
        {
          name: `${name}: rule evaluations, until the output is readable`, subject: 'vmalert + victoria-metrics', value: evaluations / vmReadableS, unit: 'evaluations/s',
          note: `${vmReadableS.toFixed(1)} s: until VictoriaMetrics answers all ${wrote} samples (tidemark's figure ends there too)`,
        },
        { name: `${name}: samples read`, subject: 'tidemark', value: read / oursS, unit: 'samples/s', note: 'until its output is readable' },
        { name: `${name}: samples read`, subject: 'vmalert + victoria-metrics', value: read / vmS, unit: 'samples/s', note: 'until vmalert exits' },
        {
          name: `${name}: samples read, until the output is readable`, subject: 'vmalert + victoria-metrics', value: read / vmReadableS, unit: 'samples/s',
          note: `${vmReadableS.toFixed(1)} s, as the evaluations figure above`,
        },
      ];
    } finally {
      await up.stop();
      await vm.stop();
    }
  },
};
