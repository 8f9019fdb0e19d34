import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineProtocolError } from './errors.js';
import { parseLine, parsePrecision, timestampToMs } from './line-parser.js';

describe('parseLine', () => {
  it('reads measurement, tags, typed fields and timestamp', () => {
    const p = parseLine('cpu,host=a,region=eu usage=0.5,count=3i,big=18446744073709551615u,up=true,down=F 1700000000000000000', 1);
    expect(p).toEqual({
      measurement: 'cpu',
      tags: [['host', 'a'], ['region', 'eu']],
      fields: [['usage', 0.5], ['count', 3], ['big', 18446744073709551615], ['up', 1], ['down', 0]],
      timestamp: '1700000000000000000',
    });
  });

  it('unescapes commas, spaces and equals signs in names and tag values', () => {
    const p = parseLine('my\\ meas\\,x,ta\\=g=va\\ l\\,ue f\\=ld=1', 1);
    expect(p.measurement).toBe('my meas,x');
    expect(p.tags).toEqual([['ta=g', 'va l,ue']]);
    expect(p.fields).toEqual([['f=ld', 1]]);
    expect(p.timestamp).toBeUndefined();
  });

  it('skips quoted string fields, even with escaped quotes, commas and spaces inside', () => {
    const p = parseLine('log msg="a \\"quoted\\", with spaces",n=2 5', 1);
    expect(p.fields).toEqual([['n', 2]]);
    expect(p.timestamp).toBe('5');
  });

  it.each([
    ['cpu', 1, 4, /missing fields/],
    ['cpu,host a=1', 1, 9, /missing tag value for "host"/],
    ['cpu a=', 1, 7, /missing field value for "a"/],
    ['cpu a=1x', 1, 7, /invalid number "1x"/],
    ['cpu a=1.5i', 1, 7, /invalid integer/],
    ['cpu a=-1u', 1, 7, /invalid unsigned/],
    ['cpu a="open', 1, 7, /unterminated string/],
    ['cpu a=1 12ab', 1, 9, /bad timestamp/],
    [',a=1 f=1', 1, 1, /missing measurement/],
  ])('rejects %j with line and column', (text, line, column, detail) => {
    try {
      parseLine(text, line);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(LineProtocolError);
      expect(err).toMatchObject({ line, column });
      expect((err as Error).message).toMatch(detail);
    }
  });

  it('never throws anything but LineProtocolError, whatever the input (fuzz)', () => {
    const alphabet = fc.constantFrom(...'ab1.-+eiu"\\ ,=tTfF\t0'.split(''));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: alphabet, maxLength: 40 })), (line) => {
        try {
          const p = parseLine(line, 1);
          expect(p.fields.every(([, v]) => typeof v === 'number')).toBe(true);
        } catch (err) {
          if (!(err instanceof LineProtocolError)) throw err;
        }
      }),
      { numRuns: 5000 },
    );
  });
});

describe('timestamps', () => {
  it('converts every precision to milliseconds without losing nanosecond digits', () => {
    expect(timestampToMs('1700000000123456789', 'ns')).toBe(1700000000123);
    expect(timestampToMs('1700000000123456', 'us')).toBe(1700000000123);
    expect(timestampToMs('1700000000123', 'ms')).toBe(1700000000123);
    expect(timestampToMs('1700000000', 's')).toBe(1700000000000);
    expect(timestampToMs('2', 'm')).toBe(120_000);
    expect(timestampToMs('2', 'h')).toBe(7_200_000);
    expect(timestampToMs('-1500000', 'ns')).toBe(-1);
    expect(timestampToMs('99999999999999999999', 's')).toBeUndefined();
  });

  it('knows the precision names of both API versions', () => {
    expect(['n', 'ns', 'u', 'us', 'ms', 's', 'm', 'h'].map(parsePrecision)).toEqual(['ns', 'ns', 'us', 'us', 'ms', 's', 'm', 'h']);
    expect(parsePrecision(null)).toBe('ns');
    expect(parsePrecision('d')).toBeUndefined();
  });
});
