/**
 * What the code logs and measures through: the slice of Powertools Logger and Metrics it uses, so
 * tests can read what a user would see in CloudWatch (adapters: `adapters/logging/json-log.ts`).
 */
export interface Log {
  debug(message: string, ...attributes: Record<string, unknown>[]): void;
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

export type MetricUnitName = 'Count' | 'Milliseconds';

export interface MetricSink {
  addMetric(name: string, unit: MetricUnitName, value: number): void;
  publishStoredMetrics(): void;
}
