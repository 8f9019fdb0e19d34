export { Template, type TemplateOptions } from './template.js';
export { TemplateParseError, TemplateExecError, type TemplateErrorCode } from './errors.js';
export { goFunc, type FuncMap, type GoFunc, type ParamType, type Signature } from './go-func.js';
export { GoFloat, goFloat, type GoMap } from './go-value.js';
export { GoTime, GoDuration, ZERO_TIME } from './go-time.js';
export { sprint, sprintf, sprintln, formatFloat } from './go-fmt.js';
export { humanize, humanize1024, humanizeDuration, humanizePercentage, humanizeTimestamp } from './humanize.js';
export { alertmanagerFuncs, SafeHtml } from './am-funcs.js';
export { AlertmanagerTemplate, htmlTemplateEscape, type TemplateFile } from './am-template.js';
export {
  Alert, Alerts, Data, KV, Pair, Pairs, alertFingerprint, buildTemplateData, quoteMeta, type TemplateAlertInput,
} from './am-data.js';
export {
  alertTemplateData, checkAlertTemplate, expandAlertTemplate, prometheusFuncs, QuerySample,
  type AlertTemplateData, type PromTemplateDeps, type QueryFunc, type QueryResultSample,
} from './prom-template.js';
export { DEFAULT_TMPL, EMAIL_TMPL } from './default-templates.js';
