import { execFile } from 'node:child_process';
import { cpSync, createWriteStream, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Benchmark, BenchResult } from './bench-result.js';
import { cpuMs, tempDir, VictoriaMetricsPeer } from './peers/index.js';
import { promtoolCreateBlocks, startPrometheus } from './peers/prometheus-peer.js';
import { startTidemarkOnKafka, startTidemarkUp, TIDEMARK_CLI } from './system-under-test.js';

const execFileAsync = promisify(execFile);
const SERIES = 2_000;
const POINTS = 500;
const STEP_S = 10;
const SAMPLES = SERIES * POINTS;
const MODES = ['idle', 'user', 'system', 'iowait', 'irq', 'softirq', 'steal', 'nice'];
const CASE = `${SAMPLES / 1e6} M OpenMetrics samples (${SERIES} series x ${POINTS})`;
/** The issue's size: 10 M samples, as many series again x 10 (TIDEMARK_BENCH_IMPORT_LARGE_SERIES shrinks it for a try-out). */
const LARGE_SERIES = Number(process.env.TIDEMARK_BENCH_IMPORT_LARGE_SERIES ?? 20_000);

/** Where the time of `tidemark import` into `tidemark up` goes (node --cpu-prof of both processes, this file, 2026-12-05). */
const IMPORT_NOTES = `Where the time goes (\`node --cpu-prof\` of the import command and of \`tidemark up\`, this file,
2026-12-05, on the shared machine). Before: 9.7 s for the command; the server was the bottleneck,
9.2 CPU-s (profiler included) over those 9.7 s, the client 3.6 CPU-s overlapped with it. Server:
2.5 s in synchronous file I/O (the store's shard flushes: fsync and rename of the offset files,
WAL fdatasync; the embedded bus's append and fdatasync per produced request), 2 s parsing
exposition text (parseLabels, parseSample, float literals), 0.3 s in prom-client (a counter
increment per line from the import handler's sample tally), 0.8 s GC. Client: GC 0.7 s, readline
and joining lines into bodies, fetch's copy of the body. Fixed: requests of about 4 MiB by default
(\`--batch-lines 100000\`, the byte bound cuts first) where there were 5000 lines (450 kB): each
request is one bus append with its fsync and one more record for the stores, so 22 requests do
what 200 did (11.3 s -> 6.4 s alone); the handler hands its sample count to the tally once per
request. After: 4.6 s for the command, 5.3 server CPU-s (profiler included), exposition parsing now
the largest part (1.5 s), then synchronous flush I/O (0.6 s); the client (3.2 CPU-s, a quarter of
it GC) is now as busy as the server. The table above was measured at a quiet moment (load
average about 1.5): 2.8 s until queryable, 355k samples/s, where the run of 2026-12-04 took 8.5 s (117.5k/s) at a load average of about 4;
vmctl into VictoriaMetrics took 1.1 s then, 1.0 s now. vmctl 1.79.5 reads a few samples fewer than
the blocks hold (999,637 of 1,000,000 here): its rows count what it says it sent.
\`tidemark import --kafka\` (rows "-> store+query on Kafka", 2026-12-05, load average about 9): the
command does the ingest role's work too (parsing, encoding, producing) on its one event loop, so
it spends 4.3 CPU-s where the \`--url\` command and the ingest role spent 1.8 + about 0.9 in two
processes, and the import is slower end to end (8.0 s against 5.8 s through the ingest role).
Left: the client's line handling (a Buffer-level batcher would spare the per-line strings), the
exposition parser (shared with scrape and push), and the store's synchronous fsyncs on its event
loop. The remote-read and block imports spend their time in the client too (1.3 server CPU-s
for 3.1-3.2 s): JSON lines built per series, one request in flight.
Later the same day (profile of the command, load 7-10): its start cost 0.7 CPU-s, loading every
role's code and, with import --kafka, the bus path's modules (configuration schema, bus clients,
the in-process endpoint); readline's async iterator and an await per line cost one or two promises
a line. Fixed: modules load only where used (0.3 CPU-s at start), a file's lines are split a chunk
at a time and walked synchronously. The command's CPU for the 1 M samples, same-run A/B: 2.0-2.2
-> 1.6-1.7 (loading) -> 1.3-1.4 CPU-s (lines). The server (2.2-2.6 CPU-s: exposition parsing, the
bus append with its fdatasync, the store's apply) is now the larger part; wall clock at that load
moved by up to 40 % between runs of the same build.
Then (profiles of both, load 15-20): the server spent about 1.1 CPU-s of its 2.7 parsing the
exposition text (parseSample, parseLabels, float literals, a labels object per line), the command
was idle half of the time. Fixed: the command parses exposition files itself and sends each batch
as series runs (labels once, timestamps and values as float64) to /api/v1/import/series-runs, so
the server reads numbers; the command reads a line that repeats the series of the line before as
\`value timestamp\` and gives only the first and last line of each run and the metadata to the
exposition parser, which also reuses its parse of such a line now. Same-run A/B, 1 M samples, load
average 16-17: tidemark up 2.6-3.6 -> 1.6-1.8 CPU-s, the command 1.7 -> 2.1 CPU-s; both
processes together 4.3-5.4 -> 3.7-3.9 CPU-s. What surprised: startsWith at an offset and
lastIndexOf cost several times a compare of a slice or a charCodeAt loop in V8, and one long
per-line loop in one function ran deoptimized through most of the first batches (each rare
branch taken for the first time sent it back to the interpreter): a method called per line is
optimized within a few thousand lines. Left: the command's own line handling (the lines split
into strings and joined into batches, then scanned again), and the store's apply and fsyncs.
Then (profiles of both, load 14-20): the command was the larger part (5.4 busy seconds under the
profiler against the server's import work of about 3): garbage collection a fifth, scanning each
batch for series runs 1.2 s, joining its lines into a body first 0.6 s, float literals 0.4 s, the
file read 64 KiB at a time 0.3 s, the regex line split, and at its start 0.35-0.45 CPU-s loading
the query engine and the rule evaluator through package indexes (for an error class, the PromQL
parser and the duration syntax) and the remote-read and block readers a file import never uses.
Each batch was parsed only once the server had answered the batch before. Fixed: a batch is
parsed while the server stores the one before, from the lines the batcher kept (the body is joined
only for a batch sent as text); files are read 1 MiB at a time and split at "\\n" where a chunk
holds no "\\r"; the command loads the series readers only for an import of series and takes the
parser, the duration syntax and the errors from their own modules (an empty file's import 0.53-0.56
-> 0.19-0.21 CPU-s). Same-run A/B, 1 M samples, 3 rounds alternating, load average 8-9: the command
1.81-2.00 -> 1.20-1.22 CPU-s, tidemark up 1.45-1.63 -> 1.42-1.48 CPU-s, until queryable 3.2-3.9 ->
2.3-3.2 s. The server is now the larger part: the store's apply (decode of the bus record, the
head's append per sample into XOR/decimal chunks) about 0.8 s under the profiler, the bus append
(writev and fdatasync of about 4 MiB per request) 0.5-0.7 s, the endpoint's read of the runs and the
sink's append per sample 0.35 s, garbage collection 0.8 s. Left: an append of a whole run at the
sink and in the head (the seam takes one sample at a time), and the command's garbage (a string
per line from the split, and the key compared per line).
Then (profiles of both, the import's span only, load 12-19): of the server's busy time (5.2 s under
the profiler) the store's consumer took 1.9 s, of it 0.7 s reading back from the log file what the
handler had just appended (the read, a CRC-32 over every frame, lz4 inflation) and 1.2 s in the
shard's append (the head's per-sample append into XOR chunks 0.8 s, of it 0.25 s decoding each full
chunk again to re-encode it as decimal when smaller); garbage collection 0.8 s; the handler 0.3 s
and its produce 0.2 s. The command: UTF-8 decoding of each 1 MiB chunk (string_decoder) a sixth of
its busy time, the chunk joined to the line held back from the one before and split (a copy of the
chunk), a copy of every chunk read, the metadata lines carried into a batch joined by copying the
batch's lines. Fixed: the embedded bus keeps the records a partition appended last (as produced,
64 MiB a topic) and hands them to a reader at its end; the head takes a run of in-order samples in
one call (Head.appendRunRef), a chunk the run fills and goes past encoded once from the columns;
the sink takes a run in one call (Appender.appendRun, one copy of the columns); the command reads
ASCII chunks as latin1 until a chunk holds other bytes, splits a chunk without joining the held-back
part to it, and copies neither chunks nor a batch's lines; choosing a chunk's encoding gives up
the XOR one once it is longer than the decimal one (3000 chunks of such counters, warm: 69 -> 39
ms). Same-run A/B, 1 M samples, 3 rounds alternating, load average 23-26: tidemark up 1.62-1.99
-> 1.32-1.39 CPU-s, the command 1.15-1.26 -> 1.11-1.18 CPU-s, until queryable 8.9-9.9 -> 7.5-8.0 s;
10 M samples, one round at load 30 (before the encoding change): tidemark up 12.3 -> 10.9 CPU-s,
the command 7.6 -> 6.1 CPU-s. After (load 16): the server's busy time
3.4 s under the profiler, fsyncs and block writes first (the cut of the range the import fills),
garbage collection 0.2 s, no log read; the command 2.7 s, garbage collection a fifth, the line scan
and float literals a quarter each. Left: the command's garbage (a string per line and the key
compared per line), both float encodings of every chunk (the decimal one is the smaller for
exposition values). Several requests in flight (--concurrency, default 2) did not pay in the
quiet run of 2026-12-06 (1 M: 671 k/s against 716 k/s with one): both processes together are CPU-bound
on 2 cores.
Then (profiles of both, 10 M file, busy machine, load 8-12): the command spent 4.8 of its 10.5 busy
seconds under the profiler scanning batches for series runs (each line's key cut as a substring and
compared 1.1 s, its last two spaces found from the end 0.9 s, float literals on the strings split
from the chunk 1.2 s), 2.1 s collecting garbage and 0.5 s splitting chunks into line strings; the
server 2.8 s writing the head checkpoints that the block cuts during the import ask for, 1 s of it
ordering each backfilled series' samples with a comparison sort (the query's decoding workers sorted
the same way, 1.4 s more while the bench polled until queryable). Fixed: the command reads a file as
bytes (line bounds by a native search, a batch built as its body's bytes, lines that follow each
other copied at once, no string per line but metadata and the lines the parser checks), compares a
line's key with its run's first line four bytes at a time and reads its numbers from the bytes into
the batch's columns (a double returned from a call is a heap number: written into the columns
instead), and writes the series-runs body into one buffer; a series' samples are ordered by merging
the runs already in order. The command's own work (read, batch, scan; no server), 10 M file, busy
machine: 4.5-5.0 -> 2.3-2.6 CPU-s, same body bytes. In the whole command that gain mostly went to
garbage collection: full collections on a 12 MB heap, asked for by the memory allocated outside it
(a new 4 MiB buffer per batch, the 1 MiB file chunks, the request bodies), 120 of them on the 10 M
file; a batch's buffer is now reused once its request is answered (85). Same-run A/B of both
processes, 10 M file, 2 rounds alternating, load 12-17: the command 5.89-5.95 -> 4.90-5.09 CPU-s,
tidemark up 8.62-9.29 -> 7.56-7.83 CPU-s, until queryable 21.7-45.9 -> 16.0-27.4 s (whole processes
move by a third between runs of one build at such a load). Left: the file's 1 MiB chunks (a new buffer each), the
checkpoint's encoding of every backfilled series in both encodings, and a quiet run to tell.
--concurrency stays 2: in a same-run A/B at load 20, 3 rounds of the 1 M file, until queryable
6.9-7.7 s with 2 in flight against 7.3-9.7 s with 1 (10 M: 42.5 against 44.5 s).
Then (profiles of both, 10 M file, load 5-20): the server spent 2-2.4 CPU-s under the profiler
on the head checkpoint it writes as it stops (after the import is queryable: outside the figures
above), most of it encoding every backfilled series again whole (collected, sorted, both float
encodings), as any checkpoint during a backfill did; 0.15-0.8 s in the cut check of every flush,
which walked every series' out-of-order samples while backfill waited; garbage collection 1-3 s
in each process (the command: 87 full collections of a 12 MB heap, asked for by memory allocated
outside it). Fixed: a checkpoint writes a series with out-of-order samples as its open chunk and
those samples as the head holds them (XOR chunks), and a restore merges them with its closed
chunks as it did the whole series (FORMAT.md): 1.95 -> 0.34 s for the checkpoint at the stop
(load 5); the cut check looks for the oldest in-order sample only when what it could find may be
due (0.15 -> 0.09 s); the float encoders write into one buffer each and keep a trimmed copy (a new
buffer per chunk before, outside the heap), the endpoint reads a run's numbers into one array
reused run after run, and the command's line splitter reuses its line bounds (two arrays of 128 KB
per 1 MiB chunk before): 87 -> 70 full collections in the command (one run each). Same-run A/B
of both processes, 10 M file, 3 rounds alternating, load 3.6-4.4: tidemark up until queryable
6.68-7.91 -> 6.38-7.70 CPU-s (pairwise -0.2 to -0.9; until the command was done 4.79-6.03 ->
4.39-5.40), the command 4.59-5.33 -> 4.63-5.29 CPU-s, until queryable 6.4-11.2 -> 6.2-9.4 s; 4
rounds at load 14-20 (all but the cut check): tidemark up 8.83-9.18 -> 7.78-8.53 CPU-s, the
command 5.13-5.53 -> 4.87-5.02 CPU-s. Left: the file's 1 MiB chunks (a new buffer each: reusing
them needs the batcher to copy a chunk's pending lines before the next one is read), fetch's copy
of each body, the bus append (writev and fdatasync), the store's decode of its records and the
head's sample-by-sample path for backfill (appendRef, insertOutOfOrder), and a quiet run to tell.
The remote-read import (profiles of the command and of \`tidemark up\`, 10 M samples from
Prometheus 2.42 in one 2 h chunk, busy machine, load 10-16): Prometheus answered with 0.3 CPU-s; the
command spent 7.6 of its 10.8 busy seconds under the profiler printing JSON lines (a string per
sample value), and read and decoded the whole streamed answer (4 s) before its first request, while
the server waited; the server parsed the JSON lines (1.6 s). Fixed: series runs to the series-runs
endpoint (JSON lines only for a server without it), the streamed answer decoded frame by frame as
it arrives (its first request now goes out within a second), XOR chunks read with the TSDB's bit
reader (the import's decoder 350-450 -> 110-180 ns a sample, component, busy machine). Same-run
A/B, 3 rounds alternating, load 10-11: the command 6.1-6.5 -> 2.3-2.4 CPU-s, tidemark up 7.5-8.1
-> 6.2-6.7 CPU-s, until queryable 13.0-20.5 -> 8.1-15.3 s. Now the server is busy from the first
request to the end (its store appends, bus appends and block cut), the command about half of the
time (XOR decoding its largest part).
Then (profiles of both processes and allocation sampling of the server, 10 M file, 2026-12-06):
the command spent a fifth of its busy time in full collections of its 12 MB heap (76 on the file),
asked for by memory allocated outside it: fetch copies a typed-array body before sending it (a
4 MiB copy per request) and each 1 MiB chunk of the file was a new buffer. The server allocated
1.2 GB of heap during the import: splice in the out-of-order buffer of every backfilled series
(an array per call for what it removes), a heap number for each double passed to the XOR
appender (a double, or a word of 2^31 and more, passed to a function V8 does not inline is boxed),
the decimal scale tested from 0 for every value; and the first query after the import (1.1 s,
then 0.45 s warm) sorted every backfilled series, whose out-of-order samples came after its
in-order chunks. Fixed: bodies posted over node:http as they are, a plain file read into three
buffers in turn (the batcher copies a chunk's pending lines before its buffer is read into
again); the older part of a backfilled series appended as a run (no lookup, no splice, whole
chunks encoded from the run), XOR appends and decodes with the value's words as signed 32-bit
integers and the samples passed as columns and an index, an open chunk's appender kept for the
series' next chunk, the decimal scale tried at the scale found so far first; a series whose
out-of-order samples all precede its in-order ones read oldest first. Command, same file: 76 -> 12
full collections, 4.2 -> 2.7-3.0 CPU-s. Server (component, busy machine): an import's samples
into the head 150-175 -> 65-85 ns/sample, XOR decode 45-50 -> 30-31 ns/sample, heap allocated
during the import 1.2 GB -> 0.76 GB (most of the rest: the decoded record columns and new series).
This run (quiet): 10 M until queryable 5.9 -> 4.4 s, ahead of vmctl (5.0 s) and promtool; the
server 6.5 -> 5.3 CPU-s. Left: at 1 M samples the fixed costs (both processes' start, the first
query's worker threads and compilation) keep the import behind vmctl into VictoriaMetrics
(0.9 s against 0.7 s); the server decodes each record it has just encoded (a fifth of its import
time with the encoding) and compresses it (lz4, 4 %).`;

