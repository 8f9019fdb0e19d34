export { JIRA_DEFAULTS, JiraReceiver, promDurationMs } from './jira-receiver.js';
