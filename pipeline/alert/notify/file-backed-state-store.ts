import { join } from 'node:path';
import type { NotificationLogEntry } from './dedup.js';
import type { NotifyLogger } from './group-flush.js';
import { MemoryStateStore } from './memory-state-store.js';
import {
  NFLOG_KIND, SILENCES_KIND, TENANT_CONFIGS_KIND, decodeLog, decodeSilences, decodeTenantConfigs, encodeLog, encodeSilences, encodeTenantConfigs,
} from './saved-state-codec.js';
import type { Silence } from './silence.js';
import { readStateFile, writeStateFile } from './state-file.js';

/** Alertmanager's --data.retention default: how long an ended silence is still kept (and listed as expired). */
export const DEFAULT_SILENCE_RETENTION_MS = 120 * 3_600_000;
/** How often a changed notification log is saved (Alertmanager: every 15 min). */
export const DEFAULT_LOG_SNAPSHOT_MS = 60_000;

export const SILENCES_FILE = 'silences.json';
export const NFLOG_FILE = 'nflog.json';
export const TENANT_CONFIGS_FILE = 'tenant-configs.json';

export interface FileBackedStateStoreSettings {
  /** The directory of the state files (`<data>/notify`); created when missing. */
  readonly dir: string;
  readonly now?: () => number;
  readonly silenceRetentionMs?: number;
  readonly logSnapshotMs?: number;
  /** Where a failed periodic save of the log is reported (the next one retries). */
  readonly logger?: NotifyLogger;
}

/**
 * The in-memory store of one notifier process, made to survive a restart as Alertmanager's
 * `--storage.path` does: silences and tenants' uploaded configurations are saved on every change
 * (before the change is acknowledged), the notification log every `logSnapshotMs` when it changed
 * and at `close`. Alerts and groups are not saved: senders re-send firing alerts, and the log
 * keeps a re-formed group from notifying again.
 */
export class FileBackedStateStore extends MemoryStateStore {
  private readonly silencesFile: string;
  private readonly logFile: string;
  private readonly configsFile: string;
  private readonly retentionMs: number;
  /** Saves of one file run one after the other (they share the temporary file). */
  private readonly queues = new Map<string, Promise<void>>();
  private logChanged = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(private readonly s: FileBackedStateStoreSettings) {
    super(s.now ?? Date.now);
    this.retentionMs = s.silenceRetentionMs ?? DEFAULT_SILENCE_RETENTION_MS;
    this.silencesFile = join(s.dir, SILENCES_FILE);
    this.logFile = join(s.dir, NFLOG_FILE);
    this.configsFile = join(s.dir, TENANT_CONFIGS_FILE);
  }

  /** Load the state files of `dir` (missing ones are empty); a file that cannot be read is an error naming it. */
  static async open(s: FileBackedStateStoreSettings): Promise<FileBackedStateStore> {
    const store = new FileBackedStateStore(s);
    await store.load();
    store.timer = setInterval(() => void store.maintain(), s.logSnapshotMs ?? DEFAULT_LOG_SNAPSHOT_MS);
    store.timer.unref();
    return store;
  }

  private async load(): Promise<void> {
    const now = this.now();
    const [silences, log, configs] = await Promise.all([
      readStateFile(this.silencesFile, SILENCES_KIND),
      readStateFile(this.logFile, NFLOG_KIND),
      readStateFile(this.configsFile, TENANT_CONFIGS_KIND),
    ]);
    if (silences !== undefined) for (const sil of decodeSilences(this.silencesFile, silences, now - this.retentionMs)) await super.putSilence(sil);
    if (log !== undefined) for (const n of decodeLog(this.logFile, log, now)) this.restoreLog(n);
    if (configs !== undefined) for (const [tenant, text] of decodeTenantConfigs(this.configsFile, configs)) await super.putTenantConfig(tenant, text);
  }

  override async putSilence(sil: Silence): Promise<void> {
    await super.putSilence(sil);
    await this.saveSilences();
  }

  override async deleteSilence(id: string): Promise<boolean> {
    const had = await super.deleteSilence(id);
    if (had) await this.saveSilences();
    return had;
  }

  override async putTenantConfig(tenant: string, body: string): Promise<void> {
    await super.putTenantConfig(tenant, body);
    await this.saveTenantConfigs();
  }

  override async deleteTenantConfig(tenant: string): Promise<boolean> {
    const had = await super.deleteTenantConfig(tenant);
    if (had) await this.saveTenantConfigs();
    return had;
  }

  override async putLog(groupKey: string, integration: string, entry: NotificationLogEntry, retainMs: number): Promise<void> {
    await super.putLog(groupKey, integration, entry, retainMs);
    this.logChanged = true;
  }

  /** The periodic work: forget silences past the retention (Alertmanager's GC), save the log if it changed. */
  async maintain(): Promise<void> {
    const keepAfter = this.now() - this.retentionMs;
    let dropped = false;
    for (const sil of await this.listSilences()) if (sil.endsAt < keepAfter) dropped = (await super.deleteSilence(sil.id)) || dropped;
    if (dropped) {
      try {
        await this.saveSilences();
      } catch (err) {
        this.s.logger?.error({ err }, 'saving the silences after dropping those past their retention failed; the next change saves them');
      }
    }
    await this.saveLogIfChanged();
  }

  /** Save the log now when it changed since the last save (also at close). */
  async saveLogIfChanged(): Promise<void> {
    if (!this.logChanged) return;
    this.logChanged = false;
    try {
      await this.serially(this.logFile, () => writeStateFile(this.logFile, NFLOG_KIND, encodeLog(this.loggedNotifications())));
    } catch (err) {
      this.logChanged = true;
      this.s.logger?.error({ err }, 'saving the notification log failed; the next save retries');
    }
  }

  override async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.logChanged = true;
    await this.saveLogIfChanged();
    await Promise.all(this.queues.values());
    await super.close();
  }

  private async saveSilences(): Promise<void> {
    // Silences that ended before the retention are dropped from the file (Alertmanager's GC).
    const keepAfter = this.now() - this.retentionMs;
    const silences = (await this.listSilences()).filter((x) => x.endsAt >= keepAfter);
    await this.serially(this.silencesFile, () => writeStateFile(this.silencesFile, SILENCES_KIND, encodeSilences(silences)));
  }

  private async saveTenantConfigs(): Promise<void> {
    const configs = await this.listTenantConfigs();
    await this.serially(this.configsFile, () => writeStateFile(this.configsFile, TENANT_CONFIGS_KIND, encodeTenantConfigs(configs)));
  }

  /** Run `write` after the saves of `file` already queued; a failed save does not stop the next. */
  private serially(file: string, write: () => Promise<void>): Promise<void> {
    const next = (this.queues.get(file) ?? Promise.resolve()).then(write);
    const settled = next.catch(() => {});
    this.queues.set(file, settled);
    void settled.then(() => {
      if (this.queues.get(file) === settled) this.queues.delete(file);
    });
    return next;
  }
}
