import { TimeIntervalError } from './errors.js';

/** An inclusive integer range; a single value `x` is `{ begin: x, end: x }`. */
export interface InclusiveRange { readonly begin: number; readonly end: number }

/** One `time_intervals[]` entry: every field set must contain the instant (fields left out match all). */
export interface TimeInterval {
  /** Minutes of the day, half-open `[startMinute, endMinute)`. */
  readonly times?: readonly { readonly startMinute: number; readonly endMinute: number }[];
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekdays?: readonly InclusiveRange[];
  /** 1..31 or -31..-1 (counting from the end of the month). */
  readonly daysOfMonth?: readonly InclusiveRange[];
  /** 1..12. */
  readonly months?: readonly InclusiveRange[];
  readonly years?: readonly InclusiveRange[];
  /** IANA zone name; undefined = UTC (Alertmanager's default); `Local` = the process zone. */
  readonly location?: string;
}

/** The YAML shape of one interval, as written in `alertmanager.yml`. */
export interface TimeIntervalSpec {
  times?: { start_time?: string; end_time?: string }[];
  weekdays?: string[];
  days_of_month?: string[];
  months?: string[];
  years?: string[];
  location?: string;
}

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const TIME_RE = /^((([01][0-9])|(2[0-3])):[0-5][0-9])$|(^24:00$)/;

function splitRange(s: string, field: string): [string, string] {
  const parts = s.split(':');
  if (parts.length === 1) return [s, s];
  if (parts.length === 2) return [parts[0]!, parts[1]!];
  throw new TimeIntervalError(`invalid range ${s}`, field);
}

function parseMinute(s: string): number {
  if (!TIME_RE.test(s)) throw new TimeIntervalError(`couldn't parse timestamp ${s}, invalid format`, 'times');
  const [h, m] = s.split(':');
  return Number(h) * 60 + Number(m);
}

function named(s: string, names: string[], offset: number, field: string, what: string): number {
  const lower = s.toLowerCase();
  const idx = names.indexOf(lower);
  if (idx >= 0) return idx + offset;
  if (field === 'months' && /^\d+$/.test(s)) {
    const n = Number(s);
    if (n >= 1 && n <= 12) return n;
  }
  throw new TimeIntervalError(`${s} is not a valid ${what}`, field);
}

function parseInt10(s: string, field: string): number {
  if (!/^[+-]?\d+$/.test(s.trim())) throw new TimeIntervalError(`invalid ${field} value ${s}`, field);
  return Number(s.trim());
}

/** Validate and compile one interval, with Alertmanager's checks and messages. */
export function parseTimeInterval(spec: TimeIntervalSpec): TimeInterval {
  const out: {
    times?: { startMinute: number; endMinute: number }[];
    weekdays?: InclusiveRange[];
    daysOfMonth?: InclusiveRange[];
    months?: InclusiveRange[];
    years?: InclusiveRange[];
    location?: string;
  } = {};
  if (spec.times !== undefined) {
    out.times = spec.times.map((t) => {
      if (!t.start_time || !t.end_time) throw new TimeIntervalError('both start and end times must be provided', 'times');
      const startMinute = parseMinute(t.start_time);
      const endMinute = parseMinute(t.end_time);
      if (startMinute >= endMinute) throw new TimeIntervalError('start time cannot be equal or greater than end time', 'times');
      return { startMinute, endMinute };
    });
  }
  if (spec.weekdays !== undefined) {
    out.weekdays = spec.weekdays.map((w) => {
      const [a, b] = splitRange(w, 'weekdays');
      const begin = named(a, WEEKDAYS, 0, 'weekdays', 'weekday');
      const end = named(b, WEEKDAYS, 0, 'weekdays', 'weekday');
      if (begin > end) throw new TimeIntervalError('start day cannot be before end day', 'weekdays');
      return { begin, end };
    });
  }
  if (spec.days_of_month !== undefined) {
    out.daysOfMonth = spec.days_of_month.map((d) => {
      const [a, b] = splitRange(d, 'days_of_month');
      const begin = parseInt10(a, 'days_of_month');
      const end = parseInt10(b, 'days_of_month');
      for (const v of [begin, end]) {
        if (v === 0 || v < -31 || v > 31) throw new TimeIntervalError(`${v} is not a valid day of the month: out of range`, 'days_of_month');
      }
      if (begin < 0 && end > 0) throw new TimeIntervalError('end day must be negative if start day is negative', 'days_of_month');
      // As upstream: with negative indices assume the shortest month (28 days) to catch ranges that are always empty.
      const cb = begin < 0 ? 28 + begin : begin;
      const ce = end < 0 ? 28 + end : end;
      if (cb > ce) throw new TimeIntervalError(`end day ${end} is always before start day ${begin}`, 'days_of_month');
      return { begin, end };
    });
  }
  if (spec.months !== undefined) {
    out.months = spec.months.map((m) => {
      const [a, b] = splitRange(m, 'months');
      const begin = named(a, MONTHS, 1, 'months', 'month');
      const end = named(b, MONTHS, 1, 'months', 'month');
      if (begin > end) throw new TimeIntervalError(`end month ${b} is before start month ${a}`, 'months');
      return { begin, end };
    });
  }
  if (spec.years !== undefined) {
    out.years = spec.years.map((y) => {
      const [a, b] = splitRange(y, 'years');
      const begin = parseInt10(a, 'years');
      const end = parseInt10(b, 'years');
      if (begin > end) throw new TimeIntervalError(`end year ${end} is before start year ${begin}`, 'years');
      return { begin, end };
    });
  }
  if (spec.location !== undefined) {
    if (spec.location !== 'Local' && spec.location !== 'UTC') {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: spec.location });
      } catch {
        throw new TimeIntervalError(`unknown time zone ${spec.location}`, 'location');
      }
    }
    out.location = spec.location;
  }
  return out;
}

