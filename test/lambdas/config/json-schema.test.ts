import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../../lambdas/config/json-schema.ts';
import { parse } from 'yaml';

const committed = readFileSync(new URL('../../../schema/image-updater.schema.json', import.meta.url), 'utf8');

describe('published JSON Schema', () => {
  it('is generated from the zod schema (run `npm run schema` when this fails)', () => {
    expect(committed).toBe(configJsonSchema());
  });

  it('lets an editor accept the example config and reject an unknown key', () => {
    const validate = new Ajv2020({ strict: false }).compile(JSON.parse(committed));
    const example = parse(
      readFileSync(new URL('../../../examples/gitops/.image-updater.yaml', import.meta.url), 'utf8'),
    );
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...example, colour: 'blue' })).toBe(false);
    expect(validate({ version: 1, policies: [{ name: 'a', image: 'nginx', strategy: 'sometimes' }] })).toBe(
      false,
    );
  });
});
