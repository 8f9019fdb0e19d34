import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { FileSdConfig } from './config.js';
import type { Discoverer, TargetGroup } from './discovery.js';
import { parseTargetGroups } from './discovery.js';
import { globToRegExp } from './path-glob.js';

/**
 * `file_sd_configs`: JSON or YAML files (globs in the last path element), read at start, again
 * whenever a watched directory changes, and every `refresh_interval` in case a change event was
 * missed (network filesystems, editors that rename). Each target gets `__meta_filepath`. A file
 * that fails to read or parse keeps its last good groups, as Prometheus does.
 */
export class FileDiscoverer implements Discoverer {
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private lastGood = new Map<string, TargetGroup[]>();
  private onUpdate: ((groups: readonly TargetGroup[]) => void) | undefined;
  private stopped = false;
  private refreshing: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly cfg: FileSdConfig,
    private readonly baseDir: string,
    private readonly onError: (err: Error) => void = () => {},
  ) {}

  start(onUpdate: (groups: readonly TargetGroup[]) => void): void {
    this.onUpdate = onUpdate;
    const dirs = new Set(this.cfg.files.map((f) => dirname(resolve(this.baseDir, f))));
    for (const dir of dirs) {
      try {
        const w = watch(dir, () => this.scheduleRefresh());
        w.on('error', (err) => this.onError(err));
        this.watchers.push(w);
      } catch (err) {
        this.onError(err as Error);
      }
    }
    this.timer = setInterval(() => this.refresh(), this.cfg.refresh_interval);
    this.timer.unref?.();
    this.refresh();
  }

  private scheduleRefresh(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.refresh(), 20);
    this.debounce.unref?.();
  }

  /** Re-reads every file now; resolves when the update was delivered. */
  refresh(): Promise<void> {
    if (this.refreshing !== undefined) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = this.doRefresh().finally(() => {
      this.refreshing = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.refreshing;
  }

  private async listFiles(): Promise<string[]> {
    const out = new Set<string>();
    for (const pattern of this.cfg.files) {
      const abs = resolve(this.baseDir, pattern);
      const name = basename(abs);
      if (!/[*?[]/.test(name)) {
        out.add(abs);
        continue;
      }
      const re = globToRegExp(name);
      try {
        for (const entry of await readdir(dirname(abs))) if (re.test(entry)) out.add(join(dirname(abs), entry));
      } catch {
        // A missing directory matches nothing, as a glob does.
      }
    }
    return [...out].sort();
  }

  private async doRefresh(): Promise<void> {
    const files = await this.listFiles();
    const next = new Map<string, TargetGroup[]>();
    for (const file of files) {
      try {
        const text = await readFile(file, 'utf8');
        const doc: unknown = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
        next.set(file, parseTargetGroups(doc, file, { __meta_filepath: file }));
      } catch (err) {
        // A file that vanished between listing and reading is simply gone.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        this.onError(err as Error);
        const prev = this.lastGood.get(file);
        if (prev !== undefined) next.set(file, prev);
      }
    }
    this.lastGood = next;
    if (!this.stopped) this.onUpdate?.([...next.values()].flat());
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.debounce);
    for (const w of this.watchers.splice(0)) w.close();
  }
}
