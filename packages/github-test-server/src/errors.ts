/** An error the emulator answers with, shaped like GitHub's error bodies. */
export class HttpError extends Error {
  readonly status: number;
  readonly errors: readonly unknown[] | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly documentationUrl: string;

  constructor(
    status: number,
    message: string,
    options: {
      errors?: readonly unknown[];
      headers?: Record<string, string>;
      documentationUrl?: string;
    } = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.documentationUrl = options.documentationUrl ?? 'https://docs.github.com/rest';
  }

  body(): Record<string, unknown> {
    return {
      message: this.message,
      ...(this.errors ? { errors: this.errors } : {}),
      documentation_url: this.documentationUrl,
      status: String(this.status),
    };
  }
}

export const notFound = (): HttpError => new HttpError(404, 'Not Found');

/** GitHub's 422 "Validation Failed" with structured errors. */
export function validationFailed(errors: readonly Record<string, unknown>[]): HttpError {
  return new HttpError(422, 'Validation Failed', { errors });
}
