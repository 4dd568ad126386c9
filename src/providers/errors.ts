/**
 * Every provider error is classified once, where the provider's wire format is known, into one of three
 * dispositions; activities turn that into Temporal semantics (the only retry layer).
 */
export type Disposition =
  /** transient: let Temporal retry with its backoff */
  | { readonly kind: 'retry' }
  /** the provider said when to come back (429 headers, Retry-After): retry after exactly that */
  | { readonly kind: 'retry-after'; readonly delayMs: number }
  /** retrying cannot help: fail now with a message an operator can act on */
  | { readonly kind: 'fail' };

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    /** the provider's registry name, e.g. 'aws-iam' */
    readonly provider: string,
    /** a stable, typed error name, e.g. 'IamThrottled', 'IamKeyLimitReached' */
    readonly type: string,
    message: string,
    readonly disposition: Disposition,
    options?: { cause?: unknown; httpStatus?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.httpStatus = options?.httpStatus;
  }
  readonly httpStatus: number | undefined;
}

export const retry: Disposition = { kind: 'retry' };
export const failFast: Disposition = { kind: 'fail' };
export const retryAfter = (delayMs: number): Disposition => ({ kind: 'retry-after', delayMs: Math.max(0, Math.round(delayMs)) });
