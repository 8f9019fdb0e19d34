import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KafkaBusError, isRetryableKafkaError, kafkaBusError } from './errors.js';

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
