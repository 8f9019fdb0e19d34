import { describe, expect, it } from 'vitest';
import { expositionLines } from '../../connectors/import/exposition-lines.js';
import { readSeriesRuns } from '../../connectors/import/series-runs-body.js';
import { LineBatcher, type LineBatch } from './line-batches.js';
import { seriesRuns } from './series-runs.js';

type Sample = [Record<string, string>, number, number];

/** What the server's text reader makes of a body: every sample with its labels. */
function viaText(body: string, format: 'prometheus' | 'openmetrics'): Sample[] {
  const out: Sample[] = [];
  expositionLines(format, 0).read(
    body,
    (labels, ts, vs) => {
      for (let i = 0; i < ts.length; i++) out.push([{ ...labels }, ts[i], vs[i]]);
    },
    (err) => {
      throw err;
    },
  );
  return out;
}

function viaRuns(batch: LineBatch, format: 'prometheus' | 'openmetrics'): { samples: Sample[]; firstLines: number[] } | undefined {
  const parsed = seriesRuns(batch, format);
  if (parsed === undefined) return undefined;
  const samples: Sample[] = [];
  const firstLines: number[] = [];
  readSeriesRuns(
    parsed.body,
    (labels, ts, vs, run) => {
      firstLines.push(parsed.lineOf(run));
      for (let i = 0; i < ts.length; i++) samples.push([{ ...labels }, ts[i], vs[i]]);
    },
    (err) => {
      throw err;
    },
  );
  return { samples, firstLines };
}

const batchOf = (lines: string[]): LineBatch => {
  const body = lines.join('\n') + '\n';
  return { body, bytes: Buffer.from(body), carried: 0, firstLine: 1, lines: lines.length, chars: 0 };
};

