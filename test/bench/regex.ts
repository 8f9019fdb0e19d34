import { RE2JS } from 're2js';
import { compileAnchoredRegexp, compileSelectorRegexp } from '../../schemas/regexp/index.js';
import type { Benchmark, BenchResult } from './bench-result.js';

/**
 * Component benchmark of the label-matcher hot path: 100k label values tested against one
 * selector regex, through the matcher the TSDB uses (RE2 with Prometheus' fast paths) and through
 * the bare RE2 engine (re2js), with Node's own RegExp as a reference where it can express the
 * expression (it is not RE2, so it is not an option for user regexes).
 */
const VALUES = 100_000;

function labelValues(): string[] {
  const stems = ['node', 'api', 'foo', 'Foobar', 'alertmanager', 'prometheus', 'kafka', 'redis'];
  const out: string[] = [];
  for (let i = 0; i < VALUES; i++) out.push(i % 7 === 0 ? `svc${(i % 50) * 7919}` : `${stems[i % stems.length]}-${i.toString(36)}`);
  return out;
}

const LITERALS = Array.from({ length: 50 }, (_, i) => `svc${i * 7919}`).join('|');
const CASES: ReadonlyArray<{ label: string; re: string; js?: RegExp }> = [
  { label: 'n.*|a.*', re: 'n.*|a.*', js: /^(?:n.*|a.*)$/s },
  { label: '(?i)foo.*', re: '(?i)foo.*', js: /^(?:foo.*)$/is },
  { label: '50 literals', re: LITERALS, js: new RegExp(`^(?:${LITERALS})$`, 's') },
  { label: '.*-[0-9a-z]{3} (engine)', re: '.*-[0-9a-z]{3}', js: /^(?:.*-[0-9a-z]{3})$/s },
];

/**
 * CPU nanoseconds per value, best of five passes over all values: CPU time, not wall-clock, as
 * the machine's cores are shared.
 */
function nsPerValue(values: readonly string[], test: (v: string) => boolean): { ns: number; hits: number } {
  let best = Infinity;
  let hits = 0;
  for (let pass = 0; pass < 6; pass++) {
    const start = process.cpuUsage();
    hits = 0;
    for (const v of values) if (test(v)) hits++;
    const used = process.cpuUsage(start);
    const ns = ((used.user + used.system) * 1000) / values.length;
    if (pass > 0) best = Math.min(best, ns); // the first pass warms up
  }
  return { ns: best, hits };
}

export const regexBenchmark: Benchmark = {
  area: 'regex',
  async run() {
    const values = labelValues();
    const rows: BenchResult[] = [];
    for (const c of CASES) {
      const name = `regex component: 100k label values =~ ${c.label}`;
      const matcher = compileSelectorRegexp(c.re);
      const ours = nsPerValue(values, (v) => matcher.test(v));
      const engine = RE2JS.compile(c.re, RE2JS.DOTALL);
      const bare = nsPerValue(values, (v) => engine.testExact(v));
      if (bare.hits !== ours.hits) throw new Error(`${c.label}: fast path matched ${ours.hits}, engine ${bare.hits}`);
      rows.push({ name, subject: 'tidemark', value: ours.ns, unit: 'CPU ns/value', note: `${ours.hits} match; ${matcher.optimized ? 'fast path' : 'RE2 engine'}` });
      rows.push({ name, subject: 're2js engine alone', value: bare.ns, unit: 'CPU ns/value' });
      if (c.js !== undefined) {
        const js = c.js;
        rows.push({ name, subject: 'node RegExp (reference)', value: nsPerValue(values, (v) => js.test(v)).ns, unit: 'CPU ns/value' });
      }
    }
    // Relabel `replace` needs the groups: the default `(.*)` and a typical host:port split.
    const hosts = values.map((v, i) => `${v}.example.org:${9000 + (i % 100)}`);
    for (const re of ['(.*)', '(.+):\\d+']) {
      const rx = compileAnchoredRegexp(re, { dotMatchesNewline: true });
      const js = new RegExp(`^(?:${re})$`, 's');
      const name = `regex component: 100k relabel replace groups of ${re}`;
      rows.push({ name, subject: 'tidemark', value: nsPerValue(hosts, (v) => rx.exec(v) !== null).ns, unit: 'CPU ns/value' });
      rows.push({ name, subject: 'node RegExp (reference)', value: nsPerValue(hosts, (v) => js.exec(v) !== null).ns, unit: 'CPU ns/value' });
    }
    return rows;
  },
};
