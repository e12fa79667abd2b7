import type { HttpClientOptions } from './http-client.js';

/** The timeout, retries and logger an adapter hands on to its HttpClient. */
export type HttpClientTuning = Pick<HttpClientOptions, 'timeoutMs' | 'retries' | 'logger'>;

/** The tuning an adapter's options set; what they leave undefined stays absent, so HttpClient's defaults apply. */
export function httpClientTuning(options: HttpClientTuning): HttpClientTuning {
  return {
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.retries === undefined ? {} : { retries: options.retries }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  };
}
