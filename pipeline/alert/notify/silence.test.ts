import { describe, expect, it } from 'vitest';

import { parseMatchers } from './matcher-parse.js';
import { matcherFromApi, silencedBy, silenceState, validateSilence, type Silence } from './silence.js';

const sil = (id: string, m: string, startsAt: number, endsAt: number): Silence => ({ id, matchers: parseMatchers(m), startsAt, endsAt, createdBy: 't', comment: '' });

describe('silences', () => {
  it('moves from pending to active to expired', () => {
    const s = sil('1', 'a="b"', 100, 200);
    expect(silenceState(s, 50)).toBe('pending');
    expect(silenceState(s, 100)).toBe('active');
    expect(silenceState(s, 200)).toBe('active');
    expect(silenceState(s, 201)).toBe('expired');
  });

  it('mutes alerts matched by all matchers of an active silence', () => {
    const list = [sil('2', 'job="api", env=~"prod|stage"', 0, 1000), sil('1', 'job="api"', 0, 1000), sil('3', 'job="api"', 2000, 3000)];
    expect(silencedBy(list, { job: 'api', env: 'prod' }, 500)).toEqual(['1', '2']);
    expect(silencedBy(list, { job: 'api', env: 'dev' }, 500)).toEqual(['1']);
    expect(silencedBy(list, { job: 'web' }, 500)).toEqual([]);
  });

  it('validates like Alertmanager', () => {
    expect(validateSilence({ matchers: [], startsAt: 1, endsAt: 2 })).toBe('at least one matcher required');
    expect(validateSilence({ matchers: parseMatchers('a=~".*"'), startsAt: 1, endsAt: 2 })).toBe('at least one matcher must not match the empty string');
    expect(validateSilence({ matchers: parseMatchers('a="b"'), startsAt: 5, endsAt: 2 })).toBe('end time must not be before start time');
    expect(validateSilence({ matchers: parseMatchers('a="b"'), startsAt: 1, endsAt: 2 })).toBeUndefined();
  });

  it('converts API matchers with isEqual defaulting to true', () => {
    expect(matcherFromApi({ name: 'a', value: 'b.*', isRegex: true }).toString()).toBe('a=~"b.*"');
    expect(matcherFromApi({ name: 'a', value: 'b', isRegex: false, isEqual: false }).toString()).toBe('a!="b"');
  });
});
