import kafkajs from 'kafkajs';
import type { logCreator } from 'kafkajs';
import type { Logger } from 'pino';
import { isRebalanceLog } from './errors.js';

const { logLevel } = kafkajs;

/** kafkajs' log line for a refused request of the group protocol. */
const GROUP_REQUEST = /^Response (JoinGroup|SyncGroup|Heartbeat|OffsetCommit|LeaveGroup)\(/;

/** kafkajs' log level matching a pino level, so kafkajs does not even format what pino drops. */
export function kafkajsLevel(level: string): number {
  switch (level) {
    case 'trace':
    case 'debug':
      return logLevel.DEBUG;
    case 'info':
      return logLevel.INFO;
    case 'warn':
      return logLevel.WARN;
    case 'error':
    case 'fatal':
      return logLevel.ERROR;
    default:
      return logLevel.NOTHING;
  }
}

/**
 * Routes kafkajs logs into pino, keeping kafkajs' structured fields. kafkajs logs every refused
 * request at error level, including the ones every rebalance brings (REBALANCE_IN_PROGRESS,
 * UNKNOWN_MEMBER_ID, ...): those are routine and go to info. Other refused group-membership
 * requests, and a member kafkajs gives up on ("Crash"), are warnings: KafkaConsumer rejoins the
 * group and logs an error itself only when it gives up.
 */
export function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _ts, ...fields } = log;
      const obj = { namespace, ...fields };
      if (level === logLevel.ERROR && isRebalanceLog(message, fields.error)) logger.info(obj, message);
      else if (level === logLevel.ERROR && namespace === 'Consumer' && /^(Crash: |Restarting the consumer)/.test(message)) logger.warn(obj, message);
      else if (level === logLevel.ERROR && namespace === 'Connection' && GROUP_REQUEST.test(message)) logger.warn(obj, message);
      else if (level === logLevel.ERROR) logger.error(obj, message);
      else if (level === logLevel.WARN) logger.warn(obj, message);
      else if (level === logLevel.INFO) logger.info(obj, message);
      else logger.debug(obj, message);
    };
}
