import type { Labels } from '../../schemas/labels.js';
import type { EdgeLimitsConfig } from './config.js';
import { LimitExceededError } from './errors.js';

/**
 * The per-request and per-series bounds of a push (0 = unlimited). Errors name the series (by
 * its index in the request or its line) and the label at fault.
 */
export class SeriesLimits {
  constructor(private readonly config: EdgeLimitsConfig) {}

  checkSeriesCount(count: number): void {
    const max = this.config.series_limit;
    if (max > 0 && count > max) {
      throw new LimitExceededError(`request has ${count} series, more than the limit of ${max}`, 'series_limit', max, count);
    }
  }

  /** `where` names the series in messages: `series 12` or `line 40`. */
  checkLabels(labels: Labels, where: string): void {
    const { label_limit: maxLabels, label_name_length_limit: maxName, label_value_length_limit: maxValue } = this.config;
    let n = 0;
    for (const name in labels) {
      n++;
      if (maxName > 0 && name.length > maxName) {
        throw new LimitExceededError(
          `${where}: label name "${name.slice(0, 64)}…" is ${name.length} characters long, more than the limit of ${maxName}`,
          'label_name_length_limit',
          maxName,
          name.length,
          { series: where, label: name.slice(0, 64) },
        );
      }
      const v = labels[name];
      if (maxValue > 0 && v.length > maxValue) {
        throw new LimitExceededError(
          `${where}: value of label "${name}" is ${v.length} characters long, more than the limit of ${maxValue}`,
          'label_value_length_limit',
          maxValue,
          v.length,
          { series: where, label: name },
        );
      }
    }
    if (maxLabels > 0 && n > maxLabels) {
      throw new LimitExceededError(
        `${where}: series has ${n} labels, more than the limit of ${maxLabels}`,
        'label_limit',
        maxLabels,
        n,
        { series: where },
      );
    }
  }
}
