import * as z from 'zod';
import { ConfigSchema } from './schema.ts';

/** The published JSON Schema, as the exact text committed under `schema/`. */
export function configJsonSchema(): string {
  const schema = z.toJSONSchema(ConfigSchema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  });
  const published = {
    ...schema,
    $id: 'https://github.com/image-updater/image-updater/schema/image-updater.schema.json',
    title: 'image-updater configuration (.image-updater.yaml)',
  };
  return `${JSON.stringify(published, null, 2)}\n`;
}
