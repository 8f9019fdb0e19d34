export { RuleFileSchema, RuleGroupSchema, RuleNodeSchema, parsePromDurationMs, type RuleFileConfig, type RuleGroupConfig, type RuleNodeConfig } from './config.js';
export { RuleFileError, RuleFileReadError, type RuleFileErrorContext } from './errors.js';
export { loadRuleFile, parseRuleFile, type ExprParser, type LoadedGroup, type LoadedRule, type RuleFileResult } from './rule-file.js';
export { checkRules, type CheckRulesResult } from './check-rules.js';
