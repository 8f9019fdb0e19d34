import { querierContract } from '../querier.contract.js';
import { Head } from './head.js';

querierContract('head', async (data) => {
  const head = new Head();
  for (const s of data) {
    const ref = head.ref(s.labels);
    for (let i = 0; i < s.timestamps.length; i++) head.appendRef(ref, s.timestamps[i], s.values[i], s.stale.includes(i));
  }
  return { queryable: head, close: async () => {} };
});
