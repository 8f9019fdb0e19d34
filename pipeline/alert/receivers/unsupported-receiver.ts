import { ReceiverError } from './errors.js';
import type { Receiver, SendResult } from './receiver.js';

/** An integration Alertmanager has but Tidemark does not deliver: every send fails permanently, so it is recorded, never silently skipped. */
export class UnsupportedReceiver implements Receiver {
  constructor(readonly kind: string, readonly sendResolved: boolean) {}

  async send(): Promise<SendResult> {
    return { ok: false, retryable: false, error: new ReceiverError(`${this.kind} notifications are not supported by Tidemark`, { code: 'unsupported', retryable: false, integration: this.kind }) };
  }
}
