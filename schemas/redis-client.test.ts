import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

interface Seen {
  readonly loadedOnImport: boolean;
  readonly loadedByClient: boolean;
  readonly isRedis: boolean;
  readonly stringPrototypeFast: boolean;
}

describe('newRedisClient', () => {
  let seen: Seen;

  beforeAll(() => {
    // A process of its own: this one's module cache may hold ioredis already. V8's view of
    // String.prototype needs --allow-natives-syntax.
    const moduleUrl = new URL('./redis-client.ts', import.meta.url).href;
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const cache = require.cache;
      const loaded = () => Object.keys(cache).some((f) => f.includes('/node_modules/ioredis/'));
      const { newRedisClient } = await import(${JSON.stringify(moduleUrl)});
      const loadedOnImport = loaded();
      const redis = newRedisClient('redis://127.0.0.1:1', { lazyConnect: true });
      const seen = { loadedOnImport, loadedByClient: loaded(), isRedis: redis instanceof require('ioredis').Redis, stringPrototypeFast: eval('%HasFastProperties(String.prototype)') };
      redis.disconnect();
      console.log(JSON.stringify(seen));`;
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
    });
    seen = JSON.parse(out) as Seen;
  });

  it('loads ioredis when the first client is made, not when a role imports the module', () => {
    expect(seen.loadedOnImport).toBe(false);
    expect(seen.loadedByClient).toBe(true);
    expect(seen.isRedis).toBe(true);
  });

  it('leaves string methods fast after ioredis has loaded', () => {
    expect(seen.stringPrototypeFast).toBe(true);
  });
});
