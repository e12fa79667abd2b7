/** What the SQL sources reading files over HTTP share: their options' common part, setting names, the GET. */
import type { SqlFileRef, SqlSourcePort } from '@cdflow/core';
import type { HttpClientTuning } from '../http/http-client-tuning.js';
import type { HttpClient, HttpResponse, RequestOptions } from '../http/index.js';

/** What every SQL source's options hold besides its credentials: its root URL, HttpClient tuning, setting names. */
export interface SqlSourceOptions<Setting extends string> extends HttpClientTuning {
  baseUrl: string;
  /** How messages name the settings to fix; each one left out keeps the source's default name. */
  settingNames?: Partial<Record<Setting, string>>;
}

export abstract class HttpSqlSource<Setting extends string, Options extends SqlSourceOptions<Setting>>
  implements SqlSourcePort
{
  abstract readonly kind: string;
  /** The names messages give the settings: those the options name, else the defaults. */
  protected readonly settings: Record<Setting, string>;
  protected abstract readonly http: HttpClient;

  protected constructor(
    protected readonly options: Options,
    defaultSettingNames: Record<Setting, string>,
  ) {
    const names = { ...defaultSettingNames };
    for (const setting of Object.keys(names) as Setting[]) {
      names[setting] = options.settingNames?.[setting] ?? defaultSettingNames[setting];
    }
    this.settings = names;
  }

  abstract fetch(ref: SqlFileRef): Promise<Uint8Array>;

  /** GET of a file's raw bytes; an error of the HTTP client is thrown as `explain` rewords it. */
  protected async getFile(
    request: Pick<RequestOptions, 'path' | 'searchParams'>,
    explain: (err: unknown) => unknown,
  ): Promise<HttpResponse<Buffer>> {
    try {
      return await this.http.request({ method: 'GET', ...request, responseType: 'buffer' });
    } catch (err) {
      throw explain(err);
    }
  }
}

/** The bytes of a response body, without copying them. */
export function bodyBytes(res: HttpResponse<Buffer>): Uint8Array {
  return new Uint8Array(res.body.buffer, res.body.byteOffset, res.body.byteLength);
}
