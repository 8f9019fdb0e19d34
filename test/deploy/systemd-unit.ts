/** A systemd unit file as sections of key=value lists (a key may repeat; order kept). */
export type Unit = ReadonlyMap<string, ReadonlyArray<readonly [string, string]>>;

export function parseUnit(text: string): Unit {
  const sections = new Map<string, Array<readonly [string, string]>>();
  let current: Array<readonly [string, string]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = [];
      sections.set(header[1], current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current === undefined || eq < 0) throw new Error(`not a unit file line: ${raw}`);
    current.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return sections;
}

/** Every value of KEY in SECTION. */
export function values(unit: Unit, section: string, key: string): string[] {
  return (unit.get(section) ?? []).filter(([k]) => k === key).map(([, v]) => v);
}

/** Reads an environment file as systemd does for the simple cases used here (KEY=value, KEY="value"). */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"]*)"|(.*))$/.exec(line);
    if (!m) throw new Error(`not an environment file line: ${raw}`);
    env[m[1]] = m[2] ?? m[3];
  }
  return env;
}

/**
 * ExecStart as argv after systemd's substitution: `$VAR` splits the value into words, `${VAR}` is
 * one word. Unset variables are an error here, not an empty string, so a typo cannot hide.
 */
export function expandExecStart(line: string, env: Record<string, string>): string[] {
  const words: string[] = [];
  for (const word of line.split(/\s+/).filter((w) => w !== '')) {
    const split = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(word);
    if (split) {
      const v = env[split[1]];
      if (v === undefined) throw new Error(`ExecStart uses $${split[1]}, which the environment file does not set`);
      words.push(...v.split(/\s+/).filter((w) => w !== ''));
      continue;
    }
    words.push(
      word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
        const v = env[name];
        if (v === undefined) throw new Error(`ExecStart uses \${${name}}, which the environment file does not set`);
        return v;
      }),
    );
  }
  return words;
}
