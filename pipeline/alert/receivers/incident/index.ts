export { OPSGENIE_DEFAULTS, OpsgenieReceiver } from './opsgenie-receiver.js';
export { PAGERDUTY_DEFAULTS, PAGERDUTY_V1_URL, PagerdutyReceiver } from './pagerduty-receiver.js';
export { VICTOROPS_DEFAULTS, VictoropsReceiver } from './victorops-receiver.js';
export { IncidentioReceiver } from './incidentio-receiver.js';
