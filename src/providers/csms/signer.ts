/**
 * `SDK-HMAC-SHA256` AK/SK signing through Huawei's own Node SDK core (`AKSKSigner`), so the rotator signs exactly as
 * Huawei's SDKs do. Only its signer and credentials modules are loaded (they need lodash and moment), never its HTTP client.
 */
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials';

export interface AkSk {
  readonly accessKey: string;
  readonly secretKey: string;
}

export interface SignableRequest {
  readonly method: string;
  /** absolute, e.g. `https://kms.cn-north-4.myhuaweicloud.com/v1/{project}/secrets/x` */
  readonly url: string;
  /** sent and signed as given: the SDK signs every header it is handed */
  readonly headers: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  /** JSON body: the SDK hashes `JSON.stringify(body)`, so the same serialisation must be sent */
  readonly body?: object;
}

/** `YYYYMMDDTHHMMSSZ` in UTC, the `X-Sdk-Date` format. */
export function sdkDate(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** The headers to send: the given ones plus `X-Sdk-Date`, `host` and `Authorization`. */
export function signRequest(request: SignableRequest, credentials: AkSk, at: Date): Record<string, string> {
  const signed = AKSKSigner.sign(
    {
      method: request.method,
      endpoint: request.url,
      headers: { ...request.headers, 'X-Sdk-Date': sdkDate(at) },
      queryParams: request.query ?? {},
      data: request.body,
    },
    new BasicCredentials().withAk(credentials.accessKey).withSk(credentials.secretKey),
  ) as Record<string, string>;
  return signed;
}

/** The serialisation of a body that matches the signature. */
export function bodyText(body: object | undefined): string | undefined {
  return body === undefined ? undefined : JSON.stringify(body);
}
