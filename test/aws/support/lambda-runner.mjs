// A minimal Lambda runtime for one bundled handler, run as a child process (under the Node
// binary being tested). Invocations arrive as JSON lines on stdin; answers go to fd 3 so that
// the function's own logs (stdout) stay apart. argv: <bundle file> <export name>
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [file, exportName] = process.argv.slice(2);
const reply = (message) => writeSync(3, `${JSON.stringify(message)}\n`);

const started = performance.now();
const module = await import(pathToFileURL(file).href);
reply({ ready: true, importMs: performance.now() - started, node: process.version });

let count = 0;
for await (const line of createInterface({ input: process.stdin })) {
  const { id, event, timeoutMs = 120_000 } = JSON.parse(line);
  count += 1;
  const deadline = Date.now() + timeoutMs;
  const context = {
    functionName: 'image-updater-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:image-updater-test',
    memoryLimitInMB: '1024',
    awsRequestId: `request-${count}`,
    logGroupName: '/aws/lambda/image-updater-test',
    logStreamName: 'test',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  const t0 = performance.now();
  try {
    const result = await module[exportName](event, context);
    reply({ id, result, ms: performance.now() - t0 });
  } catch (error) {
    reply({
      id,
      error: { name: error?.name, message: error?.message, code: error?.code },
      ms: performance.now() - t0,
    });
  }
}
