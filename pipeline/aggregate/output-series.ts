/**
 * The labels objects of one output group's series, made once and handed out window after
 * window. The bus sink remembers a series by its labels object (hash, partition, interned
 * strings), so handing it the same object each window spares that work for every output sample.
 */
import type { Labels } from '../../schemas/index.js';
import { outputLabels } from './output-name.js';

export class OutputSeriesLabels {
  // A rule has a few outputs: a scan of two short arrays on this object reads less memory than
  // a Map of its own per group (its table was a cache miss per output sample in a profile).
  private readonly suffixes: string[] = [];
  private readonly labels: Labels[] = [];
  /** Outputs with an extra label (quantile, vmrange), by suffix, label and value. */
  private readonly byExtra = new Map<string, Labels>();

  constructor(private readonly group: Labels, private readonly infix: string) {}

  of(suffix: string): Labels {
    const suffixes = this.suffixes;
    for (let i = 0; i < suffixes.length; i++) if (suffixes[i] === suffix) return this.labels[i]!;
    const l = outputLabels(this.group, this.infix, suffix);
    suffixes.push(suffix);
    this.labels.push(l);
    return l;
  }

  withExtra(suffix: string, name: string, value: string): Labels {
    const key = `${suffix}\u0000${name}\u0000${value}`;
    let l = this.byExtra.get(key);
    if (l === undefined) this.byExtra.set(key, (l = outputLabels(this.group, this.infix, suffix, { [name]: value })));
    return l;
  }
}