/**
 * An OpenMetrics file as a backfill would bring: node_cpu-like counters, series after series
 * (as exports are), 10 s apart, ending at least 5 minutes ago, not aligned to a 2 h block range.
 */
async function writeOpenMetrics(file: string, series = SERIES): Promise<{ start: number; end: number }> {
  // Starting 110 minutes into a 2 h block range: the first series' samples reach 3 h past the
  // range's start, so a store cuts that range into a block while the import runs, and the older
  // samples of the series later in the file are backfill behind it (stored all the same).
  const span = (POINTS - 1) * STEP_S;
  const range = 7200;
  const blockStart = Math.floor((Date.now() / 1000 - 300 - span - 6600) / range) * range;
  const start = blockStart + 6600;
  const end = start + span;
  const out = createWriteStream(file);
  const write = (text: string) => (out.write(text) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  await write('# HELP bench_cpu_seconds Seconds the CPUs spent in each mode.\n# TYPE bench_cpu_seconds counter\n');
  for (let s = 0; s < series; s++) {
    const labels = `{instance="host-${Math.floor(s / 64)}:9100",cpu="${Math.floor(s / 8) % 8}",mode="${MODES[s % 8]}"}`;
    const lines: string[] = [];
    let v = s * 3.5;
    for (let i = 0; i < POINTS; i++) {
      v += ((s * 7 + i * 13) % 100) / 10;
      lines.push(`bench_cpu_seconds_total${labels} ${v.toFixed(2)} ${start + i * STEP_S}`);
    }
    await write(lines.join('\n') + '\n');
  }
  await write('# EOF\n');
  await new Promise<void>((r, j) => out.end((err?: Error | null) => (err ? j(err) : r())));
  return { start: start * 1000, end: end * 1000 };
}

/** Polls a Prometheus-compatible API until it counts every imported sample; returns the count seen last. */
async function untilCounted(url: string, atMs: number, timeoutMs = 600_000, expected = SAMPLES): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  while (Date.now() < deadline) {
    const q = new URLSearchParams({ query: 'sum(count_over_time(bench_cpu_seconds_total[2h]))', time: String(atMs / 1000) });
    try {
      const body = (await (await fetch(`${url}/api/v1/query?${q}`)).json()) as { data?: { result?: { value: [number, string] }[] } };
      seen = Number(body.data?.result?.[0]?.value[1] ?? 0);
      if (seen >= expected) return seen;
    } catch {
      // not answering yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return seen;
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;

/** vmctl's prometheus mode wants a terminal even without its progress bar: script(1) gives it one. */
async function vmctlPrometheus(blocks: string, url: string): Promise<number> {
  const cmd = `/usr/bin/vmctl prometheus -s --prom-snapshot ${blocks} --vm-addr ${url} --vm-disable-progress-bar`;
  const { stdout } = await execFileAsync('/usr/bin/script', ['-qec', cmd, '/dev/null'], { maxBuffer: 16 << 20 });
  // What vmctl says it sent: 1.79.5 now and then reads fewer samples than the blocks hold.
  const total = Number(/total samples: (\d+)/.exec(stdout)?.[1]);
  if (!Number.isFinite(total)) throw new Error(`vmctl did not report its total: ${stdout}`);
  return total;
}

const vmctlNote = (sent: number): string => (sent === SAMPLES ? '' : `; vmctl sent ${sent} of the ${SAMPLES}`);

/**
 * Backfilling one OpenMetrics file: `tidemark import` into `tidemark up`, against what the peers
 * offer for the same file: `promtool tsdb create-blocks-from openmetrics` (offline, blocks for a
 * stopped Prometheus) and vmctl's prometheus mode (over those blocks) into VictoriaMetrics, and
 * into `tidemark up` (vmctl writes /api/v1/import). Wall time from the first byte read until every
 * sample is queryable; server CPU from /proc.
 */
export const importBenchmark: Benchmark = {
  area: 'import',
  async run(): Promise<BenchResult[]> {
    const dir = tempDir('bench-import-');
    const rows: BenchResult[] = [];
    try {
      const file = join(dir, 'history.om');
      const { start, end } = await writeOpenMetrics(file);
      const fileNote = `${(statSync(file).size / 1e6).toFixed(0)} MB file`;

      // The default (several requests in flight), then one request at a time as before --concurrency: a same-run A/B.
      for (const concurrency of [undefined, 1]) {
        const subject = concurrency === undefined ? 'tidemark import -> up' : `tidemark import --concurrency ${concurrency} -> up`;
        const flags = concurrency === undefined ? [] : ['--concurrency', String(concurrency)];
        const up = await startTidemarkUp();
        try {
          const cpu0 = up.cpuMs();
          const t0 = performance.now();
          // time(1) reports the command's own CPU: on a shared machine a steadier figure than wall time.
          const { stdout, stderr } = await execFileAsync('/usr/bin/time', ['-f', 'cpu %U %S', process.execPath, TIDEMARK_CLI, 'import', '--url', up.query.url, ...flags, '--state', join(dir, 'bench.state'), file], { maxBuffer: 16 << 20 });
          const sent = seconds(t0);
          const [, user, sys] = /^cpu (\S+) (\S+)$/m.exec(stderr) ?? [];
          const clientCpu = Number(user) + Number(sys);
          const counted = await untilCounted(up.query.url, end);
          const queryable = seconds(t0);
          const cpu = (up.cpuMs() - cpu0) / 1000;
          if (counted !== SAMPLES) throw new Error(`tidemark up counts ${counted} of ${SAMPLES} samples after import: ${stdout}`);
          rows.push(
            { name: `import ${CASE}, command done`, subject, value: SAMPLES / sent, unit: 'samples/s', note: `${sent.toFixed(1)} s; ${fileNote}` },
            { name: `import ${CASE}, until queryable`, subject, value: SAMPLES / queryable, unit: 'samples/s', note: `${queryable.toFixed(1)} s` },
            { name: `import ${CASE}, server CPU`, subject, value: SAMPLES / cpu, unit: 'samples/CPU-s', note: `tidemark up: ${cpu.toFixed(1)} CPU-s (the import command's own CPU not counted)` },
            { name: `import ${CASE}, import command CPU`, subject, value: SAMPLES / clientCpu, unit: 'samples/CPU-s', note: `tidemark import: ${clientCpu.toFixed(1)} CPU-s, process start included` },
          );
        } finally {
          await up.stop();
        }
      }

      // The distributed roles on the Kafka-protocol test cluster, fresh for each: through the ingest
      // role's endpoint (--url), and straight to the samples topic (--kafka, the endpoint code in the
      // command's process); both held back while the store lags (ingest.max_store_lag), as the
      // mock keeps only about 5 MiB per partition.
      for (const via of ['url', 'kafka'] as const) {
        const sut = await startTidemarkOnKafka(16, 20_000);
        try {
          const target = via === 'url' ? ['--url', sut.writeUrl.replace(/\/api\/v1\/write$/, '')] : ['--config', sut.configFile!];
          const subject = via === 'url' ? 'tidemark import -> ingest+store+query on Kafka' : 'tidemark import --kafka -> store+query on Kafka';
          const cpu0 = sut.cpuMs();
          const t0 = performance.now();
          const { stdout, stderr } = await execFileAsync('/usr/bin/time', ['-f', 'cpu %U %S', process.execPath, TIDEMARK_CLI, 'import', ...target, '--state', join(dir, `bench-${via}.state`), file], { maxBuffer: 16 << 20 });
          const [, user, sys] = /^cpu (\S+) (\S+)$/m.exec(stderr) ?? [];
          const clientCpu = Number(user) + Number(sys);
          const counted = await untilCounted(sut.query.url, end);
          const queryable = seconds(t0);
          const cpu = (sut.cpuMs() - cpu0) / 1000;
          if (counted !== SAMPLES) throw new Error(`${subject}: ${counted} of ${SAMPLES} samples queryable after import: ${stdout}`);
          rows.push(
            { name: `import ${CASE}, until queryable`, subject, value: SAMPLES / queryable, unit: 'samples/s', note: `${queryable.toFixed(1)} s; 16 partitions` },
            { name: `import ${CASE}, server CPU`, subject, value: SAMPLES / cpu, unit: 'samples/CPU-s', note: `ingest, store, query: ${cpu.toFixed(1)} CPU-s (the broker and the command not counted)` },
            { name: `import ${CASE}, import command CPU`, subject, value: SAMPLES / clientCpu, unit: 'samples/CPU-s', note: `tidemark import: ${clientCpu.toFixed(1)} CPU-s, process start included${via === 'kafka' ? '; parses and encodes here' : ''}` },
          );
        } finally {
          await sut.stop();
        }
      }

      const blocks = join(dir, 'blocks');
      {
        const t0 = performance.now();
        await promtoolCreateBlocks(file, blocks);
        const took = seconds(t0);
        rows.push({ name: `import ${CASE}, blocks written`, subject: 'promtool create-blocks-from', value: SAMPLES / took, unit: 'samples/s', note: `${took.toFixed(1)} s; offline: blocks for a stopped Prometheus` });
      }

      {
        const vm = await VictoriaMetricsPeer.start(['-search.disableCache']);
        try {
          const cpu0 = cpuMs(vm.pid);
          const t0 = performance.now();
          const sent = await vmctlPrometheus(blocks, vm.url);
          await fetch(`${vm.url}/internal/force_flush`);
          const counted = await untilCounted(vm.url, end, 600_000, sent);
          const took = seconds(t0);
          const cpu = (cpuMs(vm.pid) - cpu0) / 1000;
          if (counted !== sent) throw new Error(`VictoriaMetrics counts ${counted} of the ${sent} samples vmctl sent`);
          rows.push(
            { name: `import ${CASE}, until queryable`, subject: 'vmctl prometheus -> victoria-metrics', value: sent / took, unit: 'samples/s', note: `${took.toFixed(1)} s; reads promtool's blocks${vmctlNote(sent)}` },
            { name: `import ${CASE}, server CPU`, subject: 'vmctl prometheus -> victoria-metrics', value: sent / cpu, unit: 'samples/CPU-s', note: `victoria-metrics: ${cpu.toFixed(1)} CPU-s` },
          );
        } finally {
          await vm.stop();
        }
      }

      {
        const up = await startTidemarkUp();
        try {
          const cpu0 = up.cpuMs();
          const t0 = performance.now();
          const sent = await vmctlPrometheus(blocks, up.query.url);
          const counted = await untilCounted(up.query.url, end, 600_000, sent);
          const took = seconds(t0);
          const cpu = (up.cpuMs() - cpu0) / 1000;
          if (counted !== sent) throw new Error(`tidemark up counts ${counted} of the ${sent} samples vmctl sent`);
          rows.push(
            { name: `import ${CASE}, until queryable`, subject: 'vmctl prometheus -> tidemark up', value: sent / took, unit: 'samples/s', note: `${took.toFixed(1)} s; reads promtool's blocks${vmctlNote(sent)}` },
            { name: `import ${CASE}, server CPU`, subject: 'vmctl prometheus -> tidemark up', value: sent / cpu, unit: 'samples/CPU-s', note: `tidemark up: ${cpu.toFixed(1)} CPU-s` },
          );
        } finally {
          await up.stop();
        }
      }
      // Live sources, into a fresh tidemark up each: the blocks read from disk, and a Prometheus
      // holding them read through remote read (this vmctl, 1.79.5, has no remote-read mode; its
      // prometheus mode over the same blocks is the row to compare with).
      const fromDisk = await timedImport(['--prometheus-blocks', blocks], end);
      rows.push(
        { name: `import ${CASE}, until queryable`, subject: 'tidemark import --prometheus-blocks -> up', value: SAMPLES / fromDisk.seconds, unit: 'samples/s', note: `${fromDisk.seconds.toFixed(1)} s; reads promtool's blocks` },
        { name: `import ${CASE}, server CPU`, subject: 'tidemark import --prometheus-blocks -> up', value: SAMPLES / fromDisk.cpu, unit: 'samples/CPU-s', note: `tidemark up: ${fromDisk.cpu.toFixed(1)} CPU-s` },
      );
      cpSync(blocks, join(dir, 'prometheus'), { recursive: true });
      const prom = await startPrometheus(join(dir, 'prometheus'));
      try {
        const range = ['--from', String(Math.floor(start / 1000) - 60), '--to', String(Math.ceil(end / 1000) + 60)];
        const remote = await timedImport(['--remote-read', `${prom.url}/api/v1/read`, '--match', '{__name__="bench_cpu_seconds_total"}', ...range], end);
        rows.push(
          { name: `import ${CASE}, until queryable`, subject: 'tidemark import --remote-read prometheus -> up', value: SAMPLES / remote.seconds, unit: 'samples/s', note: `${remote.seconds.toFixed(1)} s; Prometheus 2.42 over promtool's blocks, 2 h chunks` },
          { name: `import ${CASE}, server CPU`, subject: 'tidemark import --remote-read prometheus -> up', value: SAMPLES / remote.cpu, unit: 'samples/CPU-s', note: `tidemark up: ${remote.cpu.toFixed(1)} CPU-s` },
        );
      } finally {
        await prom.stop();
      }
      rows.push(...(await largeCase(dir)));
      return rows;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    /** `tidemark import ARGS` into a fresh tidemark up: seconds until every sample is queryable, and the server's CPU seconds. */
    async function timedImport(args: readonly string[], atMs: number): Promise<{ seconds: number; cpu: number }> {
      const up = await startTidemarkUp();
      try {
        const cpu0 = up.cpuMs();
        const t0 = performance.now();
        const { stdout } = await execFileAsync(process.execPath, [TIDEMARK_CLI, 'import', '--url', up.query.url, '--state', join(dir, 'bench.state'), ...args], { maxBuffer: 16 << 20 });
        const counted = await untilCounted(up.query.url, atMs);
        const took = seconds(t0);
        if (counted !== SAMPLES) throw new Error(`tidemark up counts ${counted} of ${SAMPLES} samples after tidemark import ${args.join(' ')}: ${stdout}`);
        return { seconds: took, cpu: (up.cpuMs() - cpu0) / 1000 };
      } finally {
        await up.stop();
      }
    }
  },
  notes: IMPORT_NOTES,
};

/**
 * The issue's 10 M-sample file (20,000 series x 500, 10 s apart, about 900 MB), generated once in
 * the bench's temporary directory: `tidemark import` into `tidemark up`, and beside it in the same
 * run promtool's blocks, vmctl over them into VictoriaMetrics, and `tidemark import --remote-read`
 * from a Prometheus holding them.
 */
async function largeCase(dir: string): Promise<BenchResult[]> {
  const samples = LARGE_SERIES * POINTS;
  const label = `import ${samples / 1e6} M OpenMetrics samples (${LARGE_SERIES} series x ${POINTS})`;
  const file = join(dir, 'large.om');
  const { start, end } = await writeOpenMetrics(file, LARGE_SERIES);
  const rows: BenchResult[] = [];
  try {
    const fileNote = `${(statSync(file).size / 1e6).toFixed(0)} MB file`;
    const into = async (args: readonly string[]): Promise<{ seconds: number; cpu: number }> => {
      const up = await startTidemarkUp();
      try {
        const cpu0 = up.cpuMs();
        const t0 = performance.now();
        const { stdout } = await execFileAsync(process.execPath, [TIDEMARK_CLI, 'import', '--url', up.query.url, '--state', join(dir, 'large.state'), ...args], { maxBuffer: 16 << 20 });
        const counted = await untilCounted(up.query.url, end, 1_800_000, samples);
        const took = seconds(t0);
        if (counted !== samples) throw new Error(`tidemark up counts ${counted} of ${samples} samples after tidemark import ${args.join(' ')}: ${stdout}`);
        return { seconds: took, cpu: (up.cpuMs() - cpu0) / 1000 };
      } finally {
        await up.stop();
      }
    };
    const fromFile = await into([file]);
    rows.push(
      { name: `${label}, until queryable`, subject: 'tidemark import -> up', value: samples / fromFile.seconds, unit: 'samples/s', note: `${fromFile.seconds.toFixed(1)} s; ${fileNote}` },
      { name: `${label}, server CPU`, subject: 'tidemark import -> up', value: samples / fromFile.cpu, unit: 'samples/CPU-s', note: `tidemark up: ${fromFile.cpu.toFixed(1)} CPU-s` },
    );
    const blocks = join(dir, 'large-blocks');
    {
      const t0 = performance.now();
      await promtoolCreateBlocks(file, blocks);
      const took = seconds(t0);
      rows.push({ name: `${label}, blocks written`, subject: 'promtool create-blocks-from', value: samples / took, unit: 'samples/s', note: `${took.toFixed(1)} s; offline: blocks for a stopped Prometheus` });
    }
    rmSync(file, { force: true });
    {
      const vm = await VictoriaMetricsPeer.start(['-search.disableCache']);
      try {
        const t0 = performance.now();
        const sent = await vmctlPrometheus(blocks, vm.url);
        await fetch(`${vm.url}/internal/force_flush`);
        const counted = await untilCounted(vm.url, end, 1_800_000, sent);
        const took = seconds(t0);
        if (counted !== sent) throw new Error(`VictoriaMetrics counts ${counted} of the ${sent} samples vmctl sent`);
        rows.push({ name: `${label}, until queryable`, subject: 'vmctl prometheus -> victoria-metrics', value: sent / took, unit: 'samples/s', note: `${took.toFixed(1)} s; reads promtool's blocks${sent === samples ? '' : `; vmctl sent ${sent} of the ${samples}`}` });
      } finally {
        await vm.stop();
      }
    }
    const prom = await startPrometheus(blocks);
    try {
      const range = ['--from', String(Math.floor(start / 1000) - 60), '--to', String(Math.ceil(end / 1000) + 60)];
      const remote = await into(['--remote-read', `${prom.url}/api/v1/read`, '--match', '{__name__="bench_cpu_seconds_total"}', ...range]);
      rows.push({ name: `${label}, until queryable`, subject: 'tidemark import --remote-read prometheus -> up', value: samples / remote.seconds, unit: 'samples/s', note: `${remote.seconds.toFixed(1)} s; Prometheus 2.42 over promtool's blocks, 2 h chunks` });
    } finally {
      await prom.stop();
    }
    return rows;
  } finally {
    rmSync(file, { force: true });
  }
}

