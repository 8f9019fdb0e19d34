/**
 * The labels objects of one output group's series, made once and handed out window after
 * window. The bus sink remembers a series by its labels object (hash, partition, interned
 * strings), so handing it the same object each window spares that work for every output sample.
 */
import type { Labels } from '../../schemas/index.js';
import { outputLabels } from './output-name.js';

export class OutputSeriesLabels {
  private readonly bySuffix = new Map<string, Labels>();
  /** Outputs with an extra label (quantile, vmrange), by suffix, label and value. */
  private readonly byExtra = new Map<string, Labels>();

  constructor(private readonly group: Labels, private readonly infix: string) {}

  of(suffix: string): Labels {
    let l = this.bySuffix.get(suffix);
    if (l === undefined) this.bySuffix.set(suffix, (l = outputLabels(this.group, this.infix, suffix)));
    return l;
  }

  withExtra(suffix: string, name: string, value: string): Labels {
    const key = `${suffix}\u0000${name}\u0000${value}`;
    let l = this.byExtra.get(key);
    if (l === undefined) this.byExtra.set(key, (l = outputLabels(this.group, this.infix, suffix, { [name]: value })));
    return l;
  }
}