interface CivilTime { year: number; month: number; day: number; weekday: number; minute: number }

const formatters = new Map<string, Intl.DateTimeFormat>();
const WD_SHORT = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function civil(ms: number, location: string | undefined): CivilTime {
  const zone = location === undefined ? 'UTC' : location === 'Local' ? undefined : location;
  if (zone === 'UTC') {
    const d = new Date(ms);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: d.getUTCDay(), minute: d.getUTCHours() * 60 + d.getUTCMinutes() };
  }
  if (zone === undefined) {
    const d = new Date(ms);
    return { year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate(), weekday: d.getDay(), minute: d.getHours() * 60 + d.getMinutes() };
  }
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', weekday: 'short' });
    formatters.set(zone, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(new Date(ms))) p[part.type] = part.value;
  return { year: Number(p.year), month: Number(p.month), day: Number(p.day), weekday: WD_SHORT.indexOf(p.weekday!), minute: Number(p.hour) * 60 + Number(p.minute) };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function inAny(ranges: readonly InclusiveRange[], v: number): boolean {
  for (const r of ranges) if (v >= r.begin && v <= r.end) return true;
  return false;
}

/** Whether the instant `ms` (Unix milliseconds) lies inside the interval, evaluated in its location. */
export function intervalContains(ti: TimeInterval, ms: number): boolean {
  const t = civil(ms, ti.location);
  if (ti.times !== undefined) {
    let ok = false;
    for (const r of ti.times) if (t.minute >= r.startMinute && t.minute < r.endMinute) { ok = true; break; }
    if (!ok) return false;
  }
  if (ti.daysOfMonth !== undefined) {
    const dim = daysInMonth(t.year, t.month);
    let ok = false;
    for (const r of ti.daysOfMonth) {
      let begin = r.begin < 0 ? dim + r.begin + 1 : r.begin;
      let end = r.end < 0 ? dim + r.end + 1 : r.end;
      if (begin > dim) continue;
      begin = Math.max(-dim, Math.min(dim, begin));
      end = Math.max(-dim, Math.min(dim, end));
      if (t.day >= begin && t.day <= end) { ok = true; break; }
    }
    if (!ok) return false;
  }
  if (ti.months !== undefined && !inAny(ti.months, t.month)) return false;
  if (ti.weekdays !== undefined && !inAny(ti.weekdays, t.weekday)) return false;
  if (ti.years !== undefined && !inAny(ti.years, t.year)) return false;
  return true;
}

/** A named set (`time_intervals[].name`) is active when any of its intervals contains the instant. */
export function anyIntervalContains(intervals: readonly TimeInterval[], ms: number): boolean {
  for (const ti of intervals) if (intervalContains(ti, ms)) return true;
  return false;
}
