import { isAxiosError, type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import type { z } from 'zod';
import { failFast, ProviderError, retry, type Disposition } from '../errors';
import { scrub } from './scrub';
import { isTransient, type TransportError } from './transport';
import { outcomeOfStatus } from '../../telemetry/metrics';
import { recordProviderCall, secondsSince } from '../../telemetry/provider-calls';

/** What a client was doing when a call failed; each provider adds its ids (a set, a secret, a token). */
export interface HttpAction {
  /** the provider's name for the call, e.g. `updateCredential`, `CreateSecretVersion` */
  readonly operation: string;
  readonly endpoint: string;
}

/** What an HTTP provider supplies to the shared toolkit: its names and its fix hint. Its status table stays its own. */
export interface HttpProviderProfile<A extends HttpAction> {
  /** `ProviderError.provider`: the provider's registry name */
  readonly provider: string;
  /** the typed names of the failures every HTTP provider has */
  readonly types: {
    /** no answer, for a transient reason (reset, timeout, refused connection): retried */
    readonly unreachable: string;
    /** no answer, for a reason retrying cannot fix (a bad URL): fails fast */
    readonly endpointInvalid: string;
    /** a 2xx whose body does not match the schema: fails fast */
    readonly unexpectedResponse: string;
  };
  /** what the operator should check when the endpoint cannot be used: the variables that set it */
  readonly endpointHint: string;
  /** how messages name the call: the provider, its operation and the id it acts on */
  readonly describe: (action: A) => string;
}

/** An HTTP answer, whatever its status. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, unknown>;
  readonly data: unknown;
}

/** The answer's failure builder: `fail(type, hint)` is "<call> failed: <what the provider said>. <hint>", secrets removed. */
export type AnswerFailure = (type: string, hint: string, disposition?: Disposition) => ProviderError;

/**
 * The plumbing every HTTP provider shares, bound to one provider's names: sending, classifying a missing answer,
 * parsing a 2xx body, and the shape of a failure message. What the provider's statuses and error bodies mean is
 * decided by the provider's own `classifyResponse`.
 */
export class HttpProvider<A extends HttpAction> {
  constructor(readonly profile: HttpProviderProfile<A>) {}

  /** Sends, counting the call and its outcome; a failure to get any answer leaves as a classified ProviderError, never as the axios error. */
  async send(http: AxiosInstance, action: A, request: AxiosRequestConfig, secrets: () => readonly string[]): Promise<AxiosResponse> {
    const startedAt = performance.now();
    try {
      const response = await http.request(request);
      recordProviderCall(this.profile.provider, action.operation, outcomeOfStatus(response.status), secondsSince(startedAt));
      return response;
    } catch (err) {
      recordProviderCall(this.profile.provider, action.operation, 'no_answer', secondsSince(startedAt));
      if (isAxiosError(err)) throw this.transportFailure(action, { code: err.code, message: err.message }, secrets());
      throw err;
    }
  }

  /** Classifies a failure to get any HTTP answer (connection, timeout, DNS). */
  transportFailure(action: A, err: TransportError, secrets: readonly string[]): ProviderError {
    const { provider, types, endpointHint, describe } = this.profile;
    const message = scrub(`${describe(action)} failed: no answer from ${action.endpoint} (${err.code ?? 'error'}: ${err.message}).`, secrets);
    const cause = new Error(scrub(err.message, secrets)); // not the axios error: its config holds the credentials and the request body
    if (isTransient(err)) return new ProviderError(provider, types.unreachable, `${message} Retrying.`, retry, { cause });
    return new ProviderError(provider, types.endpointInvalid, `${message} ${endpointHint}`, failFast, { cause });
  }

  /** The failures of one HTTP answer; `said` is what the provider answered, e.g. `HTTP 403 AUM0017 "…"`. */
  answerFailure(action: A, answer: Pick<HttpAnswer, 'status'>, said: string, secrets: readonly string[]): AnswerFailure {
    const { provider, describe } = this.profile;
    return (type, hint, disposition = failFast) =>
      new ProviderError(provider, type, scrub(`${describe(action)} failed: ${said}. ${hint}`, secrets), disposition, { httpStatus: answer.status });
  }

  /** A 2xx whose body is not what the provider documents. */
  unexpectedResponse(action: A, status: number, problem: string): ProviderError {
    const { provider, types, describe } = this.profile;
    return new ProviderError(provider, types.unexpectedResponse, `${describe(action)}: HTTP ${status} with an unexpected body (${problem}).`, failFast, { httpStatus: status });
  }

  /** The body of a 2xx answer as the schema reads it, or an unexpected-response failure. */
  parsed<S extends z.ZodType>(action: A, response: Pick<AxiosResponse, 'status' | 'data'>, schema: S): z.output<S> {
    const result = schema.safeParse(response.data);
    if (result.success) return result.data;
    // paths and kinds only: values may be secrets
    const problem = result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.code}`).join('; ');
    throw this.unexpectedResponse(action, response.status, problem);
  }
}
