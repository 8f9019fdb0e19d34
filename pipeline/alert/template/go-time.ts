/**
 * Go's time.Time and time.Duration as template values: `.StartsAt.Format "2006-01-02"`,
 * `{{ .StartsAt }}` printing as Go does, `tz`, `since`, durations printing as `1h2m3s`.
 */

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

interface Zone { name: string; offsetMin: number }

function zoneFor(location: string, ms: number): Zone {
  if (location === 'UTC' || location === '') return { name: 'UTC', offsetMin: 0 };
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone: location, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
    hour: 'numeric', minute: 'numeric', second: 'numeric', timeZoneName: 'short',
  });
  const parts = Object.fromEntries(f.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  const offsetMin = Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
  let name = parts.timeZoneName ?? '';
  if (/^(GMT|UTC)[+-]/.test(name) || name === '') {
    // en-US knows American abbreviations, en-GB European ones; Go prints "+04" for zones with none.
    const gb = new Intl.DateTimeFormat('en-GB', { timeZone: location, timeZoneName: 'short' })
      .formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value ?? '';
    name = /^(GMT|UTC)[+-]/.test(gb) || gb === '' ? formatOffset(offsetMin, false, offsetMin % 60 === 0) : gb;
  }
  return { name, offsetMin };
}

function formatOffset(min: number, colon: boolean, short: boolean): string {
  const sign = min < 0 ? '-' : '+';
  const a = Math.abs(min);
  const hh = String(Math.floor(a / 60)).padStart(2, '0');
  const mm = String(a % 60).padStart(2, '0');
  if (short) return sign + hh;
  return sign + hh + (colon ? ':' : '') + mm;
}

export class GoDuration {
  static readonly goType = 'time.Duration';
  constructor(readonly ns: number) {}
  Seconds(): number { return this.ns / 1e9; }
  Minutes(): number { return this.ns / 6e10; }
  Hours(): number { return this.ns / 3.6e12; }
  Milliseconds(): number { return Math.trunc(this.ns / 1e6); }
  Nanoseconds(): number { return this.ns; }
  /** Go's Duration.String: 1h2m3.5s, 1.5ms, 0s. */
  String(): string {
    let d = this.ns;
    if (d === 0) return '0s';
    const neg = d < 0;
    d = Math.abs(d);
    let out: string;
    if (d < 1e9) {
      const [unit, div] = d < 1e3 ? ['ns', 1] : d < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
      out = trimFrac((d / div).toFixed(div === 1 ? 0 : Math.log10(div))) + unit;
    } else {
      const h = Math.floor(d / 3.6e12);
      const m = Math.floor((d % 3.6e12) / 6e10);
      const s = (d % 6e10) / 1e9;
      out = `${trimFrac(s.toFixed(9))}s`;
      if (h > 0 || m > 0) out = `${m}m${out}`;
      if (h > 0) out = `${h}h${out}`;
    }
    return (neg ? '-' : '') + out;
  }
}

