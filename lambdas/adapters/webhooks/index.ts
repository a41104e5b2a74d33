/** The webhook providers by the name in `POST /webhooks/<provider>`. */
import { distribution } from './distribution.ts';
import { dockerhub } from './dockerhub.ts';
import { ecr } from './ecr.ts';
import { ghcr } from './ghcr.ts';
import { github } from './github.ts';
import { harbor } from './harbor.ts';
import type { ProviderName, WebhookProvider } from './types.ts';

export const PROVIDERS: Readonly<Record<ProviderName, WebhookProvider>> = {
  distribution,
  harbor,
  dockerhub,
  ghcr,
  ecr,
  github,
};

export type { ProviderName, WebhookProvider } from './types.ts';
