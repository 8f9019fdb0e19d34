import { describeNotifyStateStore } from '../../../pipeline/alert/notify/notify-state-store.contract.js';
import { RedisStateStore } from '../../../pipeline/alert/notify/redis-state-store.js';
import { redisUrl, testNamespace } from '../../harness/index.js';

describeNotifyStateStore('redis', async () => new RedisStateStore({ redis: redisUrl(), prefix: testNamespace('notify-store').redisPrefix }));