function trimFrac(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

export class GoTime {
  static readonly goType = 'time.Time';
  /** Milliseconds since the epoch, plus nanoseconds within the millisecond. */
  constructor(readonly ms: number, readonly nsRem = 0, readonly location = 'UTC') {}

  static fromDate(d: Date): GoTime { return new GoTime(d.getTime()); }

  /** Parses RFC 3339 with up to nanosecond fractions; the zone is kept as a fixed offset. */
  static parseRFC3339(s: string): GoTime {
    const m = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/.exec(s);
    if (!m) throw new Error(`parsing time ${JSON.stringify(s)} as RFC3339: cannot parse`);
    const frac = (m[7] ?? '').padEnd(9, '0');
    const offsetMin = m[8] === 'Z' || m[8] === 'z' ? 0 : (m[8]![0] === '-' ? -1 : 1) * (Number(m[8]!.slice(1, 3)) * 60 + Number(m[8]!.slice(4, 6)));
    const ms = utcMs(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) - offsetMin * 60000 + Number(frac.slice(0, 3));
    return new GoTime(ms, Number(frac.slice(3)), offsetMin === 0 ? 'UTC' : `fixed:${offsetMin}`);
  }

  private zone(): Zone {
    if (this.location.startsWith('fixed:')) {
      const off = Number(this.location.slice(6));
      return { name: formatOffset(off, false, false), offsetMin: off };
    }
    return zoneFor(this.location, this.ms);
  }

  /** Wall-clock fields in this time's zone. */
  private wall(): Date { return new Date(this.ms + this.zone().offsetMin * 60000); }

  IsZero(): boolean { return this.ms === ZERO_MS && this.nsRem === 0; }
  Unix(): number { return Math.floor(this.ms / 1000); }
  UnixMilli(): number { return this.ms; }
  UnixNano(): number { return this.ms * 1e6 + this.nsRem; }
  UTC(): GoTime { return new GoTime(this.ms, this.nsRem, 'UTC'); }
  Local(): GoTime { return new GoTime(this.ms, this.nsRem, process.env.TZ ?? 'UTC'); }
  In(location: string): GoTime { return new GoTime(this.ms, this.nsRem, location); }
  Add(d: GoDuration): GoTime { return new GoTime(this.ms + Math.trunc(d.ns / 1e6), this.nsRem + (d.ns % 1e6)); }
  Sub(t: GoTime): GoDuration { return new GoDuration((this.ms - t.ms) * 1e6 + (this.nsRem - t.nsRem)); }
  Before(t: GoTime): boolean { return this.UnixNano() < t.UnixNano(); }
  After(t: GoTime): boolean { return this.UnixNano() > t.UnixNano(); }
  Equal(t: GoTime): boolean { return this.ms === t.ms && this.nsRem === t.nsRem; }
  Year(): number { return this.wall().getUTCFullYear(); }
  Day(): number { return this.wall().getUTCDate(); }
  Hour(): number { return this.wall().getUTCHours(); }
  Minute(): number { return this.wall().getUTCMinutes(); }
  Second(): number { return this.wall().getUTCSeconds(); }
  Month(): string { return MONTHS[this.wall().getUTCMonth()]!; }
  Weekday(): string { return DAYS[this.wall().getUTCDay()]!; }

  /** Go's default rendering: `2006-01-02 15:04:05.999999999 -0700 MST`. */
  String(): string { return this.Format('2006-01-02 15:04:05.999999999 -0700 MST'); }

  /** time.Format with Go's reference-time layout. */
  Format(layout: string): string {
    const z = this.zone();
    const w = this.wall();
    const Y = w.getUTCFullYear();
    const Mo = w.getUTCMonth();
    const D = w.getUTCDate();
    const h = w.getUTCHours();
    const mi = w.getUTCMinutes();
    const s = w.getUTCSeconds();
    const nanos = (((this.ms % 1000) + 1000) % 1000) * 1e6 + this.nsRem;
    const p2 = (n: number): string => String(n).padStart(2, '0');
    const tokens: Array<[RegExp, () => string]> = [
      [/^January/, () => MONTHS[Mo]!], [/^Jan/, () => MONTHS[Mo]!.slice(0, 3)],
      [/^Monday/, () => DAYS[w.getUTCDay()]!], [/^Mon/, () => DAYS[w.getUTCDay()]!.slice(0, 3)],
      [/^MST/, () => z.name],
      [/^2006/, () => String(Y).padStart(4, '0')], [/^06/, () => p2(Y % 100)],
      [/^01/, () => p2(Mo + 1)], [/^02/, () => p2(D)], [/^_2/, () => String(D).padStart(2, ' ')],
      [/^002/, () => String(dayOfYear(w)).padStart(3, '0')],
      [/^15/, () => p2(h)], [/^03/, () => p2(h % 12 === 0 ? 12 : h % 12)], [/^04/, () => p2(mi)], [/^05/, () => p2(s)],
      [/^Z07:00/, () => (z.offsetMin === 0 ? 'Z' : formatOffset(z.offsetMin, true, false))],
      [/^Z0700/, () => (z.offsetMin === 0 ? 'Z' : formatOffset(z.offsetMin, false, false))],
      [/^Z07/, () => (z.offsetMin === 0 ? 'Z' : formatOffset(z.offsetMin, false, true))],
      [/^-07:00/, () => formatOffset(z.offsetMin, true, false)], [/^-0700/, () => formatOffset(z.offsetMin, false, false)],
      [/^-07/, () => formatOffset(z.offsetMin, false, true)],
      [/^PM/, () => (h >= 12 ? 'PM' : 'AM')], [/^pm/, () => (h >= 12 ? 'pm' : 'am')],
      [/^[.,]0+(?!\d)/, () => ''], [/^[.,]9+(?!\d)/, () => ''],
      [/^1(?!\d)/, () => String(Mo + 1)], [/^2(?!\d)/, () => String(D)], [/^3(?!\d)/, () => String(h % 12 === 0 ? 12 : h % 12)],
      [/^4(?!\d)/, () => String(mi)], [/^5(?!\d)/, () => String(s)],
    ];
    let out = '';
    let i = 0;
    outer: while (i < layout.length) {
      const rest = layout.slice(i);
      for (const [re, fn] of tokens) {
        const m = re.exec(rest);
        if (!m) continue;
        if (/^[.,][09]/.test(m[0])) {
          const digits = m[0].length - 1;
          let frac = String(nanos).padStart(9, '0').slice(0, digits);
          if (m[0][1] === '9') frac = frac.replace(/0+$/, '');
          out += frac.length > 0 ? m[0][0] + frac : '';
        } else out += fn();
        i += m[0].length;
        continue outer;
      }
      out += layout[i];
      i++;
    }
    return out;
  }
}

function dayOfYear(w: Date): number {
  return Math.floor((w.getTime() - Date.UTC(w.getUTCFullYear(), 0, 1)) / 86400000) + 1;
}

/** Go's zero time, 0001-01-01T00:00:00Z (a firing alert's EndsAt). */
export const ZERO_MS = utcMs(1, 0, 1, 0, 0, 0);
export const ZERO_TIME = new GoTime(ZERO_MS);

/** Date.UTC without its 0-99 → 1900-1999 year mapping. */
function utcMs(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const dt = new Date(Date.UTC(2000, mo, d, h, mi, s));
  dt.setUTCFullYear(y);
  return dt.getTime();
}
