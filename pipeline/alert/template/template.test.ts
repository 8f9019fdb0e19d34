import { describe, expect, it } from 'vitest';
import { goFunc } from './go-func.js';
import { GoFloat } from './go-value.js';
import { sprint } from './go-fmt.js';
import { Template } from './template.js';

// Data shaped like Go's text/template exec_test.go `tVal`, cases taken from that file.
class U { V = 'v'; TrueFalse(b: boolean): string { return b ? 'true' : ''; } }
class UinEmpty { V = 'UinEmpty'; }
class T {
  True = true;
  I = 17;
  U16 = 16;
  X = 'x';
  S = 'xyz';
  U = new U();
  FloatZero = new GoFloat(0);
  MSI: Record<string, number> = { one: 1, two: 2, three: 3 };
  MSIone = { one: 1 };
  MSIEmpty = {};
  MXI: Record<string, unknown> = {};
  SI = [3, 4, 5];
  SIEmpty: number[] = [];
  SB = [true, false];
  SMSI = [{ one: 1, two: 2 }, { eleven: 11, twelve: 12 }];
  Empty0 = null;
  Empty1 = 3;
  Empty2 = 'empty2';
  Empty3 = [7, 8];
  Empty4 = new UinEmpty();
  PSI = [21, 22, 23];
  Method0(): string { return 'M0'; }
  Method1(a: unknown): unknown { return a; }
  Method2(a: unknown, b: unknown): string { return `Method2: ${sprint([a])} ${sprint([b])}`; }
  Method3(v: unknown): string { return `Method3: ${sprint([v])}`; }
  MAdd(a: number, b: number[]): number[] { return b.map((x) => x + a); }
  GetU(): U { return this.U; }
  MyError(fail: boolean): boolean { if (fail) throw new Error('my error'); return false; }
  Copy(): T { return this; }
}
const tVal = new T();

const funcs = {
  add: goFunc([], (...a: number[]) => a.reduce((s, x) => s + x, 0), 'int'),
  echo: goFunc(['any'], (a: unknown) => a),
  makemap: goFunc([], (...a: string[]) => {
    const m: Record<string, string> = {};
    for (let i = 0; i < a.length; i += 2) m[a[i]!] = a[i + 1]!;
    return m;
  }, 'string'),
  oneArg: goFunc(['string'], (a: string) => 'oneArg=' + a),
  twoArgs: goFunc(['string', 'string'], (a: string, b: string) => 'twoArgs=' + a + b),
  zeroArgs: goFunc([], () => 'zeroArgs'),
  mapOfThree: goFunc([], () => ({ three: 3 })),
  returnInt: goFunc([], () => 7),
  valueString: goFunc(['string'], () => 'value is ignored'),
};

function run(text: string, data: unknown = tVal): string {
  return Template.create('test').funcs(funcs).parse(text).execute(data);
}

