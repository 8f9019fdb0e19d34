import { describe, expect, it } from 'vitest';

import { alertFingerprint } from './fingerprint.js';
import { groupKey, groupLabels } from './group-key.js';
import { parseAlertmanagerConfig } from './config/index.js';
import { buildRouteTree } from './route.js';

describe('alert fingerprint and group key', () => {
  it('matches the upstream fingerprint test vectors', () => {
    expect(alertFingerprint({ job: 'foo', severity: 'warning' })).toBe('9266ef3da838ad95');
    expect(alertFingerprint({ severity: 'critical', job: 'foo' })).toBe('3b15fd163d36582e');
  });

  it('builds group keys from route key and group_by values, omitting absent labels', () => {
    const { config } = parseAlertmanagerConfig(
      "route: {receiver: a, group_by: [alertname, cluster, missing], routes: [{matchers: ['team=\"db\"'], receiver: a}]}\nreceivers: [{name: a}]\n",
    );
    const root = buildRouteTree(config!.route);
    const labels = { alertname: 'DiskFull', cluster: 'eu1', team: 'db', instance: 'x' };
    const [route] = root.match(labels);
    const g = groupLabels(route!, labels);
    expect(g).toEqual({ alertname: 'DiskFull', cluster: 'eu1' });
    expect(groupKey(route!, g)).toBe('{}/{team="db"}:{alertname="DiskFull", cluster="eu1"}');
  });
});
