import kafkajs from 'kafkajs';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { pinoLogCreator } from './pino-log-creator.js';

const { logLevel } = kafkajs;

function capture(): { log: (namespace: string, level: number, message: string, fields?: object) => void; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  });
  const entry = pinoLogCreator(pino({ level: 'debug' }, stream))(logLevel.DEBUG);
  return {
    lines,
    log: (namespace, level, message, fields = {}) =>
      entry({ namespace, level, label: 'ERROR', log: { timestamp: new Date().toISOString(), message, ...fields } }),
  };
}

describe('kafkajs logs in pino', () => {
  it('logs the refused requests every rebalance brings at info, not error', () => {
    const { log, lines } = capture();
    log('Connection', logLevel.ERROR, 'Response Heartbeat(key: 12, version: 3)', { error: 'The group is rebalancing, so a rejoin is needed' });
    log('Connection', logLevel.ERROR, 'Response OffsetCommit(key: 8, version: 5)', { error: 'The coordinator is not aware of this member' });
    log('Runner', logLevel.ERROR, 'The coordinator is not aware of this member, re-joining the group');
    expect(lines.map((l) => l.level)).toEqual([30, 30, 30]);
  });

  it('keeps real failures at error, and refused group requests and a member kafkajs gave up on at warn (the consumer rejoins)', () => {
    const { log, lines } = capture();
    log('Connection', logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    log('Connection', logLevel.ERROR, 'Response SyncGroup(key: 14, version: 3)', { error: 'This most likely occurs because of a request being malformed' });
    log('Consumer', logLevel.ERROR, 'Crash: KafkaJSProtocolError: This most likely occurs because of a request being malformed');
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [50, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092'],
      [40, 'Response SyncGroup(key: 14, version: 3)'],
      [40, 'Crash: KafkaJSProtocolError: This most likely occurs because of a request being malformed'],
    ]);
  });
});
