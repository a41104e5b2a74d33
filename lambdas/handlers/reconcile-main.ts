/** The reconcile function's entry point: production wiring, built once per cold start. */
import type { Context } from 'aws-lambda';
import { createReconcile, type ReconcileSummary } from './reconcile.ts';
import { RECONCILE_SERVICE } from '../names.ts';
import { createRuntime } from './runtime.ts';

const runtime = createRuntime(RECONCILE_SERVICE);
const reconcile = createReconcile(runtime.updaterDeps);

export async function handler(event: unknown, context: Context): Promise<ReconcileSummary> {
  runtime.logger.addContext(context);
  runtime.metrics.captureColdStartMetric(context.functionName);
  return reconcile(event, context);
}
