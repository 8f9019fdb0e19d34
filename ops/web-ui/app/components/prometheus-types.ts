/** Shapes of Prometheus' status APIs as the pages read them. */
export type Labels = Record<string, string>;

export interface Target {
  readonly discoveredLabels: Labels;
  readonly labels: Labels;
  readonly scrapePool: string;
  readonly scrapeUrl: string;
  readonly globalUrl?: string;
  readonly lastError: string;
  readonly lastScrape: string;
  readonly lastScrapeDuration: number;
  readonly health: 'up' | 'down' | 'unknown';
  readonly scrapeInterval?: string;
  readonly scrapeTimeout?: string;
}

export interface DroppedTarget {
  readonly discoveredLabels: Labels;
  readonly scrapePool?: string;
}

export interface TargetsData {
  readonly activeTargets: Target[];
  readonly droppedTargets: DroppedTarget[];
  readonly droppedTargetCounts?: Record<string, number>;
}

export interface Alert {
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly state: 'pending' | 'firing' | 'inactive';
  readonly activeAt?: string;
  readonly keepFiringSince?: string;
  readonly value: string;
}

interface RuleBase {
  readonly name: string;
  readonly query: string;
  readonly labels?: Labels;
  readonly health: 'ok' | 'err' | 'unknown';
  readonly lastError?: string;
  readonly evaluationTime: number;
  readonly lastEvaluation: string;
}
export interface AlertingRule extends RuleBase {
  readonly type: 'alerting';
  readonly state: 'pending' | 'firing' | 'inactive';
  readonly duration: number;
  readonly keepFiringFor?: number;
  readonly annotations?: Labels;
  readonly alerts: Alert[];
}
export interface RecordingRule extends RuleBase {
  readonly type: 'recording';
}
export type Rule = AlertingRule | RecordingRule;

export interface RuleGroup {
  readonly name: string;
  readonly file: string;
  readonly interval: number;
  readonly rules: Rule[];
  readonly evaluationTime: number;
  readonly lastEvaluation: string;
}