// [name, input, expected output] — all from Go's execTests with ok=true.
const ok: Array<[string, string, string]> = [
  ['empty', '', ''],
  ['text', 'some text', 'some text'],
  ['.X', '-{{.X}}-', '-x-'],
  ['.U.V', '-{{.U.V}}-', '-v-'],
  ['map .one', '{{.MSI.one}}', '1'],
  ['map .two', '{{.MSI.two}}', '2'],
  ['map .NO', '{{.MSI.NO}}', '<no value>'],
  ['dot int', '<{{.I}}>', '<17>'],
  ['$.I', '{{$.I}}', '17'],
  ['$.U.V', '{{$.U.V}}', 'v'],
  ['declare in action', '{{$x := $.U.V}}{{$x}}', 'v'],
  ['simple assignment', '{{$x := 2}}{{$x = 3}}{{$x}}', '3'],
  ['nested assignment', '{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{$x}}', '3'],
  ['nested assignment changes the last declaration', '{{$x := 1}}{{if true}}{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{end}}{{$x}}', '1'],
  ['V{6666}.String()', '-{{printf "%s" .U.V}}-', '-v-'],
  ['empty nil', '{{.Empty0}}', '<no value>'],
  ['empty with int', '{{.Empty1}}', '3'],
  ['empty with string', '{{.Empty2}}', 'empty2'],
  ['empty with slice', '{{.Empty3}}', '[7 8]'],
  ['empty with struct', '{{.Empty4}}', '{UinEmpty}'],
  ['empty with struct, field', '{{.Empty4.V}}', 'UinEmpty'],
  ['.Method0', '-{{.Method0}}-', '-M0-'],
  ['.Method1(1234)', '-{{.Method1 1234}}-', '-1234-'],
  ['.Method1(.I)', '-{{.Method1 .I}}-', '-17-'],
  ['.Method2(3, .X)', '-{{.Method2 3 .X}}-', '-Method2: 3 x-'],
  ['.Method2(.U16, `str`)', '-{{.Method2 .U16 `str`}}-', '-Method2: 16 str-'],
  ['.Method2(.U16, $x)', '{{if $x := .X}}-{{.Method2 .U16 $x}}{{end}}-', '-Method2: 16 x-'],
  ['.Method3(nil constant)', '-{{.Method3 nil}}-', '-Method3: <nil>-'],
  ['.Method3(nil value)', '-{{.Method3 .MXI.unset}}-', '-Method3: <nil>-'],
  ['method on var', '{{if $x := .}}-{{$x.Method2 .U16 $x.X}}{{end}}-', '-Method2: 16 x-'],
  ['method on chained var', '{{range .MSIone}}{{if $.U.TrueFalse $.True}}{{$.U.TrueFalse $.True}}{{else}}WRONG{{end}}{{end}}', 'true'],
  ['chained method', '{{range .MSIone}}{{if $.GetU.TrueFalse $.True}}{{$.U.TrueFalse $.True}}{{else}}WRONG{{end}}{{end}}', 'true'],
  ['pipeline', '-{{.Method0 | .Method2 .U16}}-', '-Method2: 16 M0-'],
  ['parens in pipeline', '{{printf `%d %d %d` (1) (2 | add 3) (add 4 (add 5 6))}}', '1 5 15'],
  ['parens: $ in paren', '{{($).X}}', 'x'],
  ['parens: $.GetU in paren', '{{($.GetU).V}}', 'v'],
  ['parens: $ in paren in pipe', '{{($ | echo).X}}', 'x'],
  ['parens: spaces and args', '{{(makemap "up" "down" "left" "right").left}}', 'right'],
  ['if true', '{{if true}}TRUE{{end}}', 'TRUE'],
  ['if false', '{{if false}}TRUE{{else}}FALSE{{end}}', 'FALSE'],
  ['if 1', '{{if 1}}NON-ZERO{{else}}ZERO{{end}}', 'NON-ZERO'],
  ['if 0', '{{if 0}}NON-ZERO{{else}}ZERO{{end}}', 'ZERO'],
  ['if 1.5', '{{if 1.5}}NON-ZERO{{else}}ZERO{{end}}', 'NON-ZERO'],
  ['if 0.0', '{{if .FloatZero}}NON-ZERO{{else}}ZERO{{end}}', 'ZERO'],
  ['if emptystring', '{{if ``}}NON-EMPTY{{else}}EMPTY{{end}}', 'EMPTY'],
  ['if string', '{{if `notempty`}}NON-EMPTY{{else}}EMPTY{{end}}', 'NON-EMPTY'],
  ['if emptyslice', '{{if .SIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}', 'EMPTY'],
  ['if slice', '{{if .SI}}NON-EMPTY{{else}}EMPTY{{end}}', 'NON-EMPTY'],
  ['if emptymap', '{{if .MSIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}', 'EMPTY'],
  ['if map', '{{if .MSI}}NON-EMPTY{{else}}EMPTY{{end}}', 'NON-EMPTY'],
  ['if map unset', '{{if .MXI.none}}NON-ZERO{{else}}ZERO{{end}}', 'ZERO'],
  ['if map not unset', '{{if not .MXI.none}}ZERO{{else}}NON-ZERO{{end}}', 'ZERO'],
  ['if $x with $y int', '{{if $x := true}}{{with $y := .I}}{{$x}},{{$y}}{{end}}{{end}}', 'true,17'],
  ['if $x with $x int', '{{if $x := true}}{{with $x := .I}}{{$x}},{{end}}{{$x}}{{end}}', '17,true'],
  ['if else if', '{{if false}}FALSE{{else if true}}TRUE{{end}}', 'TRUE'],
  ['if else chain', '{{if eq 1 3}}1{{else if eq 2 3}}2{{else if eq 3 3}}3{{end}}', '3'],
  ['print', '{{print "hello, print"}}', 'hello, print'],
  ['print 123', '{{print 1 2 3}}', '1 2 3'],
  ['print nil', '{{print nil}}', '<nil>'],
  ['println', '{{println 1 2 3}}', '1 2 3\n'],
  ['printf int', '{{printf "%04x" 127}}', '007f'],
  ['printf float', '{{printf "%g" 3.5}}', '3.5'],
  ['printf string', '{{printf "%s" "hello"}}', 'hello'],
  ['printf field', '{{printf "%s" .U.V}}', 'v'],
  ['printf method', '{{printf "%s" .Method0}}', 'M0'],
  ['printf dot', '{{with .I}}{{printf "%d" .}}{{end}}', '17'],
  ['printf var', '{{with $x := .I}}{{printf "%d" $x}}{{end}}', '17'],
  ['html', '{{html "<script>alert(\\"XSS\\");</script>"}}', '&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;'],
  ['html pipeline', '{{printf "<script>alert(\\"XSS\\");</script>" | html}}', '&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;'],
  ['urlquery', '{{"http://www.example.org/"|urlquery}}', 'http%3A%2F%2Fwww.example.org%2F'],
  ['not', '{{not true}} {{not false}}', 'false true'],
  ['and', '{{and false 0}} {{and 1 0}} {{and 0 true}} {{and 1 1}}', 'false 0 0 1'],
  ['or', '{{or 0 0}} {{or 1 0}} {{or 0 true}} {{or 1 1}}', '0 1 true 1'],
  ['boolean if', '{{if and true 1 `hi`}}TRUE{{else}}FALSE{{end}}', 'TRUE'],
  ['boolean if not', '{{if and true 1 `hi` | not}}TRUE{{else}}FALSE{{end}}', 'FALSE'],
  ['slice[0]', '{{index .SI 0}}', '3'],
  ['slice[1]', '{{index .SI 1}}', '4'],
  ['map[one]', '{{index .MSI `one`}}', '1'],
  ['double index', '{{index .SMSI 1 `eleven`}}', '11'],
  ['len slice', '{{len .SI}}', '3'],
  ['len map', '{{len .MSI }}', '3'],
  ['with true', '{{with true}}{{.}}{{end}}', 'true'],
  ['with false', '{{with false}}{{.}}{{else}}FALSE{{end}}', 'FALSE'],
  ['with 1', '{{with 1}}{{.}}{{else}}ZERO{{end}}', '1'],
  ['with 0', '{{with 0}}{{.}}{{else}}ZERO{{end}}', 'ZERO'],
  ['with 1.5', '{{with 1.5}}{{.}}{{else}}ZERO{{end}}', '1.5'],
  ['with 0.0', '{{with .FloatZero}}{{.}}{{else}}ZERO{{end}}', 'ZERO'],
  ['with emptystring', '{{with ``}}{{.}}{{else}}EMPTY{{end}}', 'EMPTY'],
  ['with string', '{{with `notempty`}}{{.}}{{else}}EMPTY{{end}}', 'notempty'],
  ['with slice', '{{with .SI}}{{.}}{{else}}EMPTY{{end}}', '[3 4 5]'],
  ['with map', '{{with .MSIone}}{{.}}{{else}}EMPTY{{end}}', 'map[one:1]'],
  ['with $x struct.U.V', '{{with $x := $}}{{$x.U.V}}{{end}}', 'v'],
  ['with variable and action', '{{with $x := $}}{{$y := $.U.V}}{{$y}}{{end}}', 'v'],
  ['with else with', '{{with 0}}{{.}}{{else with true}}{{.}}{{end}}', 'true'],
  ['range []int', '{{range .SI}}-{{.}}-{{end}}', '-3--4--5-'],
  ['range empty no else', '{{range .SIEmpty}}-{{.}}-{{end}}', ''],
  ['range []int else', '{{range .SI}}-{{.}}-{{else}}EMPTY{{end}}', '-3--4--5-'],
  ['range empty else', '{{range .SIEmpty}}-{{.}}-{{else}}EMPTY{{end}}', 'EMPTY'],
  ['range []bool', '{{range .SB}}-{{.}}-{{end}}', '-true--false-'],
  ['range []int method', '{{range .SI | .MAdd .I}}-{{.}}-{{end}}', '-20--21--22-'],
  ['range map', '{{range .MSI}}-{{.}}-{{end}}', '-1--3--2-'],
  ['range empty map else', '{{range .MSIEmpty}}-{{.}}-{{else}}EMPTY{{end}}', 'EMPTY'],
  ['range empty nil', '{{range .Empty0}}-{{.}}-{{end}}', ''],
  ['range $x SI', '{{range $x := .SI}}<{{$x}}>{{end}}', '<3><4><5>'],
  ['range $x $y SI', '{{range $x, $y := .SI}}<{{$x}}={{$y}}>{{end}}', '<0=3><1=4><2=5>'],
  ['range $x MSIone', '{{range $x := .MSIone}}<{{$x}}>{{end}}', '<1>'],
  ['range $x $y MSIone', '{{range $x, $y := .MSIone}}<{{$x}}={{$y}}>{{end}}', '<one=1>'],
  ['declare in range', '{{range $x := .PSI}}<{{$foo:=$x}}{{$x}}>{{end}}', '<21><22><23>'],
  ['range int', '{{range 3}}[{{.}}]{{end}}', '[0][1][2]'],
  ['range break', '{{range .SI}}{{if eq . 4}}{{break}}{{end}}-{{.}}-{{end}}', '-3-'],
  ['range continue', '{{range .SI}}{{if eq . 4}}{{continue}}{{end}}-{{.}}-{{end}}', '-3--5-'],
  ['or as if true', '{{or .SI "slice is empty"}}', '[3 4 5]'],
  ['or as if false', '{{or .SIEmpty "slice is empty"}}', 'slice is empty'],
  ['error method, no error', '{{.MyError false}}', 'false'],
  ['bug0', '{{range .MSIone}}{{if $.Method1 .}}X{{end}}{{end}}', 'X'],
  ['bug3', '{{with $}}{{.Method0}}{{end}}', 'M0'],
  ['bug4', '{{if .Empty0}}non-nil{{else}}nil{{end}}', 'nil'],
  ['bug10', '{{mapOfThree.three}}-{{(mapOfThree).three}}', '3-3'],
  ['bug12xe', '{{printf `%T` 0xef}}', 'int'],
  ['bug13', '{{print (.Copy).I}}', '17'],
  ['bug16g', '{{"aaa" |twoArgs "bbb"}}', 'twoArgs=bbbaaa'],
  ['bug16i', '{{"aaa"|oneArg}}', 'oneArg=aaa'],
  ['bug16k', '{{"aaa"|printf }}', 'aaa'],
  ['printf %T of float literal', '{{printf "%T %T %T" 1.0 1 "s"}}', 'float64 int string'],
  ['trim both sides', 'a  {{- 1 -}}  b', 'a1b'],
  ['trim with newlines', 'a\n\t{{- 1 }}\n b', 'a1\n b'],
  ['comment', 'a{{/* hidden */}}b', 'ab'],
  ['trimmed comment', 'a  {{- /* hidden */ -}}  b', 'ab'],
  ['raw string', '{{`a\\nb`}}', 'a\\nb'],
  ['string escapes', '{{"a\\tb\\u00e9\\x41"}}', 'a\tbéA'],
  ['char constant', "{{'a'}} {{printf \"%c\" 'b'}}", '97 b'],
  ['number syntaxes', '{{0x1F}} {{0o17}} {{1_000}} {{1e3}} {{-2}}', '31 15 1000 1000 -2'],
  ['nil argument', '{{printf "%v" nil}}', '<nil>'],
  ['multiline action', '{{ printf\n "%s"\n "x" }}', 'x'],
];

