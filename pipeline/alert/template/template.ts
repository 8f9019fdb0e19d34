/**
 * A set of associated templates, as Go's *text/template.Template: `parse` adds the text and its
 * `{{define}}`s to the set, `executeTemplate` runs one by name, `clone` copies the set so a
 * per-notification text can be parsed into it without touching the original.
 */
import { BUILTINS } from './builtins.js';
import { TemplateExecError } from './errors.js';
import { executeTree, type ExecEnv, type MissingKey, type TreeInfo } from './exec.js';
import type { FuncMap, GoFunc } from './go-func.js';
import { parseTemplate } from './parser.js';
import { isEmptyTree } from './ast.js';

interface Common {
  trees: Map<string, TreeInfo>;
  funcs: Map<string, GoFunc>;
  missingKey: MissingKey;
  leftDelim: string;
  rightDelim: string;
  escape: ((printed: string, value: unknown) => string) | undefined;
}

export interface TemplateOptions {
  /** Escapes every printed action value (html/template-like output). */
  readonly escape?: (printed: string, value: unknown) => string;
}

export class Template {
  private constructor(private readonly tmplName: string, private readonly common: Common) {}

  /** `template.New(name)`. */
  static create(name: string, opts: TemplateOptions = {}): Template {
    return new Template(name, {
      trees: new Map(), funcs: new Map(), missingKey: 'default', leftDelim: '{{', rightDelim: '}}', escape: opts.escape,
    });
  }

  name(): string { return this.tmplName; }

  /** A new template in the same set (`t.New(name)`). */
  new(name: string): Template { return new Template(name, this.common); }

  funcs(map: FuncMap): this {
    for (const [k, v] of Object.entries(map)) this.common.funcs.set(k, v);
    return this;
  }

  /** `Option("missingkey=default|invalid|zero|error")`. */
  option(...opts: string[]): this {
    for (const o of opts) {
      const m = /^missingkey=(default|invalid|zero|error)$/.exec(o);
      if (!m) throw new Error(`unrecognized option: ${o}`);
      this.common.missingKey = m[1] === 'invalid' ? 'default' : (m[1] as MissingKey);
    }
    return this;
  }

  delims(left: string, right: string): this {
    this.common.leftDelim = left || '{{';
    this.common.rightDelim = right || '}}';
    return this;
  }

  /** Parses `text` as the body of this template; its definitions join the set. */
  parse(text: string): this {
    const trees = parseTemplate(this.tmplName, text, {
      hasFunction: (n) => this.common.funcs.has(n) || Object.prototype.hasOwnProperty.call(BUILTINS, n),
      leftDelim: this.common.leftDelim,
      rightDelim: this.common.rightDelim,
    });
    for (const [name, root] of trees) {
      const old = this.common.trees.get(name);
      // Go keeps an existing definition rather than replace it with an empty one.
      if (old !== undefined && isEmptyTree(root)) continue;
      this.common.trees.set(name, { root, parseName: this.tmplName, text });
    }
    return this;
  }

  lookup(name: string): Template | undefined {
    return this.common.trees.has(name) ? new Template(name, this.common) : undefined;
  }

  /** Names of all templates in the set. */
  templateNames(): string[] {
    return [...this.common.trees.keys()];
  }

  /** Go's DefinedTemplates: `; defined templates are: "a", "b"` or "". */
  definedTemplates(): string {
    const names = this.templateNames();
    if (names.length === 0) return '';
    return '; defined templates are: ' + names.map((n) => JSON.stringify(n)).join(', ');
  }

  /** A copy of the set; later parses into either do not affect the other. */
  clone(): Template {
    return new Template(this.tmplName, {
      ...this.common,
      trees: new Map(this.common.trees),
      funcs: new Map(this.common.funcs),
    });
  }

  private env(): ExecEnv {
    const c = this.common;
    const env: ExecEnv = {
      lookupTree: (n) => c.trees.get(n),
      lookupFunc: (n) => c.funcs.get(n),
      missingKey: c.missingKey,
      ...(c.escape ? { escape: c.escape } : {}),
    };
    return env;
  }

  execute(data: unknown): string {
    return executeTree(this.env(), this.tmplName, this.common.trees.get(this.tmplName), data);
  }

  executeTemplate(name: string, data: unknown): string {
    const tree = this.common.trees.get(name);
    if (!tree) {
      throw new TemplateExecError(`template: no template ${JSON.stringify(name)} associated with template ${JSON.stringify(this.tmplName)}`, name, undefined, undefined);
    }
    return executeTree(this.env(), name, tree, data);
  }
}
