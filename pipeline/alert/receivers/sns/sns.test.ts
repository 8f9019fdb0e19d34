// AWS cannot be reached from here: a local node:http server (ApiSink) plays the SNS endpoint. The
// request format is also compared with the real Alertmanager 0.25 (and its signature verified
// independently) in test/integration/alert/receivers-side-by-side.test.ts.
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { ApiSink } from '../../../../test/integration/alert/api-sink.js';
import { buildNotification, type Notification } from '../notification.js';
import { alertmanagerRenderer } from '../template-renderer.js';
import { awsRegion, baseCredentials } from './aws-credentials.js';
import { formEncode, signV4 } from './sigv4.js';
import { SnsReceiver } from './sns-receiver.js';
import { temporaryDirectory } from '../../../../test/harness/temporary-directory.js';

let sink: ApiSink;
beforeAll(async () => { sink = await ApiSink.start(); });
afterAll(async () => { await sink.close(); });
beforeEach(() => { sink.requests.length = 0; sink.answer = () => ({ status: 200, body: '<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult></PublishResponse>' }); });

const templates = alertmanagerRenderer();
const NOW = Date.UTC(2026, 7, 1, 10, 0, 0);
const signal = new AbortController().signal;
const GROUP_KEY = '{}:{alertname="DiskFull"}';

function notification(summary = 'disk full'): Notification {
  return buildNotification({
    receiver: 'aws', groupKey: GROUP_KEY, groupLabels: { alertname: 'DiskFull' }, externalURL: 'http://am.example',
    notificationReason: 'first notification', routeLabels: {}, timestamp: NOW,
    alerts: [{ status: 'firing', labels: { alertname: 'DiskFull', instance: 'db1' }, annotations: { summary }, startsAt: NOW - 60_000, endsAt: 0, generatorURL: 'http://prom', fingerprint: 'aaaaaaaaaaaaaaaa' }],
  });
}

