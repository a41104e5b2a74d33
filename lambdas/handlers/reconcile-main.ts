/** The reconcile function's entry point: production wiring, built once per cold start. */
import type { Context } from 'aws-lambda';
import { createReconcile, type ReconcileSummary } from './reconcile.ts';
import { RECONCILE_SERVICE } from '../names.ts';
import { createRuntime } from './runtime.ts';

const runtime = createRuntime(RECONCILE_SERVICE);
const reconcile = createReconcile({
  repos: runtime.env.WATCHED_REPOS,
  host: runtime.host,
  credentialsRejected: runtime.credentialsRejected,
  tagLister: runtime.tagLister,
  log: runtime.logger,
  metrics: runtime.metrics,
});

export async function handler(event: unknown, context: Context): Promise<ReconcileSummary> {
  runtime.logger.addContext(context);
  runtime.metrics.captureColdStartMetric(context.functionName);
  return reconcile(event, context);
}
