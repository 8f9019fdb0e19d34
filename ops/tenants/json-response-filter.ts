import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * `res` as a handler writes to it, with a 2xx JSON answer passed through `filter` before it is
 * sent: for the APIs whose answers list several tenants' objects at once and take no selector
 * to confine them (rules, alerts, metadata). Other answers go out as written.
 */
export function filteredJsonResponse(res: ServerResponse, filter: (body: unknown) => unknown): ServerResponse {
  let status: number | undefined;
  let headers: OutgoingHttpHeaders = {};
  const chunks: Buffer[] = [];
  const finish = (): void => {
    // A handler may set statusCode and end without writeHead.
    const code = status ?? res.statusCode;
    let body = Buffer.concat(chunks);
    if (code >= 200 && code < 300 && body.length > 0) {
      try {
        body = Buffer.from(JSON.stringify(filter(JSON.parse(body.toString('utf8')))), 'utf8');
      } catch {
        // Not JSON after all: the handler's own answer stands.
      }
    }
    for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-length') delete headers[name];
    res.removeHeader('content-length');
    res.writeHead(code, { ...headers, 'content-length': body.length }).end(body);
  };
  const held = new Proxy(res, {
    get(target, prop) {
      switch (prop) {
        case 'writeHead':
          return (code: number, ...rest: unknown[]) => {
            status = code;
            const h = rest.find((r) => typeof r === 'object' && r !== null);
            if (h !== undefined) headers = { ...(h as OutgoingHttpHeaders) };
            return held;
          };
        case 'write':
          return (chunk: string | Uint8Array) => {
            chunks.push(Buffer.from(chunk));
            return true;
          };
        case 'end':
          return (chunk?: string | Uint8Array | (() => void)) => {
            if (chunk !== undefined && typeof chunk !== 'function') chunks.push(Buffer.from(chunk));
            finish();
            return held;
          };
        case 'headersSent':
          return false;
        default: {
          const v: unknown = Reflect.get(target, prop, target);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        }
      }
    },
  });
  return held;
}