describe('Go text/template execution (cases from Go exec_test.go)', () => {
  for (const [name, input, want] of ok) {
    it(`renders ${name}`, () => {
      expect(run(input)).toBe(want);
    });
  }

  it('compares like Go (eq with many args, lt on strings, mixed types error)', () => {
    const cmp = { Uthree: 3, Ufour: 4, NegOne: -1, Three: 3 };
    const truth = (e: string): string => run(`{{if ${e}}}true{{else}}false{{end}}`, cmp);
    const cases: Array<[string, string]> = [
      ['eq true true', 'true'], ['eq true false', 'false'], ['eq 1.5 1.5', 'true'], ['eq 1 2', 'false'],
      ['eq `xy` `xy`', 'true'], ['eq 3 4 5 6 3', 'true'], ['eq 3 4 5 6 7', 'false'], ['ne 1 2', 'true'],
      ['lt 1.5 2.5', 'true'], ['lt `xy` `xyz`', 'true'], ['le 2 1', 'false'], ['gt .Ufour .Uthree', 'true'],
      ['ge `xyz` `xy`', 'true'], ['lt .NegOne .Uthree', 'true'], ["eq (index `x` 0) 'x'", 'true'],
    ];
    for (const [e, want] of cases) expect(truth(e), e).toBe(want);
    expect(() => truth('eq `xy` 1')).toThrow(/incompatible types for comparison/);
    expect(() => truth('eq 2 2.0')).toThrow(/incompatible types for comparison/);
    expect(() => truth('lt true true')).toThrow(/invalid type for comparison/);
  });

  it('treats a missing key per the missingkey option', () => {
    const data = { x: 99 };
    const t = Template.create('t1').parse('{{.x}} {{.y}}');
    expect(t.execute(data)).toBe('99 <no value>');
    t.option('missingkey=error');
    expect(() => t.execute(data)).toThrow('template: t1:1:9: executing "t1" at <.y>: map has no entry for key "y"');
    expect(() => t.execute(undefined)).toThrow(/nil data; no entry for key "x"/);
  });

  it('reports a nested template error with its location', () => {
    const text = 'line 1\nline 2\nline 3\n{{template "one" .}}\n{{define "one"}}{{template "two" .}}{{end}}\n{{define "two"}}{{template "three" .}}{{end}}\n{{define "three"}}{{index "hi" $}}{{end}}';
    expect(() => Template.create('top').parse(text).execute(5)).toThrow(
      'template: top:7:20: executing "three" at <index "hi" $>: error calling index: index out of range: 5');
  });

  it('prints dot and $ when the data is a bare int', () => {
    expect(run('<{{.}}> {{$}}', 17)).toBe('<17> 17');
  });

  it('reports an empty template as incomplete', () => {
    expect(() => Template.create('empty').execute(0)).toThrow('template: empty: "empty" is an incomplete or empty template');
  });

  it('runs define/template/block and lets a later parse redefine a block', () => {
    const t = Template.create('root').parse('{{define "tree"}}[{{.Val}}{{with .Left}}{{template "tree" .}}{{end}}]{{end}}');
    const tree = { Val: 1, Left: { Val: 2, Left: { Val: 3, Left: null } } };
    expect(t.executeTemplate('tree', tree)).toBe('[1[2[3]]]');
    const b = Template.create('page').parse('<{{block "body" .}}default {{.}}{{end}}>');
    expect(b.execute('x')).toBe('<default x>');
    const over = b.clone().parse('{{define "body"}}custom {{.}}{{end}}');
    expect(over.execute('y')).toBe('<custom y>');
    expect(b.execute('z')).toBe('<default z>');
  });

  it('fails with Go messages for bad executions', () => {
    const cases: Array<[string, RegExp]> = [
      ['{{index .SI 10}}', /error calling index: index out of range: 10/],
      ['{{index .SI `hello`}}', /cannot index slice\/array with type string/],
      ['{{len 3}}', /error calling len: len of type int/],
      ['{{.MyError true}}', /error calling MyError: my error/],
      ['{{3 2}}', /can't give argument to non-function 3/],
      ['{{$x := 1}}{{$x 2}}', /can't give argument to non-function \$x/],
      ['{{3|oneArg}}', /wrong type for value; expected string; got int/],
      ['{{(nil).True}}', /nil is not a command/],
      ['{{$x := nil}}', /nil is not a command/],
      ['{{.NoSuchField}}', /can't evaluate field NoSuchField in type T/],
      ['{{true|printf}}', /wrong type for value; expected string; got bool/],
      ['{{twoArgs "a"}}', /wrong number of args for twoArgs: want 2 got 1/],
      ['{{template "nope"}}', /template "nope" not defined/],
      ['{{range .X}}{{end}}', /range can't iterate over x/],
    ];
    for (const [text, re] of cases) expect(() => run(text), text).toThrow(re);
  });

  it('fails to parse with Go messages and line numbers', () => {
    const cases: Array<[string, string]> = [
      ['{{end}}', 'template: p:1: unexpected {{end}}'],
      ['{{if true}}', 'template: p:1: unexpected EOF'],
      ['a\n{{.X', 'template: p:2: unclosed action'],
      ['{{undefinedfn 1}}', 'template: p:1: function "undefinedfn" not defined'],
      ['{{$x}}', 'template: p:1: undefined variable "$x"'],
      ['{{break}}', 'template: p:1: {{break}} outside {{range}}'],
      ['hello\n\n{{`unterminated\n\n\n\n}}\n some more\n\n', 'template: p:3: unterminated raw quoted string'],
      ['{{"x}}', 'template: p:1: unterminated quoted string'],
      ['{{/* x */ 1}}', 'template: p:1: comment ends before closing delimiter'],
      ['{{define "a"}}x{{end}}{{define "a"}}y{{end}}', 'template: p:1: template: multiple definition of template "a"'],
      ['{{range $i, $j, $k := .}}{{end}}', 'template: p:1: too many declarations in range'],
      ['{{.X | 1}}', 'template: p:1: non executable command in pipeline stage 2'],
      ['{{3a}}', 'template: p:1: bad number syntax: "3a"'],
      ['{{if}}{{end}}', 'template: p:1: missing value for if'],
    ];
    for (const [text, msg] of cases) {
      expect(() => Template.create('p').parse(text), text).toThrow(msg);
    }
  });
});
