import type { UpdateType } from '../tags/index.ts';

export interface TemplateValues {
  readonly policy: string;
  readonly image: string;
  readonly from: string;
  readonly to: string;
  readonly digest: string;
  readonly updateType: UpdateType | '';
}

/** Fills `{{token}}`s of a commit message; the schema has already rejected unknown tokens. */
export function renderTemplate(template: string, values: TemplateValues): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, token: string) =>
    Object.hasOwn(values, token) ? String(values[token as keyof TemplateValues]) : whole,
  );
}
