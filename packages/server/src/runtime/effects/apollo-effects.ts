/** The Apollo effect: write every item, then publish each namespace once. */
import { cdflowOperator, type EffectHandler } from './effect-handler.js';
import { upstreamsFor } from './environment-upstreams.js';

export const applyApollo: EffectHandler<'apollo.apply'> = async (effect, release, deps) => {
  const apollo = upstreamsFor(deps, release).ports.apollo;
  if (!apollo) {
    const vars =
      release.env === 'PRO' ? 'PRO_APOLLO_BASE_URL/PRO_APOLLO_TOKEN' : 'APOLLO_BASE_URL/APOLLO_TOKEN';
    return {
      kind: 'event',
      event: {
        type: 'CONFIG_APPLY_FAILED',
        reason: `Apollo is not configured for ${release.env} (${vars}): apply apollo_info by hand.`,
      },
    };
  }
  const namespaces = new Map<string, { appId: string; cluster: string; namespace: string }>();
  for (const item of effect.items) {
    await apollo.upsertItem(effect.env, item, cdflowOperator);
    const target = { appId: item.appId, cluster: item.cluster, namespace: item.namespace };
    namespaces.set(`${target.appId}/${target.cluster}/${target.namespace}`, target);
  }
  for (const target of namespaces.values()) {
    await apollo.publish(effect.env, target, {
      title: `cdflow ${release.releaseId}`,
      comment: `Published by cdflow for ${release.issueKey ?? release.releaseId}`,
      releasedBy: cdflowOperator,
    });
  }
  return { kind: 'event', event: { type: 'CONFIG_APPLIED' } };
};
