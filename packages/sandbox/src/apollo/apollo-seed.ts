/** The Apollo namespaces and users the sandbox starts with (the demo release configures `a18-console`). */
export interface ApolloSeedNamespace {
  env: string;
  appId: string;
  cluster: string;
  namespace: string;
}

export const apolloSeedNamespaces: readonly ApolloSeedNamespace[] = ['UAT', 'PRO'].flatMap((env) =>
  ['a18-console', 'a18-report'].map((appId) => ({
    env,
    appId,
    cluster: 'default',
    namespace: 'application',
  })),
);

/** Portal users: Apollo refuses an item or release whose operator is not one of them. */
export const apolloSeedUsers: readonly string[] = ['apollo', 'cdflow'];

/** An app that exists but that the sandbox token is not authorised for (answers 403). */
export const apolloSeedForbiddenApp: ApolloSeedNamespace = {
  env: 'UAT',
  appId: 'payment-core',
  cluster: 'default',
  namespace: 'application',
};
