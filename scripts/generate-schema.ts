/**
 * Writes `schema/image-updater.schema.json` from the zod schema, so editors autocomplete
 * `.image-updater.yaml`. A test fails when the committed file is stale: run `npm run schema`.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from '../lambdas/config/json-schema.ts';

export const SCHEMA_PATH = fileURLToPath(new URL('../schema/image-updater.schema.json', import.meta.url));

writeFileSync(SCHEMA_PATH, configJsonSchema());
process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
