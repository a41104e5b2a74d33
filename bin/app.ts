/**
 * The CDK app: `npx cdk deploy -c repos=acme/gitops [-c key=value …]` (keys: lib/context.ts).
 * cdk-nag's AwsSolutions pack validates every synth and fails it on an unacknowledged finding;
 * each acknowledgement is justified where the resource is made (the parts of lib/image-updater.ts).
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stackFromContext, unknownContextKeys } from '../lib/context.ts';
import { InvalidPropsError } from '../lib/errors.ts';
import { ImageUpdaterStack } from '../lib/image-updater-stack.ts';

const app = new App();
try {
  for (const warning of unknownContextKeys(app.node.getAllContext() as Record<string, unknown>))
    process.stderr.write(`image-updater: ${warning}\n`);
  const { stackName, props } = stackFromContext(app.node);
  new ImageUpdaterStack(app, stackName, props);
} catch (error) {
  // A wrong `-c` value is the user's to fix: one line naming the key, not a stack trace.
  if (!(error instanceof InvalidPropsError)) throw error;
  process.stderr.write(`image-updater: ${error.message}\n`);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
