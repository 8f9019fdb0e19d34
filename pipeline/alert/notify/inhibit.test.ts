import { describe, expect, it } from 'vitest';

import type { InhibitRuleConfig } from './config/inhibit-config.js';
import { findInhibition, isInhibited } from './inhibit.js';
import { parseMatchers } from './matcher-parse.js';

const rule = (src: string, tgt: string, equal: string[]): InhibitRuleConfig => ({
  sourceMatchers: parseMatchers(src),
  targetMatchers: parseMatchers(tgt),
  equal,
});

describe('inhibition', () => {
  const rules = [rule('severity="critical"', 'severity="warning"', ['alertname', 'cluster'])];

  it('mutes a target while a firing source has the same equal labels', () => {
    const src = { alertname: 'Disk', cluster: 'eu', severity: 'critical' };
    expect(isInhibited(rules, { alertname: 'Disk', cluster: 'eu', severity: 'warning' }, [src])).toBe(true);
    expect(isInhibited(rules, { alertname: 'Disk', cluster: 'us', severity: 'warning' }, [src])).toBe(false);
    expect(isInhibited(rules, { alertname: 'Disk', cluster: 'eu', severity: 'warning' }, [])).toBe(false);
  });

  it('treats labels absent on both sides as equal', () => {
    expect(isInhibited(rules, { severity: 'warning' }, [{ severity: 'critical' }])).toBe(true);
  });

  it('does not let an alert matching both sides inhibit itself', () => {
    const both = [rule('team="a"', 'team="a"', [])];
    const a = { team: 'a', x: '1' };
    expect(isInhibited(both, a, [a])).toBe(false);
    const broad = [rule('team=~".+"', 'team="a"', [])];
    expect(findInhibition(broad, a, [a, { team: 'b' }])?.source).toEqual({ team: 'b' });
  });
});
