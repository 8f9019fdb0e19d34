import { createServer, type Server } from 'node:http';
import type { KafkaMock } from './services.js';

export interface ControlServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Test files run in worker processes, but the kafka-mock launcher belongs to the global setup.
 * This tiny HTTP server on 127.0.0.1 lets workers create topics on it:
 * `POST /topics {"name": "t", "partitions": 8}` → 201, or 400 with the launcher's reason.
 */
export function startKafkaMockControl(mock: KafkaMock): Promise<ControlServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/topics') {
      res.writeHead(404).end('POST /topics only\n');
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      let name: unknown;
      let partitions: unknown;
      let rf: unknown;
      try {
        ({ name, partitions, replicationFactor: rf } = JSON.parse(body) as Record<string, unknown>);
      } catch {
        res.writeHead(400).end('body must be JSON {"name", "partitions"}\n');
        return;
      }
      if (typeof name !== 'string' || typeof partitions !== 'number') {
        res.writeHead(400).end('body must be JSON {"name", "partitions"}\n');
        return;
      }
      mock
        .createTopic(name, partitions, typeof rf === 'number' ? rf : undefined)
        .then(() => res.writeHead(201).end())
        .catch((err: Error) => res.writeHead(400).end(`${err.message}\n`));
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
