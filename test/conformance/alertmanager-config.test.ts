import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { checkAlertmanagerConfig, loadAlertmanagerConfigFile, parseAlertmanagerConfig } from '../../pipeline/alert/notify/index.js';
import { conformancePath } from './conformance-dir.js';

const DIR = conformancePath('alertmanager');
const TESTDATA = join(DIR, 'config-testdata');

interface Row { file: string; valid: boolean; exact?: string; contains?: string; note: string }

// Rows of EXPECTED.md: | `file` | valid/INVALID | error / what upstream checks |
function expectedRows(): Row[] {
  const rows: Row[] = [];
  for (const line of readFileSync(join(TESTDATA, 'EXPECTED.md'), 'utf8').split('\n')) {
    const m = /^\| `([^`]+\.yml)` \| (valid|INVALID) \| (.*) \|$/.exec(line);
    if (m === null) continue;
    const note = m[3]!;
    rows.push({
      file: m[1]!,
      valid: m[2] === 'valid',
      exact: /^exact: `(.*)`$/.exec(note)?.[1],
      contains: /^contains: `(.*)`$/.exec(note)?.[1],
      note,
    });
  }
  return rows;
}

const rows = expectedRows();

describe('config-testdata (EXPECTED.md)', () => {
  it('has an expectation for every fixture file', () => {
    const files = readdirSync(TESTDATA).filter((f) => f.endsWith('.yml')).sort();
    expect(files.length).toBe(46);
    expect(rows.map((r) => r.file).sort()).toEqual(files);
  });

  for (const row of rows) {
    const label = row.valid ? 'loads' : `rejects with ${row.exact ?? row.contains ?? 'an unknown-field error'}`;
    it(`${row.file} ${label}`, async () => {
      const { config, errors } = await loadAlertmanagerConfigFile(join(TESTDATA, row.file));
      if (row.valid) {
        expect(errors.map((e) => e.message)).toEqual([]);
        expect(config).toBeDefined();
        return;
      }
      expect(config).toBeUndefined();
      expect(errors.length).toBeGreaterThan(0);
      const first = errors[0]!;
      if (row.exact !== undefined) expect(first.detail).toBe(row.exact);
      else if (row.contains !== undefined) expect(first.message).toContain(row.contains);
      else expect(first.detail).toContain('field teams not found');
      expect(first.line).toBeGreaterThan(0);
    });
  }
});

describe('config-testdata semantics upstream asserts', () => {
  const load = async (f: string) => {
    const { config, errors } = await loadAlertmanagerConfigFile(join(TESTDATA, f));
    expect(errors).toEqual([]);
    return config!;
  };

  it('keeps empty-string global fields empty after loading conf.good.yml', async () => {
    await load('conf.good.yml');
    const c = await load('conf.empty-fields.yml');
    expect(c.global.smtp_hello).toBe('');
    expect(c.global.smtp_auth_username).toBe('');
    expect(c.receivers[0]!.email_configs![0]!.hello).toBe('');
    expect(c.receivers[0]!.email_configs![0]!.auth_password).toBe('');
  });

  it('parses group_by [...] as group-by-all with no label list', async () => {
    const c = await load('conf.group-by-all.yml');
    expect(c.route.groupByAll).toBe(true);
    expect(c.route.groupBy).toBeUndefined();
  });

  it('replaces the global http_config with a receiver own http_config entirely', async () => {
    const c = await load('conf.http-config.good.yml');
    expect(c.global.http_config.follow_redirects).toBe(false);
    const slack = c.receivers[0]!.slack_configs![0]!;
    expect(slack.http_config!.follow_redirects).toBe(true);
    expect(slack.http_config!.proxy_url).toBe('foo');
  });

  it('lets a receiver smtp password override the global password file', async () => {
    const c = await load('conf.smtp-password-global-and-local.yml');
    const e = c.receivers[0]!.email_configs!;
    expect(e[0]!.auth_password_file).toBe('/tmp/globaluserpassword');
    expect(e[1]!.auth_password_file).toBe('/tmp/localuser1password');
    expect(e[2]!.auth_password).toBe('mysecret');
    expect(e[2]!.auth_password_file).toBeUndefined();
    expect(e[3]!.auth_secret).toBe('myprecious');
    expect(e[4]!.auth_secret_file).toBe('/tmp/localuser4secret');
    expect(e[0]!.auth_secret_file).toBe('/tmp/globalusersecret');
  });

  it('fills global defaults into conf.good.yml integrations', async () => {
    const c = await load('conf.good.yml');
    expect(c.global.resolve_timeout).toBe(5 * 60_000);
    expect(c.global.smtp_auth_password).toBe('multiline\nmysecret');
    const pager = c.receivers.find((r) => r.name === 'team-X-pager')!;
    expect(pager.pagerduty_configs![0]!.url).toBe('https://events.pagerduty.com/v2/enqueue');
    expect(pager.email_configs![0]!.smarthost).toBe('localhost:25');
    expect(c.receivers.find((r) => r.name === 'slack-receiver')!.slack_configs![0]!.api_url).toBe('http://mysecret.example.com/');
    expect(c.inhibitRules[0]!.equal).toEqual(['alertname', 'cluster', 'service']);
    expect(c.templates).toEqual(['/etc/alertmanager/template/*.tmpl']);
  });

  it('uses the global slack app token as a bearer token and the app URL as api_url', async () => {
    const c = await load('conf.slack-default-app-token.yml');
    const s = c.receivers[0]!.slack_configs!;
    expect(s[0]!.http_config!.authorization).toEqual({ type: 'Bearer', credentials: 'xoxb-1234-abcdefgh', credentials_file: undefined });
    expect(s[0]!.api_url).toBe('https://slack.com/api/chat.postMessage');
    expect(s[1]!.http_config!.authorization!.credentials).toBe('xoxb-1234-xxxxxx');
    expect(s[2]!.api_url).toBe('http://api.fakeslack.example/');
    expect(s[3]!.http_config!.authorization!.credentials).toBe('xoxb-my-bot-token');
    expect(s[4]!.api_url).toBe('https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX');
  });
});

describe('amtool-testdata and examples', () => {
  const cases: [string, boolean][] = [
    ['amtool-testdata/conf.good.yml', true],
    ['amtool-testdata/conf.bad.yml', false],
    ['amtool-testdata/conf.routing.yml', true],
    ['amtool-testdata/conf.routing-reverted.yml', true],
    ['examples/simple.yml', true],
    ['examples/route_labels.yml', true],
  ];
  for (const [file, ok] of cases) {
    it(`${file} ${ok ? 'passes' : 'fails'} check-config as with amtool`, async () => {
      const res = await checkAlertmanagerConfig(join(DIR, file));
      expect(res.ok).toBe(ok);
      expect(res.lines[0]).toBe(`Checking '${join(DIR, file)}'  ${ok ? 'SUCCESS' : 'FAILED: ' + res.errors[0]!.message}`);
    });
  }

  it('summarises a good file like amtool check-config', async () => {
    const res = await checkAlertmanagerConfig(join(DIR, 'examples/simple.yml'));
    expect(res.lines.slice(1)).toEqual(['Found:', ' - global config', ' - route', ' - 1 inhibit rules', ' - 5 receivers', ' - 1 templates']);
  });

  it('reports the non-mapping document of conf.bad.yml as an unmarshal error on line 1', async () => {
    const res = await checkAlertmanagerConfig(join(DIR, 'amtool-testdata/conf.bad.yml'));
    expect(res.errors[0]!.detail).toContain('cannot unmarshal !!str `BAD`');
    expect(res.errors[0]!.line).toBe(1);
  });

  it('reports a missing file without throwing', async () => {
    const res = await checkAlertmanagerConfig(join(DIR, 'does-not-exist.yml'));
    expect(res.ok).toBe(false);
    expect(res.errors[0]!.message).toContain('ENOENT');
  });

  it('carries route labels and new-style matchers from route_labels.yml', async () => {
    const { config } = await loadAlertmanagerConfigFile(join(DIR, 'examples/route_labels.yml'));
    expect(config!.route.labels!.reason).toBe('{{ .GroupLabels.alertname }}');
    expect(config!.route.routes[1]!.matchers.map(String)).toEqual(['link_a_device=~".+"', 'link_z_device=~".+"']);
  });
});

describe('config errors carry YAML path and line', () => {
  const bad = (text: string) => parseAlertmanagerConfig(text).errors;

  it('names the line of an undefined receiver', () => {
    const e = bad('route:\n  receiver: a\n  routes:\n    - receiver: nope\nreceivers:\n  - name: a\n');
    expect(e[0]!.detail).toBe('undefined receiver "nope" used in route');
    expect(e[0]!.line).toBe(4);
    expect(e[0]!.message).toContain('route.routes[0].receiver');
  });

  it('rejects an unknown key with its line', () => {
    const e = bad('route:\n  receiver: a\n  group_bye: [x]\nreceivers:\n  - name: a\n');
    expect(e[0]!.detail).toBe('field group_bye not found in route');
    expect(e[0]!.line).toBe(3);
  });

  it('rejects a bad duration, a bad matcher and an undefined time interval', () => {
    expect(bad('route:\n  receiver: a\n  group_wait: 5 minutes\nreceivers: [{name: a}]\n')[0]!.detail).toBe('not a valid duration string: "5 minutes"');
    expect(bad('route:\n  receiver: a\n  routes: [{matchers: [\'foo=~"(\']}]\nreceivers: [{name: a}]\n')[0]!.line).toBe(3);
    expect(bad('route:\n  receiver: a\n  routes: [{mute_time_intervals: [nights]}]\nreceivers: [{name: a}]\n')[0]!.detail).toBe('undefined time interval "nights" used in route');
  });

  it('rejects an empty file and a root route with continue or matchers', () => {
    expect(bad('')[0]!.detail).toBe('no route provided in config');
    expect(bad('route: {receiver: a, continue: true}\nreceivers: [{name: a}]\n')[0]!.detail).toBe('cannot have continue in root route');
    expect(bad('route: {receiver: a, matchers: [x="y"]}\nreceivers: [{name: a}]\n')[0]!.detail).toBe('root route must not have any matchers');
    expect(bad('route: {}\nreceivers: [{name: a}]\n')[0]!.detail).toBe('root route must specify a default receiver');
  });

  it('rejects duplicate receivers and zero intervals', () => {
    expect(bad('route: {receiver: a}\nreceivers: [{name: a}, {name: a}]\n')[0]!.detail).toBe('notification config name "a" is not unique');
    expect(bad('route: {receiver: a, repeat_interval: 0s}\nreceivers: [{name: a}]\n')[0]!.detail).toBe('repeat_interval cannot be zero');
    expect(bad("route: {receiver: a, group_by: ['...', x]}\nreceivers: [{name: a}]\n")[0]!.detail).toBe('cannot have wildcard group_by (`...`) and other labels at the same time');
  });

  it('accepts time intervals and reports a bad one at its field', () => {
    const ok = parseAlertmanagerConfig(
      "route: {receiver: a, routes: [{receiver: a, mute_time_intervals: [off], active_time_intervals: [biz]}]}\nreceivers: [{name: a}]\n" +
        "time_intervals:\n  - name: biz\n    time_intervals: [{weekdays: ['monday:friday'], times: [{start_time: '09:00', end_time: '17:00'}], location: Europe/Berlin}]\n" +
        "mute_time_intervals:\n  - name: off\n    time_intervals: [{days_of_month: ['-1'], months: ['december'], years: ['2024:2030']}]\n",
    );
    expect(ok.errors).toEqual([]);
    expect([...ok.config!.timeIntervals.keys()].sort()).toEqual(['biz', 'off']);
    const e = bad("route: {receiver: a}\nreceivers: [{name: a}]\ntime_intervals:\n  - name: x\n    time_intervals: [{weekdays: ['funday']}]\n");
    expect(e[0]!.detail).toBe('funday is not a valid weekday');
    expect(e[0]!.line).toBe(5);
  });

  it('reads scalars as yaml.v2 does: numbers into string fields, yes as a boolean', () => {
    const { config, errors } = parseAlertmanagerConfig('route: {receiver: a, routes: [{receiver: a, match: {test: 2}, continue: yes}]}\nreceivers: [{name: a}]\n');
    expect(errors).toEqual([]);
    expect(config!.route.routes[0]!.continue).toBe(true);
    expect(config!.route.routes[0]!.matchers.map(String)).toEqual(['test="2"']);
  });
});
