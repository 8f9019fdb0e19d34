import { runCli } from '../e2e/cli-process.js';

/** The long-running roles a deployment file may start. */
export const ROLES = ['up', 'ingest', 'store', 'query', 'rules', 'notify'] as const;

export interface RoleCommand {
  readonly role: string;
  readonly args: readonly string[];
}

/** Splits `tidemark ROLE ARGS...` (the program already removed) into the role and its flags. */
export function roleCommand(argv: readonly string[]): RoleCommand {
  const [role, ...args] = argv;
  if (role === undefined) throw new Error('empty tidemark command');
  return { role, args };
}

/**
 * Asks the built CLI whether it accepts ARGS for ROLE: it parses every flag strictly before it
 * looks at --help, so `tidemark ROLE ARGS --help` exits 0 only when the role exists and every flag
 * and its value parse, and 2 naming the first one that does not.
 */
export async function cliVerdict(cmd: RoleCommand): Promise<{ accepted: boolean; reason: string }> {
  const r = await runCli([cmd.role, ...cmd.args, '--help']);
  return { accepted: r.code === 0, reason: `exit ${r.code}: ${r.stderr.trim()}` };
}
