/**
 * Alertmanager's notification templates: the default definitions plus the user's `templates:`
 * files, rendered as text (missingkey=zero) or as HTML (values escaped, `safeHtml` trusted).
 */
import { alertmanagerFuncs, SafeHtml } from './am-funcs.js';
import { DEFAULT_TMPL, EMAIL_TMPL, NEWER_TMPL } from './default-templates.js';
import { Template } from './template.js';

/** html/template's escaping of a printed value in element content. */
export function htmlTemplateEscape(printed: string, value: unknown): string {
  if (value instanceof SafeHtml) return printed;
  return printed.replace(/[&'<>"+\0]/g, (c) =>
    ({ '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;', '+': '&#43;', '\0': '\uFFFD' })[c]!);
}

export interface TemplateFile {
  /** Name errors report (Go uses the file's base name). */
  readonly name: string;
  readonly text: string;
}

export class AlertmanagerTemplate {
  private readonly text: Template;
  private readonly html: Template;

  /** Parses the defaults, then each user file (later definitions win). Throws TemplateParseError. */
  constructor(files: readonly TemplateFile[] = [], now: () => number = Date.now) {
    const funcs = alertmanagerFuncs(now);
    this.text = Template.create('').option('missingkey=zero').funcs(funcs);
    this.html = Template.create('', { escape: htmlTemplateEscape }).option('missingkey=zero').funcs(funcs);
    for (const t of [this.text, this.html]) {
      t.parse(DEFAULT_TMPL);
      t.parse(NEWER_TMPL);
      t.parse(EMAIL_TMPL);
      for (const f of files) t.new(f.name).parse(f.text);
    }
  }

  /**
   * Parses the user's files alone, as the constructor would (same functions, same errors), without
   * the defaults, whose parse is most of the constructor's time: a configuration is checked at load
   * and its templates built when a notification first needs them.
   */
  static check(files: readonly TemplateFile[], now: () => number = Date.now): void {
    if (files.length === 0) return;
    const t = Template.create('').option('missingkey=zero').funcs(alertmanagerFuncs(now));
    for (const f of files) t.new(f.name).parse(f.text);
  }

  /** Renders a config string such as `{{ template "slack.default.title" . }}`. */
  executeTextString(text: string, data: unknown): string {
    if (text === '') return '';
    return this.text.clone().new('').parse(text).execute(data);
  }

  executeHtmlString(text: string, data: unknown): string {
    if (text === '') return '';
    const out = this.html.clone().new('').parse(text).execute(data);
    // html/template drops HTML comments from template text.
    return out.replace(/<!--[\s\S]*?-->/g, '');
  }

  /** Names of all defined templates. */
  templateNames(): string[] {
    return this.text.templateNames();
  }
}