const creds = { region: 'eu-west-1', access_key: 'AKIDEXAMPLE', secret_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

describe('Signature Version 4', () => {
  it('reproduces the signature of the example request in AWS\'s documentation', () => {
    // "Signature Version 4 signing process" example: IAM ListUsers, 2015-08-30T12:36:00Z.
    const headers = signV4({
      method: 'GET', url: new URL('https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08'),
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: Buffer.alloc(0),
      region: 'us-east-1', service: 'iam', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
      now: Date.UTC(2015, 7, 30, 12, 36, 0),
    });
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
    expect(headers.authorization).toBe('AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7');
  });

  it('signs the session token of temporary credentials', () => {
    const h = signV4({ method: 'POST', url: new URL('https://sns.eu-west-1.amazonaws.com/'), headers: {}, body: Buffer.from('x'), region: 'eu-west-1', service: 'sns', credentials: { accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'TOKEN' }, now: NOW });
    expect(h['x-amz-security-token']).toBe('TOKEN');
    expect(h.authorization).toContain('SignedHeaders=host;x-amz-date;x-amz-security-token,');
  });

  it('form-encodes as Go\'s url.Values does: sorted keys, + for spaces, * and ~ as Go escapes them', () => {
    expect(formEncode({ b: 'x y*~', a: 'é&=' })).toBe('a=%C3%A9%26%3D&b=x+y%2A~');
  });
});

describe('AWS credentials and region', () => {
  it('takes static keys first, then the environment, then the profile in the shared credentials file', async () => {
    const dir = temporaryDirectory('tidemark-aws-');
    const file = join(dir, 'credentials');
    await writeFile(file, '[default]\naws_access_key_id = D\naws_secret_access_key = DS\n\n[ops]\naws_access_key_id=O\naws_secret_access_key=OS\naws_session_token=OT\n');
    expect(baseCredentials({ access_key: 'K', secret_key: 'S' }, {})).toEqual({ accessKeyId: 'K', secretAccessKey: 'S' });
    expect(baseCredentials({}, { AWS_ACCESS_KEY_ID: 'E', AWS_SECRET_ACCESS_KEY: 'ES' })).toEqual({ accessKeyId: 'E', secretAccessKey: 'ES' });
    expect(baseCredentials({ profile: 'ops' }, { AWS_SHARED_CREDENTIALS_FILE: file, AWS_ACCESS_KEY_ID: 'E', AWS_SECRET_ACCESS_KEY: 'ES' })).toEqual({ accessKeyId: 'O', secretAccessKey: 'OS', sessionToken: 'OT' });
    expect(baseCredentials({}, { AWS_SHARED_CREDENTIALS_FILE: file })).toEqual({ accessKeyId: 'D', secretAccessKey: 'DS' });
    expect(() => baseCredentials({ profile: 'nope' }, { AWS_SHARED_CREDENTIALS_FILE: file })).toThrow('no AWS credentials for profile "nope"');
    expect([awsRegion({ region: 'r1' }, {}), awsRegion({}, { AWS_REGION: 'r2' })]).toEqual(['r1', 'r2']);
    expect(() => awsRegion({}, {})).toThrow('region not configured');
  });
});

describe('SNS', () => {
  it('publishes to a FIFO topic with the group hash as deduplication and group id, templated attributes and subject', async () => {
    const r = new SnsReceiver({ api_url: `${sink.url}/sns`, sigv4: creds, topic_arn: 'arn:aws:sns:eu-west-1:1:alerts.fifo', attributes: { '{{ .CommonLabels.instance }}': 'v-{{ .Status }}', a: 'b' }, subject: 'S {{ .Status }}', message: 'M' }, templates, () => NOW);
    expect(await r.send(notification(), signal)).toEqual({ ok: true });
    const req = sink.requests[0]!;
    const hash = createHash('sha256').update(GROUP_KEY).digest('hex');
    expect(req.url).toBe('/sns/');
    expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual({
      Action: 'Publish', Version: '2010-03-31', TopicArn: 'arn:aws:sns:eu-west-1:1:alerts.fifo', MessageDeduplicationId: hash, MessageGroupId: hash, Message: 'M', Subject: 'S firing',
      'MessageAttributes.entry.1.Name': 'a', 'MessageAttributes.entry.1.Value.DataType': 'String', 'MessageAttributes.entry.1.Value.StringValue': 'b',
      'MessageAttributes.entry.2.Name': 'db1', 'MessageAttributes.entry.2.Value.DataType': 'String', 'MessageAttributes.entry.2.Value.StringValue': 'v-firing',
    });
    expect(req.headers['x-amz-date']).toBe('20260801T100000Z');
  });

  it('cuts an SMS to 1600 bytes and marks it truncated', async () => {
    const r = new SnsReceiver({ api_url: `${sink.url}/sns/`, sigv4: creds, phone_number: '+15555550100', message: '{{ .CommonAnnotations.summary }}' }, templates, () => NOW);
    await r.send(notification('x'.repeat(5000)), signal);
    const p = new URLSearchParams(sink.requests[0]!.body);
    expect(p.get('Message')).toHaveLength(1600);
    expect([p.get('PhoneNumber'), p.get('MessageAttributes.entry.1.Name'), p.get('MessageAttributes.entry.1.Value.StringValue')]).toEqual(['+15555550100', 'truncated', 'true']);
  });

  it('reports the AWS error code, retrying 5xx only', async () => {
    const r = new SnsReceiver({ api_url: `${sink.url}/sns`, sigv4: creds, topic_arn: 'arn:aws:sns:eu-west-1:1:t' }, templates, () => NOW);
    sink.answer = () => ({ status: 400, body: '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameter</Code><Message>Invalid parameter: TopicArn</Message></Error></ErrorResponse>' });
    const bad = await r.send(notification(), signal);
    expect(bad).toMatchObject({ ok: false, retryable: false });
    expect(bad.ok ? '' : bad.error.message).toBe('sns: InvalidParameter: Invalid parameter: TopicArn (status 400)');
    sink.answer = () => ({ status: 503, body: '<ErrorResponse><Error><Code>ServiceUnavailable</Code><Message>try later</Message></Error></ErrorResponse>' });
    expect(await r.send(notification(), signal)).toMatchObject({ ok: false, retryable: true });
  });
});

describe('SNS with role_arn', () => {
  it('assumes the role through STS once, signs with the temporary credentials and their session token', async () => {
    const expiration = new Date(NOW + 3_600_000).toISOString();
    sink.answer = (r) => (r.url.startsWith('/sts')
      ? { status: 200, body: `<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIATEMP</AccessKeyId><SecretAccessKey>tempsecret</SecretAccessKey><SessionToken>sess&amp;token</SessionToken><Expiration>${expiration}</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>` }
      : { status: 200, body: '<PublishResponse/>' });
    const r = new SnsReceiver({ api_url: `${sink.url}/sns`, sigv4: { ...creds, role_arn: 'arn:aws:iam::1:role/notify' }, topic_arn: 'arn:aws:sns:eu-west-1:1:t' }, templates, () => NOW, { AWS_ENDPOINT_URL_STS: `${sink.url}/sts` });
    expect(await r.send(notification(), signal)).toEqual({ ok: true });
    expect(await r.send(notification(), signal)).toEqual({ ok: true });
    expect(sink.requests.map((q) => q.url)).toEqual(['/sts/', '/sns/', '/sns/']);
    const [sts, sns] = sink.requests;
    const p = new URLSearchParams(sts!.body);
    expect([p.get('Action'), p.get('RoleArn'), p.get('Version')]).toEqual(['AssumeRole', 'arn:aws:iam::1:role/notify', '2011-06-15']);
    expect(sts!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20260801\/eu-west-1\/sts\/aws4_request, /);
    expect(sns!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=ASIATEMP\/20260801\/eu-west-1\/sns\/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token, /);
    expect(sns!.headers['x-amz-security-token']).toBe('sess&token');
  });

  it('retries when STS refuses, without publishing', async () => {
    sink.answer = () => ({ status: 403, body: '<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>' });
    const r = new SnsReceiver({ api_url: `${sink.url}/sns`, sigv4: { ...creds, role_arn: 'arn:aws:iam::1:role/notify' }, topic_arn: 't' }, templates, () => NOW, { AWS_ENDPOINT_URL_STS: `${sink.url}/sts` });
    expect(await r.send(notification(), signal)).toMatchObject({ ok: false, retryable: true });
    expect(sink.requests.map((q) => q.url)).toEqual(['/sts/']);
  });
});
