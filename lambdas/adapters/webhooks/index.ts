/** The webhook providers by the name in `POST /webhooks/<provider>`. */
import { argocd } from './argocd.ts';
import { distribution } from './distribution.ts';
import { dockerhub } from './dockerhub.ts';
import { ecr } from './ecr.ts';
import { flux } from './flux.ts';
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
  argocd,
  flux,
};

export type { ProviderName, WebhookProvider } from './types.ts';
