import { describe, expect, it } from 'vitest';
import { parseFloatLiteral, parseIntLiteral } from '../../schemas/exposition/float-literal.js';
import { floatAt, intAt, secondsAsMsAt } from './byte-literals.js';

type Reader = (b: Uint8Array, start: number, end: number, out: Float64Array, at: number) => boolean;

/** What `read` makes of a literal inside other bytes, as it sits in a line (undefined: not valid). */
function read(reader: Reader, literal: string): number | undefined {
  const b = Buffer.from(`x ${literal} y`, 'latin1');
  const out = new Float64Array(3).fill(-1);
  const ok = reader(b, 2, 2 + literal.length, out, 1);
  expect(out[0] === -1 && out[2] === -1, 'only out[at] is written').toBe(true);
  return ok ? out[1] : undefined;
}

const floats = [
  '0', '-0', '1', '-1', '42', '3.25', '-2.5', '0.1', '0.000', '00012.50', '.5', '5.', '-.5', '1.', '123456789012345', '1234567890123456',
  '0.000000000000001', '0.0000000000000000000001', '0.00000000000000000000001', '999999999999999.9', '9007199254740993', '1e3', '1E-3',
  '+7', 'NaN', 'nan', 'Inf', '-Inf', '+Infinity', '', '-', '.', '1.2.3', '1-2', '1 2', '0x10', '1_000', '١', 'é',
];

describe('literals read from bytes', () => {
  it('reads every float literal form as parseFloatLiteral reads its text', () => {
    for (const f of floats) expect(read(floatAt, f), f).toStrictEqual(parseFloatLiteral(f, 0, f.length));
  });

  it('reads seeded decimals as parseFloatLiteral does, bit for bit', () => {
    let x = 12345;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const f = `${i % 3 === 0 ? '-' : ''}${x % 100000}.${String(x % 997).padStart(i % 5, '0')}`;
      expect(Object.is(read(floatAt, f), parseFloatLiteral(f, 0, f.length)), f).toBe(true);
    }
  });

  it('reads OpenMetrics timestamps (seconds) as milliseconds and text-format ones as integers', () => {
    expect(read(secondsAsMsAt, '1700000000')).toBe(1700000000000);
    expect(read(secondsAsMsAt, '1700000000.25')).toBe(1700000000250);
    expect(read(secondsAsMsAt, '1.7e9')).toBe(1700000000000);
    expect(read(secondsAsMsAt, '0000000000001700000003')).toBe(1700000003000);
    expect(read(secondsAsMsAt, 'Inf')).toBeUndefined();
    expect(read(secondsAsMsAt, '')).toBeUndefined();
    for (const t of ['1700000000000', '-5', '+5', '9223372036854775807', '99999999999999999999', '1.5', '', 'x']) {
      expect(read(intAt, t), t).toStrictEqual(parseIntLiteral(t, 0, t.length));
    }
  });
});