describe('seriesRuns', () => {
  it('gives every sample of an OpenMetrics batch as the server parser reads it, in runs that start at their file lines', () => {
    const lines = [
      '# HELP node_cpu_seconds Seconds.',
      '# TYPE node_cpu_seconds counter',
      ...[1, 2, 3].map((i) => `node_cpu_seconds_total{cpu="0",mode="idle"} ${i * 1.5} ${1700000000 + i * 10}.5`),
      ...[1, 2].map((i) => `node_cpu_seconds_total{cpu="0",mode="user"} ${i === 1 ? 'NaN' : '+Inf'} ${1700000000 + i * 10}`),
      'node_cpu_seconds_total{cpu="0",mode="idle x"} 1e3 1700000000.001',
      '# TYPE temp gauge',
      'temp -0.25 1700000000',
      'temp 2 1700000010',
      '# EOF',
    ];
    const batch = batchOf(lines);
    const got = viaRuns(batch, 'openmetrics');
    expect(got?.samples).toEqual(viaText(batch.body, 'openmetrics'));
    expect(got?.samples).toHaveLength(8);
    expect(got?.firstLines).toEqual([3, 6, 8, 10]);
  });

  it('reads every form of OpenMetrics timestamp inside a run as the server parser does', () => {
    // The lines between a run's first and last are read here alone: whole seconds on their fast path, the rest as floats.
    const stamps = ['1700000000', '01700000001', '1700000001.25', '1.7000000015e9', '1700000002', '0000000000001700000003', '+1700000003', '1700000004'];
    const batch = batchOf(['# TYPE m gauge', ...stamps.map((t, i) => `m{a="b"} ${i} ${t}`), '# EOF']);
    const got = viaRuns(batch, 'openmetrics');
    expect(got?.samples).toEqual(viaText(batch.body, 'openmetrics'));
    expect(got?.samples.map((s) => s[1])).toEqual([1700000000000, 1700000001000, 1700000001250, 1700000001500, 1700000002000, 1700000003000, 1700000003000, 1700000004000]);
    expect(got?.firstLines).toEqual([2]);
  });

  it('reads the Prometheus text format (millisecond timestamps) as the server does', () => {
    const batch = batchOf(['# TYPE up gauge', 'up{job="a"} 1 1700000000000', 'up{job="a"} 0 1700000015000', 'up{job="b"} 1 1700000000000']);
    const got = viaRuns(batch, 'prometheus');
    expect(got?.samples).toEqual(viaText(batch.body, 'prometheus'));
    expect(got?.firstLines).toEqual([2, 4]);
  });

  it('numbers runs by file line past the metadata a batch carries from the one before', () => {
    const batcher = new LineBatcher('openmetrics', 1 << 20, 3);
    const lines = ['# TYPE a gauge', 'a 1 1', 'a 2 2', 'a 3 3', 'a{x="1"} 4 4', '# EOF'];
    const batches = lines.map((l) => batcher.add(l)).filter((b) => b !== undefined);
    batches.push(batcher.flush()!);
    expect(batches[1].carried).toBe(1);
    expect(viaRuns(batches[1], 'openmetrics')?.firstLines).toEqual([4, 5]);
  });

  it('leaves to the server, as text, the batches only it can answer line by line', () => {
    const cases: Record<string, string[]> = {
      'a sample without a timestamp': ['a 1 1', 'a 2'],
      'a line that does not parse': ['a 1 1', 'a{x="1" 2 2'],
      'a value that is no number': ['a 1 1', 'a one 2'],
      'timestamps going backwards in a run': ['a 1 2', 'a 1 1'],
      'timestamps going backwards in a metric point': ['# TYPE h histogram', 'h_bucket{le="1"} 1 1', 'h_bucket{le="1"} 1 2', 'h_bucket{le="+Inf"} 1 1', 'h_count 1 1', 'h_sum 1 1'],
      'an exemplar': ['# TYPE c counter', 'c_total 1 1 # {t="a"} 1 1', 'c_total 1 1 # {t="a"} 2 2'],
      'an empty label value': ['a{x=""} 1 1'],
      'a blank line': ['a 1 1', '', 'a 2 2'],
      'two spaces before a value': ['a 1 1', 'a  2 2'],
      'no sample': ['# TYPE a gauge'],
    };
    for (const [what, lines] of Object.entries(cases)) {
      expect(seriesRuns(batchOf(lines), 'openmetrics'), what).toBeUndefined();
    }
    expect(seriesRuns({ ...batchOf(['a 1 1', 'a 2 2']), bytes: Buffer.from('a 1 1\na 2 2') }, 'openmetrics'), 'a last line without its end').toBeUndefined();
  });

  it('reads a batch the batcher built from bytes of a file as it reads the same lines given as text', () => {
    const text = '# TYPE a counter\r\na_total{x="1"} 1 1\na_total{x="1"} 2 2\na_total{x="1"} 3 3\na_total{x="2"} 1 1\n# EOF\n';
    const lines = text.replace(/\r/g, '').trimEnd().split('\n');
    const bytes = Buffer.from(text);
    const fromBytes = new LineBatcher('openmetrics', 1 << 20, 100);
    let at = 0;
    for (const line of lines) {
      fromBytes.addBytes(bytes, at, at + line.length);
      at = bytes.indexOf(10, at) + 1;
    }
    const fromText = new LineBatcher('openmetrics', 1 << 20, 100);
    for (const line of lines) fromText.add(line);
    const a = seriesRuns(fromBytes.flush()!, 'openmetrics');
    const b = seriesRuns(fromText.flush()!, 'openmetrics');
    expect(a?.body.length).toBeGreaterThan(0);
    expect(a?.body.equals(b!.body)).toBe(true);
  });

  it('reads lines of a run in every form the text parser takes as that parser does, on the short path or not', () => {
    const values = ['1', '-2.5', '0.000', '-0', '.5', '5.', '1e3', '+7', 'NaN', '-Inf', '123456789012345678', '0.0000000000000000000000123', '00012.50'];
    const lines = ['# TYPE m gauge', ...values.map((v, i) => `m{a="b c"} ${v} ${1700000000 + i}`), '# EOF'];
    const batch = batchOf(lines);
    const got = viaRuns(batch, 'openmetrics');
    expect(got?.samples).toEqual(viaText(batch.body, 'openmetrics'));
    expect(got?.samples).toHaveLength(values.length);
  });
});
