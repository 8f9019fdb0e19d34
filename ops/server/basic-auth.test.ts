import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { BasicAuthVerifier, parseBasic } from './basic-auth.js';

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** bcryptjs' real comparison, counted. */
function countingCompare() {
  const calls: string[] = [];
  const compare = async (password: string, hash: string) => {
    calls.push(password);
    return bcrypt.compare(password, hash);
  };
  return { calls, compare };
}

// Cost 4 (the minimum) keeps the unit test quick; the cache does not depend on the cost.
const ALICE = bcrypt.hashSync('wonderland', 4);
const BOB = bcrypt.hashSync('builder', 4).replace(/^\$2b\$/, '$2y$');

describe('basic auth against bcrypt hashes', () => {
  it('lets a configured user in with the right password, also with an htpasswd ($2y$) hash', async () => {
    const v = new BasicAuthVerifier(new Map([['alice', ALICE], ['bob', BOB]]));
    expect(await v.check(basic('alice', 'wonderland'))).toBe(true);
    expect(await v.check(basic('bob', 'builder'))).toBe(true);
  });

  it('refuses a wrong password, an unknown user, another user\'s password and a missing or malformed header', async () => {
    const v = new BasicAuthVerifier(new Map([['alice', ALICE], ['bob', BOB]]));
    expect(await v.check(basic('alice', 'wonderlan'))).toBe(false);
    expect(await v.check(basic('carol', 'wonderland'))).toBe(false);
    expect(await v.check(basic('bob', 'wonderland'))).toBe(false);
    expect(await v.check(undefined)).toBe(false);
    expect(await v.check('Bearer abc')).toBe(false);
    expect(await v.check(`Basic ${Buffer.from('no-colon').toString('base64')}`)).toBe(false);
  });

  it('pays bcrypt once for repeated right credentials, and every time for wrong ones', async () => {
    const { calls, compare } = countingCompare();
    const v = new BasicAuthVerifier(new Map([['alice', ALICE]]), compare);
    for (let i = 0; i < 5; i++) expect(await v.check(basic('alice', 'wonderland'))).toBe(true);
    expect(calls).toEqual(['wonderland']);
    for (let i = 0; i < 3; i++) expect(await v.check(basic('alice', 'guess'))).toBe(false);
    expect(calls).toEqual(['wonderland', 'guess', 'guess', 'guess']);
  });

  it('spends a bcrypt comparison on an unknown user too, so timing does not reveal user names', async () => {
    const { calls, compare } = countingCompare();
    const v = new BasicAuthVerifier(new Map([['alice', ALICE]]), compare);
    expect(await v.check(basic('mallory', 'x'))).toBe(false);
    expect(calls).toEqual(['x']);
  });

  it('does not carry a cached success over to a configuration where the hash changed', async () => {
    const { calls, compare } = countingCompare();
    const before = new BasicAuthVerifier(new Map([['alice', ALICE]]), compare);
    expect(await before.check(basic('alice', 'wonderland'))).toBe(true);
    const after = new BasicAuthVerifier(new Map([['alice', bcrypt.hashSync('looking-glass', 4)]]), compare);
    expect(await after.check(basic('alice', 'wonderland'))).toBe(false);
    expect(calls).toEqual(['wonderland', 'wonderland']);
  });

  it('keeps at most its cache size of successes, forgetting the oldest first', async () => {
    const users = new Map(['a', 'b', 'c'].map((u) => [u, bcrypt.hashSync(`pw-${u}`, 4)] as const));
    const { calls, compare } = countingCompare();
    const v = new BasicAuthVerifier(users, compare, 2);
    for (const u of ['a', 'b', 'c']) await v.check(basic(u, `pw-${u}`));
    calls.length = 0;
    await v.check(basic('c', 'pw-c'));
    await v.check(basic('b', 'pw-b'));
    expect(calls).toEqual([]);
    await v.check(basic('a', 'pw-a'));
    expect(calls).toEqual(['pw-a']);
  });

  it('is off when no user is configured', () => {
    expect(new BasicAuthVerifier(new Map()).enabled).toBe(false);
  });

  it('parses a header whose password holds colons', () => {
    expect(parseBasic(basic('u', 'a:b:c'))).toEqual({ user: 'u', password: 'a:b:c' });
  });
});
