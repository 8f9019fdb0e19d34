import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import type { AwsCredentials } from './sigv4.js';

export interface Sigv4Settings {
  readonly region?: string;
  readonly access_key?: string;
  readonly secret_key?: string;
  readonly profile?: string;
  readonly role_arn?: string;
  readonly use_fips_sts_endpoint?: boolean;
}

/** The region: sigv4.region, else AWS_REGION / AWS_DEFAULT_REGION, as the AWS SDK's default chain. */
export function awsRegion(s: Sigv4Settings | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const r = s?.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || '';
  if (r === '') throw new Error('region not configured in sns.sigv4.region or in default credentials chain');
  return r;
}

// One `[section]` of an INI file (the shared credentials file).
function iniSection(text: string, section: string): Record<string, string> | undefined {
  let current: string | undefined;
  let out: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) {
      current = head[1]!.trim();
      if (current === section) out ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (current === section && eq > 0) out![line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/**
 * The base credentials, in the SDK's order: access_key/secret_key from the config, then the
 * environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), then the profile
 * (sigv4.profile, AWS_PROFILE or `default`) of the shared credentials file.
 */
export function baseCredentials(s: Sigv4Settings | undefined, env: NodeJS.ProcessEnv = process.env): AwsCredentials {
  if (s?.access_key) return { accessKeyId: s.access_key, secretAccessKey: s.secret_key ?? '' };
  if (!s?.profile && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
  }
  const file = env.AWS_SHARED_CREDENTIALS_FILE || join(homedir(), '.aws', 'credentials');
  const profile = s?.profile || env.AWS_PROFILE || 'default';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`no AWS credentials: none in the config or environment, and the shared credentials file ${file} cannot be read`, { cause: err });
  }
  const sec = iniSection(text, profile);
  if (sec?.aws_access_key_id === undefined || sec.aws_secret_access_key === undefined) throw new Error(`no AWS credentials for profile "${profile}" in ${file}`);
  return { accessKeyId: sec.aws_access_key_id, secretAccessKey: sec.aws_secret_access_key, ...(sec.aws_session_token ? { sessionToken: sec.aws_session_token } : {}) };
}

/** Pull `<Tag>value</Tag>` out of an AWS Query API XML answer. */
export function xmlValue(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return m?.[1]?.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}
