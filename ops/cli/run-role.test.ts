import { expect, it } from 'vitest';
import { temporaryDirectory } from '../../test/harness/index.js';
import type { Service } from '../server/service.js';
import { startRole } from './run-role.js';

it('tells every service that the role has started a turn after its start, once all have started', async () => {
  const calls: string[] = [];
  const service = (name: string): Service => ({
    name,
    start: async () => void calls.push(`start ${name}`),
    ready: () => true,
    roleStarted: () => void calls.push(`roleStarted ${name}`),
    stop: async () => {},
  });
  const role = await startRole({ name: 'test', build: async () => [service('a'), service('b')] }, { listen: '127.0.0.1:0', data: temporaryDirectory('tidemark-run-role-'), logLevel: 'error' });
  try {
    expect(calls).toEqual(['start a', 'start b']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual(['start a', 'start b', 'roleStarted a', 'roleStarted b']);
  } finally {
    await role.stop();
  }
});
