import type { Deployment } from './deployment.js';

/** Runs a scenario; when it fails, the error carries the tail of every role's output. */
export async function withRoleLogs(d: Deployment, scenario: (d: Deployment) => Promise<void>): Promise<void> {
  try {
    await scenario(d);
  } catch (err) {
    const logs = d.roles.map((r) => `--- ${r.name} (${r.running ? `pid ${r.pid}` : 'not running'}) ---\n${r.output().slice(-2500)}`).join('\n');
    if (err instanceof Error) {
      err.message += `\n\nrole output (full logs under ${d.dir}/logs until teardown):\n${logs}`;
      throw err;
    }
    throw new Error(`${String(err)}\n${logs}`);
  }
}
