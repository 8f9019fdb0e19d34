import { join } from 'node:path';
import { configFromFlags } from '../../ops/cli/config-from-flags.js';
import { UsageError, parseFlags } from '../../ops/cli/flags.js';
import { ConfigError, formatProblem } from '../../ops/config/index.js';
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

let listed: Promise<string[]> | undefined;
/** The roles `tidemark --help` lists (the built CLI, asked once). */
function cliRoles(): Promise<string[]> {
  listed ??= runCli(['--help']).then((r) => {
    const section = r.stdout.split(/^Roles:$/m)[1]?.split(/^\s*$/m)[0] ?? '';
    return [...section.matchAll(/^ {2}(\S+)\s/gm)].map((m) => m[1]);
  });
  return listed;
}

/**
 * Whether the CLI accepts ARGS for ROLE: the role is one `tidemark --help` lists and runs, and the
 * arguments pass the parser every role uses (strict: unknown flags and bad values are refused).
 * With `root` (where the deployment's files are laid out as the process sees them), the --config
 * file is also loaded with the flags applied over it, as the role does before it starts.
 */
export async function cliVerdict(cmd: RoleCommand, opts: { root?: string } = {}): Promise<{ accepted: boolean; reason: string }> {
  const roles = await cliRoles();
  if (!roles.includes(cmd.role) || !(ROLES as readonly string[]).includes(cmd.role)) {
    return { accepted: false, reason: `not a long-running role: ${cmd.role} (the CLI lists ${roles.join(', ')})` };
  }
  try {
    const parsed = parseFlags([...cmd.args]);
    if (parsed.positionals.length > 0) return { accepted: false, reason: `stray arguments ${parsed.positionals.join(' ')}` };
    if (opts.root !== undefined) {
      if (parsed.common.config === undefined) return { accepted: false, reason: 'no --config' };
      await configFromFlags({ ...parsed.common, config: join(opts.root, parsed.common.config) });
    }
    return { accepted: true, reason: '' };
  } catch (err) {
    if (err instanceof UsageError) return { accepted: false, reason: err.message };
    if (err instanceof ConfigError) return { accepted: false, reason: err.problems.map(formatProblem).join('; ') };
    throw err;
  }
}
