#!/usr/bin/env node
// Runs the TypeScript as it is in the working tree, through tsx (a devDependency): for working
// on the CLI. What `npm install` puts on PATH is the bundle, dist/cli/image-updater.mjs.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
