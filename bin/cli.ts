#!/usr/bin/env node
// The entry scripts/build-cli.mjs bundles into dist/cli/image-updater.mjs (package.json `bin`).
import { main } from './image-updater.ts';

process.exitCode = await main(process.argv.slice(2));
