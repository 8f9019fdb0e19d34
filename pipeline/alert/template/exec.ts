/**
 * The executor of Go's text/template (text/template/exec.go): walks a tree against data with Go's
 * rules for fields, methods, maps, variables, pipelines, truth, range and template calls, and
 * Go's error messages (`template: NAME:LINE:COL: executing "NAME" at <NODE>: ...`).
 */
import type { ArgNode, BranchNode, ChainNode, CommandNode, FieldNode, IdentifierNode, ListNode, Node, NumberNode, PipeNode, TemplateNode, VariableNode } from './ast.js';
import { nodeString } from './ast.js';
import { BUILTINS, SHORT_CIRCUIT } from './builtins.js';
import { TemplateExecError } from './errors.js';
import { signatureOf, type GoFunc, type ParamType } from './go-func.js';
import { printValue as fmtValue } from './go-fmt.js';
import { GoFloat, goTypeName, isTrue, kindOf, mapGet, mapKeys, mapZero, methodOf } from './go-value.js';

export type MissingKey = 'default' | 'zero' | 'error';

export interface TreeInfo {
  readonly root: ListNode;
  readonly parseName: string;
  readonly text: string;
}

/** What an execution needs from the template set. */
export interface ExecEnv {
  lookupTree(name: string): TreeInfo | undefined;
  lookupFunc(name: string): GoFunc | undefined;
  readonly missingKey: MissingKey;
  /** Applied to each printed action value (html/template-style output escaping). */
  readonly escape?: (printed: string, value: unknown) => string;
}

const MISSING = Symbol('missing');
type Final = unknown | typeof MISSING;
const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');
const MAX_DEPTH = 10000;

interface Variable { name: string; value: unknown }

class State {
  out = '';
  vars: Variable[];
  node: Node | undefined;
  depth = 0;

  constructor(private readonly env: ExecEnv, public tmplName: string, public tree: TreeInfo | undefined, dot: unknown) {
    this.vars = [{ name: '$', value: dot }];
  }

  at(n: Node): void { this.node = n; }

  errorf(msg: string, cause?: unknown): never {
    if (this.node === undefined || this.tree === undefined) {
      throw new TemplateExecError(`template: ${this.tmplName}: ${msg}`, this.tmplName, undefined, undefined, { cause });
    }
    const text = this.tree.text.slice(0, this.node.pos);
    const nl = text.lastIndexOf('\n');
    const col = nl < 0 ? this.node.pos : this.node.pos - (nl + 1);
    const line = 1 + (text.match(/\n/g)?.length ?? 0);
    let context = nodeString(this.node);
    if ([...context].length > 20) context = [...context].slice(0, 20).join('') + '...';
    throw new TemplateExecError(
      `template: ${this.tree.parseName}:${line}:${col}: executing ${JSON.stringify(this.tmplName)} at <${context}>: ${msg}`,
      this.tmplName, line, col, { cause },
    );
  }

