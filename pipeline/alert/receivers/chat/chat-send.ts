import { ReceiverError } from '../errors.js';
import { postJson, type PostOptions } from '../http-post.js';
import type { SendResult } from '../receiver.js';

/** Run the config-dependent rendering; a template error is a permanent failure. */
export async function renderAndPost(
  integration: string,
  build: () => { url: string; body: unknown },
  opts: Omit<PostOptions, 'integration'>,
  signal: AbortSignal,
): Promise<SendResult> {
  let target: { url: string; body: unknown };
  try {
    target = build();
  } catch (err) {
    return { ok: false, retryable: false, error: new ReceiverError(`${integration}: ${(err as Error).message}`, { code: 'template_failed', retryable: false, integration, cause: err }) };
  }
  return postJson(target.url, target.body, { ...opts, integration }, signal);
}

/**
 * Chat robot APIs answer HTTP 200 with an error code in the body. Returns the problem, or
 * undefined for success; `retryableCodes` are the APIs' rate-limit codes.
 */
export function errcodeCheck(codeField: string, msgField: string, retryableCodes: readonly number[] = []) {
  return (body: string): { message: string; retryable: boolean } | undefined => {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return body.trim() === '' ? undefined : { message: `unexpected response: ${body.slice(0, 200)}`, retryable: false };
    }
    const code = parsed[codeField] ?? parsed.StatusCode;
    if (code === undefined || Number(code) === 0) return undefined;
    return { message: `error ${String(code)}: ${String(parsed[msgField] ?? parsed.StatusMessage ?? '')}`, retryable: retryableCodes.includes(Number(code)) };
  };
}
