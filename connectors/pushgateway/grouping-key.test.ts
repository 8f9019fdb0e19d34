import { describe, expect, it } from 'vitest';
import { GroupingKeyError } from './errors.js';
import { encodeBase64Segment, parseGroupingKey } from './grouping-key.js';

describe('parseGroupingKey', () => {
  it('reads job and label pairs, the path job winning over a job label', () => {
    expect(parseGroupingKey('/j/instance/h1/job/other')).toEqual({ job: 'j', instance: 'h1' });
    expect(parseGroupingKey('/j/')).toEqual({ job: 'j' });
    expect(parseGroupingKey('/j/a/')).toEqual({ job: 'j', a: '' });
  });

  it('decodes @base64 segments with or without padding, and =-only as the empty value', () => {
    expect(parseGroupingKey(`@base64/${encodeBase64Segment('a/b')}/path@base64/${encodeBase64Segment('/var/tmp')}`)).toEqual({
      job: 'a/b',
      path: '/var/tmp',
    });
    expect(parseGroupingKey('/j/x@base64/cGFk')).toEqual({ job: 'j', x: 'pad' });
    expect(parseGroupingKey('/j/x@base64/cGFk==')).toEqual({ job: 'j', x: 'pad' });
    expect(parseGroupingKey('/j/x@base64/=')).toEqual({ job: 'j', x: '' });
  });

  it('splits percent-decoded paths as Go does, so an encoded slash starts a new segment', () => {
    expect(() => parseGroupingKey('/j%2Fk/a/b')).toThrow('odd number of components in label string "/k/a/b"');
  });

  it('rejects odd label paths, reserved or invalid names and bad base64 with the Pushgateway wording', () => {
    expect(() => parseGroupingKey('/j/odd')).toThrow(GroupingKeyError);
    expect(() => parseGroupingKey('/j/__x/y')).toThrow('improper label name "__x"');
    expect(() => parseGroupingKey('/j/a-b/y')).toThrow('improper label name "a-b"');
    expect(() => parseGroupingKey('/j/a@base64/!!')).toThrow('invalid base64 encoding for label a="!!": illegal base64 data at input byte 0');
    expect(() => parseGroupingKey('@base64/!!!')).toThrow('invalid base64 encoding in job name');
  });
});
