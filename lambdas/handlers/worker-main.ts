/** The worker function's entry point: production wiring, built once per cold start. */
import type { SQSEvent } from 'aws-lambda';
import { WORKER_SERVICE } from '../names.ts';
import { createRuntime, lambdaHandler } from './runtime.ts';
import { createWorker } from './worker.ts';

const runtime = createRuntime(WORKER_SERVICE);
const worker = createWorker(runtime.updaterDeps);

export const handler = lambdaHandler(runtime, (event: SQSEvent, context) => worker(event, context));
