import { describe, expect, it } from 'vitest';

import { parseUserConfig } from './user-config.js';

const AM = 'route:\n  receiver: hook\nreceivers:\n  - name: hook\n    webhook_configs: [{ url: "http://127.0.0.1:1/" }]\n';
const indent = (text: string): string => text.split('\n').map((l) => `  ${l}`).join('\n');

describe('a tenant configuration posted to the configuration API', () => {
  it('reads Mimir\'s template_files and alertmanager_config', () => {
    const r = parseUserConfig(`template_files:\n  a.tmpl: '{{ define "x" }}y{{ end }}'\nalertmanager_config: |\n${indent(AM)}`);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.user.templateFiles).toEqual({ 'a.tmpl': '{{ define "x" }}y{{ end }}' });
    expect(r.config.receivers.map((x) => x.name)).toEqual(['hook']);
  });

  it('refuses a configuration that would read a file of the notifier\'s host, naming the field', () => {
    const withFile = AM.replace('url: "http://127.0.0.1:1/"', 'url: "http://127.0.0.1:1/", http_config: { authorization: { credentials_file: /etc/shadow } }');
    const r = parseUserConfig(`alertmanager_config: |\n${indent(withFile)}`);
    expect(r).toEqual({ ok: false, error: expect.stringContaining('receivers[0].webhook_configs[0].http_config.authorization.credentials_file is not allowed') });
  });

  it('answers what is wrong, and where in alertmanager_config', () => {
    expect(parseUserConfig('alertmanager_config: 7')).toEqual({ ok: false, error: expect.stringContaining('alertmanager_config is empty or not a string') });
    expect(parseUserConfig('alertmanager_confg: x')).toEqual({ ok: false, error: expect.stringContaining('field alertmanager_confg not found') });
    const r = parseUserConfig(`alertmanager_config: |\n${indent(AM.replace('receiver: hook', 'receiver: nobody'))}`);
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/undefined receiver "nobody" used in route \(line 2 of alertmanager_config\)/) });
  });
});
