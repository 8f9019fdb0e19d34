/** Parse tree of a template (text/template/parse/node.go). `pos` is a byte offset in the text. */

export interface ListNode { readonly type: 'list'; pos: number; nodes: Node[] }
export interface TextNode { readonly type: 'text'; pos: number; text: string }
export interface CommentNode { readonly type: 'comment'; pos: number; text: string }
export interface ActionNode { readonly type: 'action'; pos: number; line: number; pipe: PipeNode }
export interface PipeNode {
  readonly type: 'pipe';
  pos: number;
  line: number;
  isAssign: boolean;
  decl: VariableNode[];
  cmds: CommandNode[];
}
export interface CommandNode { readonly type: 'command'; pos: number; args: ArgNode[] }
export interface IdentifierNode { readonly type: 'identifier'; pos: number; ident: string }
export interface VariableNode { readonly type: 'variable'; pos: number; ident: string[] }
export interface DotNode { readonly type: 'dot'; pos: number }
export interface NilNode { readonly type: 'nil'; pos: number }
export interface FieldNode { readonly type: 'field'; pos: number; ident: string[] }
export interface ChainNode { readonly type: 'chain'; pos: number; node: ArgNode; field: string[] }
export interface BoolNode { readonly type: 'bool'; pos: number; value: boolean }
export interface NumberNode {
  readonly type: 'number';
  pos: number;
  text: string;
  isInt: boolean;
  isFloat: boolean;
  int: number;
  float: number;
  isChar: boolean;
}
export interface StringNode { readonly type: 'string'; pos: number; quoted: string; text: string }
export interface BranchNode {
  readonly type: 'if' | 'range' | 'with';
  pos: number;
  line: number;
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | undefined;
}
export interface TemplateNode { readonly type: 'template'; pos: number; line: number; name: string; pipe: PipeNode | undefined }
export interface BreakNode { readonly type: 'break'; pos: number; line: number }
export interface ContinueNode { readonly type: 'continue'; pos: number; line: number }
/** Only seen while parsing: the `{{end}}` and `{{else}}` that close a list. */
export interface EndNode { readonly type: 'end'; pos: number }
export interface ElseNode { readonly type: 'else'; pos: number; line: number }

export type ArgNode =
  | IdentifierNode | VariableNode | DotNode | NilNode | FieldNode | ChainNode | BoolNode
  | NumberNode | StringNode | PipeNode;

export type Node =
  | ListNode | TextNode | CommentNode | ActionNode | BranchNode | TemplateNode | BreakNode
  | ContinueNode | EndNode | ElseNode | ArgNode | CommandNode;

/** Go's Node.String(): used in error contexts (`executing "x" at <.Foo>`). */
export function nodeString(n: Node): string {
  switch (n.type) {
    case 'list': return n.nodes.map(nodeString).join('');
    case 'text': return JSON.stringify(n.text);
    case 'comment': return `{{${n.text}}}`;
    case 'action': return `{{${nodeString(n.pipe)}}}`;
    case 'pipe': {
      let s = '';
      if (n.decl.length > 0) s = `${n.decl.map(nodeString).join(', ')} ${n.isAssign ? '=' : ':='} `;
      return s + n.cmds.map(nodeString).join(' | ');
    }
    case 'command':
      return n.args.map((a) => (a.type === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'identifier': return n.ident;
    case 'variable': return n.ident.join('.');
    case 'dot': return '.';
    case 'nil': return 'nil';
    case 'field': return n.ident.map((i) => '.' + i).join('');
    case 'chain': {
      const head = n.node.type === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node);
      return head + n.field.map((f) => '.' + f).join('');
    }
    case 'bool': return String(n.value);
    case 'number': return n.text;
    case 'string': return n.quoted;
    case 'if': case 'range': case 'with': {
      const els = n.elseList ? `{{else}}${nodeString(n.elseList)}` : '';
      return `{{${n.type} ${nodeString(n.pipe)}}}${nodeString(n.list)}${els}{{end}}`;
    }
    case 'template':
      return n.pipe ? `{{template ${JSON.stringify(n.name)} ${nodeString(n.pipe)}}}` : `{{template ${JSON.stringify(n.name)}}}`;
    case 'break': return '{{break}}';
    case 'continue': return '{{continue}}';
    case 'end': return '{{end}}';
    case 'else': return '{{else}}';
  }
}

/** True when a tree holds only whitespace text and comments (Go's IsEmptyTree). */
export function isEmptyTree(n: Node): boolean {
  switch (n.type) {
    case 'list': return n.nodes.every(isEmptyTree);
    case 'text': return n.text.trim() === '';
    case 'comment': return true;
    default: return false;
  }
}
