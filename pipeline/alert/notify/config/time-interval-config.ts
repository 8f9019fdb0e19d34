import { z } from 'zod';

import { TimeIntervalError } from '../errors.js';
import { parseTimeInterval, type TimeInterval } from '../time-intervals.js';
import { opt, str, stringList } from './primitives.js';

const timeRangeSchema = z.strictObject({ start_time: opt(str), end_time: opt(str) });

const intervalSpecSchema = z
  .strictObject({
    times: opt(z.array(timeRangeSchema)),
    weekdays: opt(stringList),
    days_of_month: opt(stringList),
    months: opt(stringList),
    years: opt(stringList),
    location: opt(str),
  })
  .transform((spec, ctx): TimeInterval => {
    try {
      return parseTimeInterval(spec);
    } catch (err) {
      if (!(err instanceof TimeIntervalError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message, path: [err.field] });
      return z.NEVER;
    }
  });

export interface NamedTimeIntervals {
  readonly name: string;
  readonly timeIntervals: readonly TimeInterval[];
}

/** `time_intervals[]` / `mute_time_intervals[]` entries. */
export const namedTimeIntervalsSchema = (kind: 'time interval' | 'mute time interval'): z.ZodType<NamedTimeIntervals> =>
  z
    .strictObject({ name: opt(str), time_intervals: opt(z.array(intervalSpecSchema)) })
    .transform((t, ctx) => {
      if (t.name === undefined || t.name === '') ctx.addIssue({ code: 'custom', message: `missing name in ${kind}` });
      return { name: t.name ?? '', timeIntervals: t.time_intervals ?? [] };
    });
