import { createHash, createHmac } from 'node:crypto';

/** AWS credentials: an access key pair, with a session token for temporary credentials. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface SignInput {
  readonly method: string;
  readonly url: URL;
  /** Headers to send and sign, names in any case (host and x-amz-date are added). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly region: string;
  readonly service: string;
  readonly credentials: AwsCredentials;
  /** Signing time (Unix ms). */
  readonly now: number;
}

const sha256Hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

// RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ escaped.
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Signature Version 4 (AWS General Reference, "Create a signed AWS API request"): returns the
 * headers to send, Authorization, X-Amz-Date and (with temporary credentials)
 * X-Amz-Security-Token included. Every given header is signed.
 */
export function signV4(i: SignInput): Record<string, string> {
  const amzDate = new Date(i.now).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(i.headers)) headers[k.toLowerCase()] = v;
  headers.host = i.url.host;
  headers['x-amz-date'] = amzDate;
  if (i.credentials.sessionToken !== undefined && i.credentials.sessionToken !== '') headers['x-amz-security-token'] = i.credentials.sessionToken;
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((n) => `${n}:${headers[n]!.trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const path = i.url.pathname === '' ? '/' : i.url.pathname.split('/').map((seg) => uriEncode(decodeURIComponent(seg))).join('/');
  const query = [...i.url.searchParams.entries()]
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalRequest = [i.method, path, query, canonicalHeaders, signedHeaders, sha256Hex(i.body)].join('\n');
  const scope = `${date}/${i.region}/${i.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const kSigning = hmac(hmac(hmac(hmac(`AWS4${i.credentials.secretAccessKey}`, date), i.region), i.service), 'aws4_request');
  const signature = createHmac('sha256', kSigning).update(stringToSign).digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${i.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}

/** Go's url.QueryEscape (space as `+`, only A-Z a-z 0-9 - _ . ~ left as they are), for AWS Query bodies. */
export function goQueryEscape(s: string): string {
  return uriEncode(s).replace(/%20/g, '+');
}

/** url.Values.Encode: keys sorted, each pair escaped. */
export function formEncode(values: Readonly<Record<string, string>>): string {
  return Object.keys(values).sort().map((k) => `${goQueryEscape(k)}=${goQueryEscape(values[k]!)}`).join('&');
}
