import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KafkaBusError, isRetryableKafkaError, kafkaBusError, rebalanceErrorType } from './errors.js';

const { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSProtocolError, KafkaJSNumberOfRetriesExceeded } =
  kafkajs as unknown as Record<string, new (...a: unknown[]) => Error>;

describe('isRetryableKafkaError', () => {
  it('treats connection failures and exhausted retries as retryable', () => {
    expect(isRetryableKafkaError(new KafkaJSConnectionError('connect ECONNREFUSED'))).toBe(true);
    const exhausted = new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('down'), {
      retryCount: 5,
      retryTime: 100,
    });
    expect(isRetryableKafkaError(exhausted)).toBe(true);
  });

  it('follows the retriable flag kafkajs derives from the broker error code', () => {
    expect(isRetryableKafkaError(new KafkaJSProtocolError({ type: 'NOT_LEADER_FOR_PARTITION', code: 6, retriable: true, message: 'x' }))).toBe(true);
    expect(isRetryableKafkaError(new KafkaJSProtocolError({ type: 'INVALID_REQUEST', code: 42, retriable: false, message: 'x' }))).toBe(false);
    expect(isRetryableKafkaError(new KafkaJSNonRetriableError('bad offset'))).toBe(false);
    expect(isRetryableKafkaError(new Error('plain'))).toBe(false);
  });
});

describe('kafkaBusError', () => {
  it('names what failed and where, keeps the cause, and passes bus errors through unchanged', () => {
    const cause = new KafkaJSConnectionError('connect ECONNREFUSED 127.0.0.1:9');
    const err = kafkaBusError(cause, 'produce failed', { code: 'produce_failed', topic: 'samples', partition: 3 });
    expect(err).toBeInstanceOf(KafkaBusError);
    expect(err.message).toBe('produce failed (topic samples, partition 3): connect ECONNREFUSED 127.0.0.1:9');
    expect(err).toMatchObject({ code: 'produce_failed', topic: 'samples', partition: 3, retryable: true });
    expect(err.cause).toBe(cause);
    expect(kafkaBusError(err, 'other', { code: 'closed' })).toBe(err);
  });
});

describe('rebalanceErrorType', () => {
  it('names the group error of a refused commit, also when kafkajs wrapped it', () => {
    const refused = new KafkaJSProtocolError({ type: 'REBALANCE_IN_PROGRESS', code: 27, retriable: false, message: 'The group is rebalancing, so a rejoin is needed' });
    expect(rebalanceErrorType(refused)).toBe('REBALANCE_IN_PROGRESS');
    const unknownMember = new KafkaJSProtocolError({ type: 'UNKNOWN_MEMBER_ID', code: 25, retriable: false, message: 'x' });
    expect(rebalanceErrorType(new KafkaJSNumberOfRetriesExceeded(unknownMember, { retryCount: 5, retryTime: 100 }))).toBe('UNKNOWN_MEMBER_ID');
  });

  it('does not take other failures for a rebalance', () => {
    expect(rebalanceErrorType(new KafkaJSProtocolError({ type: 'INVALID_REQUEST', code: 42, retriable: false, message: 'x' }))).toBeUndefined();
    expect(rebalanceErrorType(new KafkaJSConnectionError('connect ECONNREFUSED'))).toBeUndefined();
  });
});
