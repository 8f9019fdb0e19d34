import type { Labels } from '../../schemas/labels.js';
import { GroupingKeyError } from './errors.js';

/** The suffix that marks a URL label (or `job`) whose value is URL-safe base64. */
export const BASE64_SUFFIX = '@base64';

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const BASE64URL_RE = /^[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder();

/**
 * Parses the grouping key from the part of a push URL after `/metrics/job` (for example
 * `/myjob/instance/host1` or `@base64/bXlqb2I=/a@base64/=`), as the Pushgateway does: the path
 * is percent-decoded first (so `%2F` splits segments), label names must be valid and not
 * reserved, `@base64` values are URL-safe base64 with optional `=` padding, and `job` from the
 * path always wins over a `job` label in the label part.
 */
export function parseGroupingKey(rest: string): Labels {
  let path: string;
  try {
    path = decodeURIComponent(rest);
  } catch (cause) {
    throw new GroupingKeyError(`invalid URL escape in ${JSON.stringify(rest)}`, {}, { cause });
  }
  let jobBase64 = false;
  if (path.startsWith(BASE64_SUFFIX + '/')) {
    jobBase64 = true;
    path = path.slice(BASE64_SUFFIX.length);
  }
  if (!path.startsWith('/')) throw new GroupingKeyError('job name is required');
  const slash = path.indexOf('/', 1);
  let job = slash < 0 ? path.slice(1) : path.slice(1, slash);
  const labelsString = slash < 0 ? '' : path.slice(slash);
  if (jobBase64) {
    const raw = job;
    job = decodeBase64(raw, () => `invalid base64 encoding in job name ${JSON.stringify(raw)}`);
  }
  const labels = splitLabels(labelsString);
  if (job === '') throw new GroupingKeyError('job name is required', { label: 'job' });
  labels.job = job;
  return labels;
}

function splitLabels(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (s.length <= 1) return out;
  const parts = s.slice(1).split('/');
  if (parts.length % 2 !== 0) throw new GroupingKeyError(`odd number of components in label string ${JSON.stringify(s)}`);
  for (let i = 0; i < parts.length; i += 2) {
    const name = parts[i];
    const value = parts[i + 1];
    const trimmed = name.endsWith(BASE64_SUFFIX) ? name.slice(0, -BASE64_SUFFIX.length) : name;
    if (!LABEL_NAME_RE.test(trimmed) || trimmed.startsWith('__')) {
      throw new GroupingKeyError(`improper label name ${JSON.stringify(trimmed)}`, { label: trimmed });
    }
    out[trimmed] =
      trimmed === name ? value : decodeBase64(value, () => `invalid base64 encoding for label ${trimmed}=${JSON.stringify(value)}`, trimmed);
  }
  return out;
}

/** URL-safe base64, trailing `=` ignored (Go's RawURLEncoding after TrimRight). */
export function decodeBase64(s: string, what: () => string, label?: string): string {
  const body = s.replace(/=+$/, '');
  let bad = -1;
  if (!BASE64URL_RE.test(body)) bad = body.search(/[^A-Za-z0-9_-]/);
  else if (body.length % 4 === 1) bad = body.length - 1;
  if (bad >= 0) throw new GroupingKeyError(`${what()}: illegal base64 data at input byte ${bad}`, label ? { label } : {});
  return utf8.decode(Buffer.from(body, 'base64url'));
}

/** The inverse, for clients and tests: `name@base64/value` path segments. */
export function encodeBase64Segment(value: string): string {
  return value === '' ? '=' : Buffer.from(value, 'utf8').toString('base64url');
}
