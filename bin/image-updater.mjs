#!/usr/bin/env node
// npm `bin` shim: runs the TypeScript CLI through tsx so a checkout works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./image-updater.ts');
process.exitCode = await main(process.argv.slice(2));
