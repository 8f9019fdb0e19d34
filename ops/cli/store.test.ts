import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { advertisedUrl } from './store.js';

describe('the address a store announces', () => {
  it('is the bound listener when it has a concrete host', () => {
    expect(advertisedUrl(undefined, { host: '10.1.2.3', port: 9464 })).toBe('http://10.1.2.3:9464');
    expect(advertisedUrl(undefined, { host: '::1', port: 9464 })).toBe('http://[::1]:9464');
  });

  it('names the host instead of a wildcard listen address', () => {
    expect(advertisedUrl(undefined, { host: '0.0.0.0', port: 9464 })).toBe(`http://${hostname()}:9464`);
    expect(advertisedUrl(undefined, { host: '::', port: 41000 })).toBe(`http://${hostname()}:41000`);
  });

  it('is the advertised address when one is configured, whatever the listener', () => {
    expect(advertisedUrl('store-1.example:9464', { host: '0.0.0.0', port: 9464 })).toBe('http://store-1.example:9464');
  });

  it('is an https URL when the listener serves TLS', () => {
    expect(advertisedUrl(undefined, { host: '10.1.2.3', port: 9464 }, 'https')).toBe('https://10.1.2.3:9464');
    expect(advertisedUrl('store-1.example:9464', undefined, 'https')).toBe('https://store-1.example:9464');
  });

  it('refuses to be computed before the listener is bound (it would announce port 0)', () => {
    expect(() => advertisedUrl(undefined, undefined)).toThrow(/before its HTTP listener was bound/);
  });
});
