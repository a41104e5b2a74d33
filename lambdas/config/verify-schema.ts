/** `verify` of a policy or of `defaults` (SPEC §3): the signature a digest needs before any write. */
import * as z from 'zod';

/** A PEM public key as cosign writes it (`cosign.pub`): ECDSA P-256 or another key type it signs with. */
const PEM_PUBLIC_KEY = /^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----\s*$/;
/** A Secrets Manager secret whose value is the PEM (the stack must be allowed to read it). */
const SECRET_ARN =
  /^arn:aws(?:-[a-z]+)*:secretsmanager:[a-z]{2}(?:-[a-z]+)+-\d+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/;

const key = z
  .string()
  .max(8192, 'longer than 8,192 characters')
  .refine(
    (value) => PEM_PUBLIC_KEY.test(value.trim() + '\n') || SECRET_ARN.test(value),
    'a PEM public key (-----BEGIN PUBLIC KEY----- …) or the ARN of a Secrets Manager secret holding one',
  )
  .describe('The public key signatures must verify with: PEM text, or a Secrets Manager secret ARN.');

const CosignSchema = z
  .strictObject({
    key: key.optional(),
    identity: z
      .string()
      .min(1)
      .max(512)
      .optional()
      .describe('Keyless: the certificate identity (subject alternative name) that must have signed.'),
    issuer: z
      .url()
      .max(512)
      .optional()
      .describe(
        'Keyless: the OIDC issuer of the signing certificate, e.g. https://token.actions.githubusercontent.com',
      ),
  })
  .superRefine((value, ctx) => {
    const keyless = value.identity !== undefined || value.issuer !== undefined;
    if (value.key !== undefined && keyless)
      ctx.addIssue({ code: 'custom', message: 'either key, or identity and issuer (keyless), not both' });
    else if (value.key === undefined && !(value.identity !== undefined && value.issuer !== undefined))
      ctx.addIssue({
        code: 'custom',
        message: 'needs key (a public key), or identity and issuer together (keyless)',
      });
  })
  .transform((value) =>
    value.key !== undefined
      ? { key: value.key }
      : { identity: value.identity ?? '', issuer: value.issuer ?? '' },
  );

export const VerifySchema = z
  .strictObject({ cosign: CosignSchema })
  .describe(
    'Signature verification of the pushed digest before any write; an unsigned or wrongly signed image is never proposed.',
  );
