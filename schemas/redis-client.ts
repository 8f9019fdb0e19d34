import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';
import { keepStringMethodsFast } from './exposition/fast-string-methods.js';

const requireCommonJs = createRequire(import.meta.url);
let RedisClass: typeof Redis | undefined;

/**
 * A new ioredis client (the shard registry, the notifier's state, the remote-write HA election,
 * the tenants' shared limits all make theirs here, so every part that talks to Redis shares it).
 * ioredis is loaded at the first client, with `require`: a role without a Redis does not load it,
 * and an ES `import` of it had node scan its CommonJS files for their export names with a lexer
 * that V8 then compiled, about 0.13 CPU-s more than `require` and 0.25 CPU-s of every start of
 * `tidemark up` in all (by hand, each alone, loaded 2-core machine).
 */
export function newRedisClient(url: string, options: RedisOptions): Redis {
  if (RedisClass === undefined) {
    RedisClass = (requireCommonJs('ioredis') as typeof import('ioredis')).Redis;
    // ioredis turns String.prototype into a dictionary as it loads (fast-string-methods.ts).
    keepStringMethodsFast();
  }
  return new RedisClass(url, options);
}