  mark(): number { return this.vars.length; }
  pop(mark: number): void { this.vars.length = mark; }
  setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) { this.vars[i]!.value = value; return; }
    }
    this.errorf(`undefined variable: ${name}`);
  }
  setTopVar(n: number, value: unknown): void { this.vars[this.vars.length - n]!.value = value; }
  varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    this.errorf(`undefined variable: ${name}`);
  }

  walk(dot: unknown, node: Node): void {
    this.at(node);
    switch (node.type) {
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case 'break': throw BREAK;
      case 'continue': throw CONTINUE;
      case 'comment': return;
      case 'if': case 'with': return this.walkIfOrWith(dot, node);
      case 'list': for (const n of node.nodes) this.walk(dot, n); return;
      case 'range': return this.walkRange(dot, node);
      case 'template': return this.walkTemplate(dot, node);
      case 'text': this.out += node.text; return;
      default: this.errorf(`unknown node: ${nodeString(node)}`);
    }
  }

  walkIfOrWith(dot: unknown, n: BranchNode): void {
    const mark = this.mark();
    try {
      const val = this.evalPipeline(dot, n.pipe);
      if (isTrue(val)) this.walk(n.type === 'with' ? val : dot, n.list);
      else if (n.elseList) this.walk(dot, n.elseList);
    } finally {
      this.pop(mark);
    }
  }

  walkRange(dot: unknown, r: BranchNode): void {
    this.at(r);
    const outer = this.mark();
    try {
      const val = this.evalPipeline(dot, r.pipe);
      const mark = this.mark();
      const decl = r.pipe.decl;
      const one = (index: unknown, elem: unknown): boolean => {
        if (decl.length > 0) {
          if (r.pipe.isAssign) this.setVar(decl[0]!.ident[0]!, decl.length > 1 ? index : elem);
          else this.setTopVar(1, elem);
        }
        if (decl.length > 1) {
          if (r.pipe.isAssign) this.setVar(decl[1]!.ident[0]!, elem);
          else this.setTopVar(2, index);
        }
        try {
          this.walk(elem, r.list);
        } catch (e) {
          if (e === BREAK) return false;
          if (e !== CONTINUE) throw e;
        } finally {
          this.pop(mark);
        }
        return true;
      };
      switch (kindOf(val)) {
        case 'slice': {
          const arr = val as unknown[];
          if (arr.length === 0) break;
          for (let i = 0; i < arr.length; i++) if (!one(i, arr[i])) break;
          return;
        }
        case 'map': {
          const keys = mapKeys(val);
          if (keys.length === 0) break;
          for (const k of keys) if (!one(k, mapGet(val, k))) break;
          return;
        }
        case 'int': {
          if (decl.length > 1) this.errorf(`can't use ${fmtValue(val, 'v', NOFLAGS, 0)} to iterate over more than one variable`);
          const n = Number(val);
          if (n <= 0) break;
          for (let i = 0; i < n; i++) if (!one(i, i)) break;
          return;
        }
        case 'invalid': case 'nil': break;
        default: this.errorf(`range can't iterate over ${fmtValue(val, 'v', NOFLAGS, 0)}`);
      }
      if (r.elseList) this.walk(dot, r.elseList);
    } finally {
      this.pop(outer);
    }
  }

  walkTemplate(dot: unknown, t: TemplateNode): void {
    this.at(t);
    const tree = this.env.lookupTree(t.name);
    if (!tree) this.errorf(`template ${JSON.stringify(t.name)} not defined`);
    if (this.depth >= MAX_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_DEPTH})`);
    const newDot = this.evalPipeline(dot, t.pipe);
    const saved = { vars: this.vars, name: this.tmplName, tree: this.tree };
    this.depth++;
    this.vars = [{ name: '$', value: newDot }];
    this.tmplName = t.name;
    this.tree = tree;
    try {
      this.walk(newDot, tree.root);
    } finally {
      this.depth--;
      this.vars = saved.vars;
      this.tmplName = saved.name;
      this.tree = saved.tree;
    }
  }

  evalPipeline(dot: unknown, pipe: PipeNode | undefined): unknown {
    if (!pipe) return undefined;
    this.at(pipe);
    let value: unknown = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // A nil interface{} is "no value", as Go unwraps interfaces between commands.
      if (value === null) value = undefined;
    }
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0]!, value);
      else this.vars.push({ name: v.ident[0]!, value });
    }
    return value;
  }

  notAFunction(args: ArgNode[], final: Final): void {
    if (args.length > 1 || final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(args[0]!)}`);
  }

  evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0]!;
    switch (first.type) {
      case 'field': return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain': return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier': return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe': this.notAFunction(cmd.args, final); return this.evalPipeline(dot, first);
      case 'variable': return this.evalVariableNode(dot, first, cmd.args, final);
      default: break;
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool': return first.value;
      case 'dot': return dot;
      case 'nil': this.errorf('nil is not a command');
      case 'number': return this.idealConstant(first);
      case 'string': return first.text;
    }
  }

  idealConstant(n: NumberNode): unknown {
    this.at(n);
    if (n.isFloat && !n.isChar && !/^[+-]?0[xX]/.test(n.text) && /[.eEpP]/.test(n.text)) return new GoFloat(n.float);
    if (n.isInt) return n.int;
    this.errorf(`${n.text} overflows int`);
  }

  evalFieldNode(dot: unknown, field: FieldNode, args: ArgNode[], final: Final): unknown {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  evalChainNode(dot: unknown, chain: ChainNode, args: ArgNode[], final: Final): unknown {
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, 'any', chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  evalVariableNode(dot: unknown, v: VariableNode, args: ArgNode[], final: Final): unknown {
    this.at(v);
    const value = this.varValue(v.ident[0]!);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  evalFieldChain(dot: unknown, receiver: unknown, node: Node, ident: string[], args: ArgNode[], final: Final): unknown {
    const n = ident.length;
    let r = receiver;
    for (let i = 0; i < n - 1; i++) r = this.evalField(dot, ident[i]!, node, [], MISSING, r);
    return this.evalField(dot, ident[n - 1]!, node, args, final, r);
  }

  evalField(dot: unknown, fieldName: string, node: Node, args: ArgNode[], final: Final, receiver: unknown): unknown {
    if (receiver === undefined) {
      if (this.env.missingKey === 'error') this.errorf(`nil data; no entry for key ${JSON.stringify(fieldName)}`);
      return undefined;
    }
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${fieldName}`);
    const method = methodOf(receiver, fieldName);
    if (method) return this.evalCall(dot, method, false, node, fieldName, args, final, receiver);
    const hasArgs = args.length > 1 || final !== MISSING;
    const kind = kindOf(receiver);
    if (kind === 'struct' && fieldName in (receiver as object)) {
      if (hasArgs) this.errorf(`${fieldName} has arguments but cannot be invoked as function`);
      return (receiver as Record<string, unknown>)[fieldName];
    }
    if (kind === 'map') {
      if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
      const result = mapGet(receiver, fieldName);
      if (result !== undefined) return result;
      if (this.env.missingKey === 'zero') return mapZero(receiver);
      if (this.env.missingKey === 'error') this.errorf(`map has no entry for key ${JSON.stringify(fieldName)}`);
      return undefined;
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${goTypeName(receiver)}`);
  }

  evalFunction(dot: unknown, node: IdentifierNode, cmd: Node, args: ArgNode[], final: Final): unknown {
    this.at(node);
    const name = node.ident;
    const user = this.env.lookupFunc(name);
    const fn = user ?? BUILTINS[name];
    if (!fn) this.errorf(`${JSON.stringify(name)} is not a defined function`);
    return this.evalCall(dot, fn, user === undefined, cmd, name, args, final);
  }

  evalCall(dot: unknown, fn: GoFunc, isBuiltin: boolean, node: Node, name: string, argNodes: ArgNode[], final: Final, receiver?: unknown): unknown {
    const args = argNodes.length > 0 ? argNodes.slice(1) : [];
    const sig = signatureOf(fn, receiver !== undefined);
    const numIn = args.length + (final !== MISSING ? 1 : 0);
    const numFixed = sig.params.length;
    if (sig.variadic !== undefined) {
      if (numIn < numFixed) this.errorf(`wrong number of args for ${name}: want at least ${numFixed} got ${args.length}`);
    } else if (numIn !== numFixed) {
      this.errorf(`wrong number of args for ${name}: want ${numFixed} got ${numIn}`);
    }
    if (isBuiltin && SHORT_CIRCUIT.has(name)) {
      let v: unknown;
      for (const a of args) {
        v = this.evalArg(dot, 'value', a);
        if (isTrue(v) === (name === 'or')) return v;
      }
      if (final !== MISSING) v = final;
      return v;
    }
    const argv: unknown[] = [];
    let i = 0;
    for (; i < numFixed && i < args.length; i++) argv.push(this.evalArg(dot, sig.params[i]!, args[i]!));
    for (; i < args.length; i++) argv.push(this.evalArg(dot, sig.variadic!, args[i]!));
    if (final !== MISSING) {
      const t = i < numFixed ? sig.params[i]! : sig.variadic!;
      argv.push(this.validateType(final, t));
    }
    try {
      return fn.apply(receiver, argv);
    } catch (e) {
      if (e instanceof TemplateExecError) throw e;
      this.at(node);
      this.errorf(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`, e);
    }
  }

  validateType(value: unknown, typ: ParamType): unknown {
    if (value === undefined) {
      if (typ === 'value') return undefined;
      if (typ === 'any') return null;
      this.errorf(`invalid value; expected ${typ}`);
    }
    if (typ === 'any' || typ === 'value') return value;
    const ok = ((): boolean => {
      switch (typ) {
        case 'string': return typeof value === 'string';
        case 'int': return kindOf(value) === 'int';
        case 'float64': return kindOf(value) === 'float';
        case 'bool': return typeof value === 'boolean';
        case '[]string': return value === null || (Array.isArray(value) && value.every((e) => typeof e === 'string'));
        case 'time': return goTypeName(value) === 'time.Time';
        case 'duration': return goTypeName(value) === 'time.Duration';
      }
    })();
    if (!ok) this.errorf(`wrong type for value; expected ${typ === 'time' ? 'time.Time' : typ === 'duration' ? 'time.Duration' : typ}; got ${goTypeName(value)}`);
    return value;
  }

  evalArg(dot: unknown, typ: ParamType, n: ArgNode): unknown {
    this.at(n);
    switch (n.type) {
      case 'dot': return this.validateType(dot, typ);
      case 'nil':
        if (typ === 'any' || typ === 'value' || typ === '[]string') return null;
        this.errorf(`cannot assign nil to ${typ}`);
      case 'field': return this.validateType(this.evalFieldNode(dot, n, [n], MISSING), typ);
      case 'variable': return this.validateType(this.evalVariableNode(dot, n, [], MISSING), typ);
      case 'pipe': return this.validateType(this.evalPipeline(dot, n), typ);
      case 'identifier': return this.validateType(this.evalFunction(dot, n, n, [], MISSING), typ);
      case 'chain': return this.validateType(this.evalChainNode(dot, n, [], MISSING), typ);
      default: break;
    }
    switch (typ) {
      case 'bool':
        if (n.type === 'bool') return n.value;
        this.errorf(`expected bool; found ${nodeString(n)}`);
      case 'string':
        if (n.type === 'string') return n.text;
        this.errorf(`expected string; found ${nodeString(n)}`);
      case 'int':
        if (n.type === 'number' && n.isInt) return n.int;
        this.errorf(`expected integer; found ${nodeString(n)}`);
      case 'float64':
        if (n.type === 'number' && n.isFloat) return new GoFloat(n.float);
        this.errorf(`expected float; found ${nodeString(n)}`);
      case 'any': case 'value':
        if (n.type === 'bool') return n.value;
        if (n.type === 'number') return this.idealConstant(n);
        if (n.type === 'string') return n.text;
        break;
      default: break;
    }
    this.errorf(`can't handle ${nodeString(n)} for arg of type ${typ}`);
  }

  printValue(n: Node, v: unknown): void {
    this.at(n);
    if (kindOf(v) === 'func') this.errorf(`can't print ${nodeString(n)} of type ${goTypeName(v)}`);
    const s = v === undefined ? '<no value>' : fmtValue(v, 'v', NOFLAGS, 0);
    this.out += this.env.escape ? this.env.escape(s, v) : s;
  }
}

const NOFLAGS = {
  plus: false, minus: false, sharp: false, space: false, zero: false,
  width: undefined, prec: undefined, plusV: false,
};

/** Executes template `name` (whose tree is `tree`) with `data` as dot; returns the output. */
export function executeTree(env: ExecEnv, name: string, tree: TreeInfo | undefined, data: unknown): string {
  const s = new State(env, name, tree, data);
  if (!tree) {
    throw new TemplateExecError(`template: ${name}: ${JSON.stringify(name)} is an incomplete or empty template`, name, undefined, undefined);
  }
  const root = tree.root;
  try {
    s.walk(data, root);
  } catch (e) {
    if (e instanceof RangeError) {
      throw new TemplateExecError(`template: ${name}: exceeded maximum template depth`, name, undefined, undefined, { cause: e });
    }
    throw e;
  }
  return s.out;
}
