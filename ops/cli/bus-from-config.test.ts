import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { parseConfig } from '../config/index.js';
import { busFromConfig } from './bus-from-config.js';

// A bare TCP listener stands in for a broker: what matters is the first bytes the client sends.
let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function firstBytesFrom(ssl: boolean): Promise<Buffer> {
  const first = new Promise<Buffer>((resolve) => {
    server = createServer((socket: Socket) => {
      socket.once('data', (d: Buffer) => {
        resolve(d);
        socket.destroy();
      });
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const port = (server!.address() as AddressInfo).port;
  const cfg = parseConfig(`bus:\n  type: kafka\n  kafka:\n    brokers: ['127.0.0.1:${port}']\n    ssl: ${ssl}\n`, 'tidemark.yml');
  const bus = await busFromConfig(cfg, '/nonexistent', pino({ level: 'silent' }));
  // The attempt fails (nothing answers like a broker); only its first bytes matter.
  void bus.ensureTopic('t', 1).catch(() => undefined);
  const bytes = await first;
  await bus.close();
  return bytes;
}

describe('the bus of a configuration', () => {
  it('opens a TLS session with the Kafka brokers when bus.kafka.ssl is set, and speaks plain Kafka otherwise', async () => {
    const tls = await firstBytesFrom(true);
    expect(tls[0]).toBe(0x16); // TLS handshake record
    expect(tls[1]).toBe(0x03);
    const plain = await firstBytesFrom(false);
    // A Kafka request: 4-byte size, then the API key (18, ApiVersions).
    expect(plain.readInt16BE(4)).toBe(18);
  });
});
