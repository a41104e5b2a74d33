/** Writes the example PR description into README.md (`npm run readme`). */
import { readFileSync, writeFileSync } from 'node:fs';
import { examplePrBody, README_PATH, withExample } from './example-pr-body.ts';

writeFileSync(README_PATH, withExample(readFileSync(README_PATH, 'utf8'), await examplePrBody()));
process.stdout.write(`wrote ${README_PATH}\n`);
