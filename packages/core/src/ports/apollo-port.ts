/** What cdflow needs from the Apollo Open API; `@cdflow/adapters` implements it. */
import type { ApolloItem, Env } from '../release-types.js';

export interface ApolloPort {
  upsertItem(env: Env, item: ApolloItem, operator: string): Promise<void>;
  publish(
    env: Env,
    target: { appId: string; cluster: string; namespace: string },
    release: { title: string; comment: string; releasedBy: string },
  ): Promise<{ releaseId: number | string }>;
}
