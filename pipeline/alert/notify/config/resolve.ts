import { join, isAbsolute } from 'node:path';

import type { TimeInterval } from '../time-intervals.js';
import { GLOBAL_DEFAULTS, type GlobalConfigInput } from './global-config.js';
import { defaultHttpConfig, withHttpDefaults, type HttpConfig } from './http-config.js';
import type { InhibitRuleConfig } from './inhibit-config.js';
import type { ReceiverInput } from './receivers.js';
import type { RouteConfig } from './route-config.js';
import type { AlertmanagerFile } from './schema.js';

type Defaults = typeof GLOBAL_DEFAULTS;
/** `global:` with Alertmanager's defaults filled in. */
export type GlobalConfig = Omit<GlobalConfigInput, keyof Defaults | 'http_config'> & { -readonly [K in keyof Defaults]: Defaults[K] extends number ? number : Defaults[K] extends boolean ? boolean : string } & { http_config: HttpConfig };

/** A loaded, validated `alertmanager.yml` with global defaults pushed into every integration. */
export interface AlertmanagerConfig {
  readonly global: GlobalConfig;
  readonly route: RouteConfig;
  readonly inhibitRules: readonly InhibitRuleConfig[];
  readonly receivers: readonly ReceiverInput[];
  readonly templates: readonly string[];
  /** Named time intervals from `time_intervals` and the deprecated `mute_time_intervals`. */
  readonly timeIntervals: ReadonlyMap<string, readonly TimeInterval[]>;
  readonly tracing?: AlertmanagerFile['tracing'];
  /** The YAML text the config came from. */
  readonly original: string;
}

export interface ResolveProblem {
  readonly message: string;
  readonly path: (string | number)[];
}

const set = (v: unknown) => v !== undefined && v !== null && v !== '';
// Go's cmp.Or: the first non-zero value.
const or = <T>(a: T | undefined, b: T | undefined): T | undefined => (set(a) ? a : b);

/**
 * The cross-field half of Alertmanager's Config.UnmarshalYAML, in its order: global exclusivity
 * checks, then each receiver (filling integration fields from `global`), then the route tree and
 * time-interval references. Mutates copies only; returns the problems found.
 */
