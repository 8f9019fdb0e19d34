import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { shownConfigYaml } from './shown-config.js';

describe('the configuration as /api/v1/status/config shows it', () => {
  it('hides secret keys at any depth and passwords inside URLs, and keeps everything else', () => {
    const yaml = shownConfigYaml(
      [
        '# a comment',
        'alerting:',
        '  alertmanager_config:',
        '    global: { smtp_auth_password: pw1, smtp_from: a@b.c }',
        '    receivers: [{ name: r, slack_configs: [{ api_url: "https://hooks.example/T0/B0/x" }] }]',
        'redis: { url: "redis://:pw2@r:6379" }',
        'nats: { servers: ["nats://user:pw3@n:4222", "nats://n2:4222"] }',
        'scrape_configs: [{ job_name: j, tls_config: { key: PEM }, basic_auth: { username: u, password: "" } }]',
      ].join('\n'),
    );
    expect(yaml).not.toContain('comment');
    expect(parse(yaml)).toEqual({
      alerting: {
        alertmanager_config: {
          global: { smtp_auth_password: '<secret>', smtp_from: 'a@b.c' },
          receivers: [{ name: 'r', slack_configs: [{ api_url: '<secret>' }] }],
        },
      },
      redis: { url: 'redis://:<secret>@r:6379' },
      nats: { servers: ['nats://user:<secret>@n:4222', 'nats://n2:4222'] },
      scrape_configs: [{ job_name: 'j', tls_config: { key: '<secret>' }, basic_auth: { username: 'u', password: '' } }],
    });
  });

  it('adds the command-line flags that complete the file', () => {
    expect(parse(shownConfigYaml('bus: { type: kafka }\n', { bus: { kafka: { brokers: ['k1:9092'] } }, redis: { url: 'redis://r' } }))).toEqual({
      bus: { type: 'kafka', kafka: { brokers: ['k1:9092'] } },
      redis: { url: 'redis://r' },
    });
    expect(parse(shownConfigYaml(''))).toEqual({});
  });
});
