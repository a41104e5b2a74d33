/** The reconcile function's entry point: production wiring, built once per cold start. */
import { createReconcile } from './reconcile.ts';
import { RECONCILE_SERVICE } from '../names.ts';
import { createRuntime, lambdaHandler } from './runtime.ts';

const runtime = createRuntime(RECONCILE_SERVICE);
const reconcile = createReconcile(runtime.updaterDeps);

export const handler = lambdaHandler(runtime, (event: unknown, context) => reconcile(event, context));
