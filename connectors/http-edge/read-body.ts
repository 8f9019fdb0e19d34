import type { IncomingMessage } from 'node:http';
import { PayloadTooLargeError } from './errors.js';

/**
 * Reads a request body, refusing (413) as soon as it is known to exceed `limitBytes`: from the
 * Content-Length before reading anything, or while streaming a chunked body. `0` means no limit.
 */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (limitBytes > 0 && Number.isFinite(declared) && declared > limitBytes) {
    req.resume(); // let the socket drain so the answer can be read by the sender
    throw new PayloadTooLargeError(limitBytes, 'body');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (limitBytes > 0 && size > limitBytes) {
      req.resume();
      throw new PayloadTooLargeError(limitBytes, 'body');
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
}
