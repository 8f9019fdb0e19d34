import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('keepStringMethodsFast', () => {
  it('puts String.prototype back in fast mode after a library subclassed String', () => {
    // V8's own view of the object, which only a process started with --allow-natives-syntax can ask for.
    const moduleUrl = new URL('./fast-string-methods.ts', import.meta.url).href;
    const script = `
      const { keepStringMethodsFast } = await import(${JSON.stringify(moduleUrl)});
      const fast = () => eval('%HasFastProperties(String.prototype)');
      class VerbatimString extends String {}
      const poisoned = fast();
      keepStringMethodsFast();
      console.log(JSON.stringify([poisoned, fast(), new VerbatimString('x').length]));`;
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual([false, true, 1]);
  });
});
