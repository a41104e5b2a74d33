/** The worker function's entry point: production wiring, built once per cold start. */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { WORKER_SERVICE } from '../names.ts';
import { createRuntime } from './runtime.ts';
import { createWorker } from './worker.ts';

const runtime = createRuntime(WORKER_SERVICE);
const worker = createWorker(runtime.updaterDeps);

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  runtime.logger.addContext(context);
  runtime.metrics.captureColdStartMetric(context.functionName);
  return worker(event, context);
}
