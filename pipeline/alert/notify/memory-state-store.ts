import type { NotificationLogEntry } from './dedup.js';
import type { GroupState, NotifyStateStore } from './notify-state-store.js';
import type { Silence } from './silence.js';

/** In-process NotifyStateStore for `tidemark up`; log entries expire after their retention. */
export class MemoryStateStore implements NotifyStateStore {
  private readonly groups = new Map<string, GroupState>();
  private readonly log = new Map<string, { entry: NotificationLogEntry; expiresAt: number }>();
  private readonly silences = new Map<string, Silence>();

  constructor(private readonly now: () => number = Date.now) {}

  async getGroup(groupKey: string): Promise<GroupState | undefined> {
    return this.groups.get(groupKey);
  }

  async setGroup(state: GroupState): Promise<void> {
    this.groups.set(state.groupKey, state);
  }

  async deleteGroup(groupKey: string): Promise<void> {
    this.groups.delete(groupKey);
  }

  async getLog(groupKey: string, integration: string): Promise<NotificationLogEntry | undefined> {
    const k = `${groupKey}\xff${integration}`;
    const hit = this.log.get(k);
    if (hit === undefined) return undefined;
    if (hit.expiresAt <= this.now()) {
      this.log.delete(k);
      return undefined;
    }
    return hit.entry;
  }

  async putLog(groupKey: string, integration: string, entry: NotificationLogEntry, retainMs: number): Promise<void> {
    this.log.set(`${groupKey}\xff${integration}`, { entry, expiresAt: this.now() + retainMs });
  }

  async listSilences(): Promise<readonly Silence[]> {
    return [...this.silences.values()];
  }

  async putSilence(s: Silence): Promise<void> {
    this.silences.set(s.id, s);
  }

  async deleteSilence(id: string): Promise<boolean> {
    return this.silences.delete(id);
  }
}
