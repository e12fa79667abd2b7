/**
 * The SQL source effect: read one SQL file (SVN or GitLab) and decode it once, here, so the text the
 * release keeps (and the policy checks, and Archery runs) is decided by one read. A retryable failure
 * (5xx, timeout, network) is thrown and retried by the runner; one that a retry cannot mend (the file is
 * not there, its bytes are not text in the fallback encoding, the credentials or the project map are
 * wrong, no source is configured) fails the item: the runner reports SQL_FETCH_FAILED naming the file.
 */
import { decodeSqlText, NonRetryableError, storedSqlText } from '@cdflow/core';
import type { EffectHandler } from './effect-handler.js';

export const fetchSqlFile: EffectHandler<'sql.fetch'> = async (effect, _release, { ports, config }) => {
  const source = ports.sqlSource;
  if (!source) {
    throw new NonRetryableError(
      `No SQL source is configured to read ${effect.ref}: set SVN_BASE_URL, SVN_USER and SVN_PASSWORD (or GITLAB_BASE_URL and GITLAB_TOKEN with sqlSource.gitlab.projects in the CDFLOW_CONFIG file), restart cdflow and retry, or send sql_content.`,
      { code: 'CONFIG_INVALID' },
    );
  }
  const bytes = await source.fetch(effect.file);
  const decoded = decodeSqlText(bytes, config.sqlFallbackEncoding);
  return {
    kind: 'event',
    event: {
      type: 'SQL_TEXT_FETCHED',
      ref: effect.ref,
      text: storedSqlText(decoded, source.kind, bytes.byteLength),
    },
  };
};