export function resolveConfig(file: AlertmanagerFile, original: string, baseDir: string | undefined): { config?: AlertmanagerConfig; problems: ResolveProblem[] } {
  const problems: ResolveProblem[] = [];
  const fail = (message: string, path: (string | number)[]) => problems.push({ message, path });
  const g = file.global ?? {};
  const global = {
    ...GLOBAL_DEFAULTS,
    ...Object.fromEntries(Object.entries(g).filter(([, v]) => v !== undefined)),
    http_config: g.http_config !== undefined ? withHttpDefaults(g.http_config) : defaultHttpConfig(),
  } as GlobalConfig;

  const gp = (k: string) => ['global', k];
  const pair = (a: keyof GlobalConfig, b: keyof GlobalConfig) => {
    if (set(global[a]) && set(global[b])) fail(`at most one of ${a} & ${b} must be configured`, gp(b));
  };
  pair('slack_app_token', 'slack_app_token_file');
  pair('slack_api_url', 'slack_api_url_file');
  if ((set(global.slack_app_token) || set(global.slack_app_token_file)) && (set(global.slack_api_url) || set(global.slack_api_url_file))) {
    // Upstream tolerates the old workaround of pointing slack_api_url at the app URL.
    if ((global.slack_api_url ?? '') !== global.slack_app_url) {
      fail('at most one of slack_app_token/slack_app_token_file & slack_api_url/slack_api_url_file must be configured', gp('slack_app_token'));
    }
  }
  pair('opsgenie_api_key', 'opsgenie_api_key_file');
  pair('victorops_api_key', 'victorops_api_key_file');
  pair('telegram_bot_token', 'telegram_bot_token_file');
  pair('smtp_auth_password', 'smtp_auth_password_file');
  pair('rocketchat_token', 'rocketchat_token_file');
  pair('rocketchat_token_id', 'rocketchat_token_id_file');
  pair('smtp_auth_secret', 'smtp_auth_secret_file');
  pair('wechat_api_secret', 'wechat_api_secret_file');
  pair('mattermost_webhook_url', 'mattermost_webhook_url_file');
  if (problems.length > 0) return { problems };

  const names = new Set<string>();
  const receivers: ReceiverInput[] = [];
  (file.receivers ?? []).forEach((raw, ri) => {
    const rcv = structuredClone(raw) as Record<string, unknown> & ReceiverInput;
    const at = (key: string, j: number) => ['receivers', ri, key, j];
    if (names.has(rcv.name!)) fail(`notification config name "${rcv.name}" is not unique`, ['receivers', ri, 'name']);
    const http = (c: { http_config?: HttpConfig }) => {
      c.http_config = c.http_config !== undefined ? withHttpDefaults(c.http_config) : global.http_config;
    };
    rcv.webhook_configs?.forEach((c) => { http(c); c.send_resolved ??= true; });
    rcv.email_configs?.forEach((c, j) => {
      c.tls_config = or(c.tls_config, global.smtp_tls_config);
      c.smarthost = or(c.smarthost, global.smtp_smarthost);
      if (!set(c.smarthost)) return void fail('no global SMTP smarthost set', at('email_configs', j));
      c.from = or(c.from, global.smtp_from);
      if (!set(c.from)) return void fail('no global SMTP from set', at('email_configs', j));
      c.hello = or(c.hello, global.smtp_hello);
      c.auth_username = or(c.auth_username, global.smtp_auth_username);
      if (!set(c.auth_password) && !set(c.auth_password_file)) {
        c.auth_password = global.smtp_auth_password;
        c.auth_password_file = global.smtp_auth_password_file;
      }
      c.auth_secret = or(c.auth_secret, global.smtp_auth_secret);
      c.auth_secret_file = or(c.auth_secret_file, global.smtp_auth_secret_file);
      c.auth_identity = or(c.auth_identity, global.smtp_auth_identity);
      c.require_tls ??= global.smtp_require_tls;
      c.force_implicit_tls ??= global.smtp_force_implicit_tls;
      c.send_resolved ??= false;
    });
    rcv.slack_configs?.forEach((c, j) => {
      c.app_url = or(c.app_url, global.slack_app_url);
      if (!set(c.app_token) && !set(c.app_token_file) && c.http_config?.authorization === undefined && !set(c.api_url)) {
        c.app_token = global.slack_app_token;
        c.app_token_file = global.slack_app_token_file;
      }
      if (!set(c.api_url) && !set(c.api_url_file)) {
        c.api_url = global.slack_api_url;
        c.api_url_file = global.slack_api_url_file;
      }
      if (!set(c.api_url) && !set(c.api_url_file) && !set(c.app_token) && !set(c.app_token_file)) {
        return void fail('no Slack API URL nor App token set either inline or in a file', at('slack_configs', j));
      }
      // A receiver's own http_config replaces the global one entirely (library defaults apply).
      http(c);
      if (set(c.app_token) || set(c.app_token_file)) {
        if (raw.slack_configs?.[j]?.http_config?.authorization !== undefined) {
          return void fail("http authorization can't be set when using Slack App tokens", at('slack_configs', j));
        }
        c.http_config = { ...c.http_config, authorization: { type: 'Bearer', credentials: c.app_token, credentials_file: c.app_token_file } };
        c.api_url = c.app_url;
      }
      c.send_resolved ??= false;
    });
    rcv.pushover_configs?.forEach((c) => { http(c); c.send_resolved ??= true; });
    rcv.pagerduty_configs?.forEach((c) => { http(c); c.url = or(c.url, global.pagerduty_url); c.send_resolved ??= true; });
    rcv.incidentio_configs?.forEach((c) => { http(c); c.send_resolved ??= true; });
    rcv.opsgenie_configs?.forEach((c, j) => {
      http(c);
      c.api_url = or(c.api_url, global.opsgenie_api_url)!;
      if (!c.api_url.endsWith('/')) c.api_url += '/';
      c.api_key = or(c.api_key, global.opsgenie_api_key);
      c.api_key_file = or(c.api_key_file, global.opsgenie_api_key_file);
      if (!set(c.api_key) && !set(c.api_key_file)) fail('no global OpsGenie API Key set either inline or in a file', at('opsgenie_configs', j));
      c.send_resolved ??= true;
    });
    rcv.wechat_configs?.forEach((c, j) => {
      http(c);
      c.api_url = or(c.api_url, global.wechat_api_url)!;
      if (!set(c.api_secret) && !set(c.api_secret_file)) {
        if (!set(global.wechat_api_secret) && !set(global.wechat_api_secret_file)) {
          return void fail('no global Wechat Api Secret set either inline or in a file', at('wechat_configs', j));
        }
        c.api_secret = global.wechat_api_secret;
        c.api_secret_file = global.wechat_api_secret_file;
      }
      c.corp_id = or(c.corp_id, global.wechat_api_corp_id);
      if (!set(c.corp_id)) return void fail('no global Wechat CorpID set', at('wechat_configs', j));
      if (!c.api_url.endsWith('/')) c.api_url += '/';
      c.message_type ??= 'text';
      c.send_resolved ??= false;
    });
    rcv.victorops_configs?.forEach((c, j) => {
      http(c);
      c.api_url = or(c.api_url, global.victorops_api_url)!;
      if (!c.api_url.endsWith('/')) c.api_url += '/';
      c.api_key = or(c.api_key, global.victorops_api_key);
      c.api_key_file = or(c.api_key_file, global.victorops_api_key_file);
      if (!set(c.api_key) && !set(c.api_key_file)) fail('no global VictorOps API Key set', at('victorops_configs', j));
      c.send_resolved ??= true;
    });
    rcv.sns_configs?.forEach((c) => { http(c); c.send_resolved ??= true; });
    rcv.telegram_configs?.forEach((c, j) => {
      http(c);
      c.api_url = or(c.api_url, global.telegram_api_url);
      if (!set(c.bot_token) && !set(c.bot_token_file)) {
        if (!set(global.telegram_bot_token) && !set(global.telegram_bot_token_file)) {
          return void fail('missing bot_token or bot_token_file on telegram_config', at('telegram_configs', j));
        }
        c.bot_token = global.telegram_bot_token;
        c.bot_token_file = global.telegram_bot_token_file;
      }
      c.parse_mode ??= 'HTML';
      c.send_resolved ??= true;
    });
    rcv.discord_configs?.forEach((c) => { http(c); c.send_resolved ??= true; });
    rcv.webex_configs?.forEach((c) => { http(c); c.api_url = or(c.api_url, global.webex_api_url); c.send_resolved ??= true; });
    rcv.msteams_configs?.forEach((c) => { http(c); c.send_resolved ??= true; });
    rcv.msteamsv2_configs?.forEach((c) => { http(c); c.send_resolved ??= true; });
    rcv.jira_configs?.forEach((c, j) => {
      http(c);
      c.api_url = or(c.api_url, global.jira_api_url);
      if (!set(c.api_url)) fail('no global Jira Cloud URL set', at('jira_configs', j));
      c.send_resolved ??= true;
    });
    rcv.rocketchat_configs?.forEach((c, j) => {
      http(c);
      c.api_url = or(c.api_url, global.rocketchat_api_url);
      c.token_id = or(c.token_id, global.rocketchat_token_id);
      c.token_id_file = or(c.token_id_file, global.rocketchat_token_id_file);
      if (!set(c.token_id) && !set(c.token_id_file)) return void fail('no global Rocketchat TokenID set either inline or in a file', at('rocketchat_configs', j));
      c.token = or(c.token, global.rocketchat_token);
      c.token_file = or(c.token_file, global.rocketchat_token_file);
      if (!set(c.token) && !set(c.token_file)) fail('no global Rocketchat Token set either inline or in a file', at('rocketchat_configs', j));
      c.send_resolved ??= false;
    });
    rcv.mattermost_configs?.forEach((c, j) => {
      http(c);
      if (!set(c.webhook_url) && !set(c.webhook_url_file)) {
        if (!set(global.mattermost_webhook_url) && !set(global.mattermost_webhook_url_file)) {
          return void fail('missing webhook_url or webhook_url_file on mattermost_config', at('mattermost_configs', j));
        }
        c.webhook_url = global.mattermost_webhook_url;
        c.webhook_url_file = global.mattermost_webhook_url_file;
      }
      c.send_resolved ??= true;
    });
    for (const list of [rcv.dingtalk_configs, rcv.wecom_configs, rcv.feishu_configs]) list?.forEach((c) => { http(c); c.send_resolved ??= true; });
    names.add(rcv.name!);
    receivers.push(rcv);
  });

  const route = file.route;
  if (route === undefined) {
    fail('no routes provided', ['route']);
    return { problems };
  }
  if (!set(route.receiver)) fail('root route must specify a default receiver', ['route']);
  if (route.hasMatchers) fail('root route must not have any matchers', ['route']);
  if ((route.muteTimeIntervals?.length ?? 0) > 0) fail('root route must not have any mute time intervals', ['route', 'mute_time_intervals']);
  if ((route.activeTimeIntervals?.length ?? 0) > 0) fail('root route must not have any active time intervals', ['route', 'active_time_intervals']);
  checkReceivers(route, ['route'], names, fail);

  const timeIntervals = new Map<string, readonly TimeInterval[]>();
  (file.mute_time_intervals ?? []).forEach((t, i) => {
    if (timeIntervals.has(t.name)) fail(`mute time interval "${t.name}" is not unique`, ['mute_time_intervals', i, 'name']);
    timeIntervals.set(t.name, t.timeIntervals);
  });
  (file.time_intervals ?? []).forEach((t, i) => {
    if (timeIntervals.has(t.name)) fail(`time interval "${t.name}" is not unique`, ['time_intervals', i, 'name']);
    timeIntervals.set(t.name, t.timeIntervals);
  });
  checkTimeIntervals(route, ['route'], timeIntervals, fail);
  // Load(), after UnmarshalYAML.
  if (route.continue) fail('cannot have continue in root route', ['route', 'continue']);
  if (problems.length > 0) return { problems };

  const templates = (file.templates ?? []).map((t) => (baseDir !== undefined && t !== '' && !isAbsolute(t) ? join(baseDir, t) : t));
  return {
    problems,
    config: { global, route, inhibitRules: file.inhibit_rules ?? [], receivers, templates, timeIntervals, tracing: file.tracing, original },
  };
}

type Fail = (message: string, path: (string | number)[]) => void;

function checkReceivers(r: RouteConfig, path: (string | number)[], names: Set<string>, fail: Fail): void {
  r.routes.forEach((c, i) => checkReceivers(c, [...path, 'routes', i], names, fail));
  if (set(r.receiver) && !names.has(r.receiver!)) fail(`undefined receiver "${r.receiver}" used in route`, [...path, 'receiver']);
}

function checkTimeIntervals(r: RouteConfig, path: (string | number)[], known: Map<string, unknown>, fail: Fail): void {
  r.routes.forEach((c, i) => checkTimeIntervals(c, [...path, 'routes', i], known, fail));
  for (const [key, list] of [['active_time_intervals', r.activeTimeIntervals], ['mute_time_intervals', r.muteTimeIntervals]] as const) {
    (list ?? []).forEach((n, i) => {
      if (!known.has(n)) fail(`undefined time interval "${n}" used in route`, [...path, key, i]);
    });
  }
}
