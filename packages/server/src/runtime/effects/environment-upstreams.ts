/**
 * Which upstreams an effect goes to: its release's environment's — UAT's (the top-level configuration)
 * or production's (`environments.PRO`). A production effect never falls back to the UAT upstreams.
 */
import { NonRetryableError, prodNotConfiguredMessage } from '@cdflow/core';
import type { EnvironmentUpstreams } from '../../config/server-config.js';
import type { EffectDeps, EffectRelease } from './effect-handler.js';
import type { EnvironmentPorts } from './runtime-ports.js';

export interface ReleaseUpstreams {
  ports: EnvironmentPorts;
  /** Their settings (URLs for links, `is_backup`, the CMDB dialect). */
  settings: EnvironmentUpstreams;
}

export function upstreamsFor(
  deps: Pick<EffectDeps, 'ports' | 'config'>,
  release: Pick<EffectRelease, 'env'>,
): ReleaseUpstreams {
  const { ports, config } = deps;
  if (release.env === 'UAT') {
    return {
      ports,
      settings: { archery: config.archery, cmdb: config.cmdb, apollo: config.apollo },
    };
  }
  const prodPorts = ports.environments?.PRO;
  const settings = config.environments.PRO;
  if (!prodPorts || !settings)
    throw new NonRetryableError(prodNotConfiguredMessage, { code: 'CONFIG_INVALID' });
  return { ports: prodPorts, settings };
}
