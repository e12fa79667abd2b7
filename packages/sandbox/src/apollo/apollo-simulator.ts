/**
 * An in-memory Apollo portal Open API (docs/upstreams.md, "Apollo"): items per env/app/cluster/namespace and
 * namespace releases. Like the real portal it refuses a wrong token (401), an app the token is not
 * authorised for (403), a namespace that does not exist (404), a payload without
 * `dataChangeLastModifiedBy` or from an unknown user (400), with `{status,message,timestamp,exception}`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  SimulatorBase,
  type SimulatorRequest,
  type SimulatorShell,
  startTokenSimulator,
} from '../common/index.js';
import { apolloErrorBody } from './apollo-error.js';
import {
  type ApolloSeedNamespace,
  apolloSeedForbiddenApp,
  apolloSeedNamespaces,
  apolloSeedUsers,
} from './apollo-seed.js';
import { parseApolloSimState } from './apollo-sim-state.js';

export interface ApolloSimulatorOptions {
  host?: string;
  /** The Open API token to accept; random by default. */
  token?: string;
  /** Namespaces the token may change; default `apolloSeedNamespaces`. */
  namespaces?: readonly ApolloSeedNamespace[];
  /** Portal users allowed as operators; default `apolloSeedUsers`. */
  users?: readonly string[];
  /**
   * Continue from `snapshotState()` of an earlier simulator: its namespaces, items, users and releases
   * (`namespaces` and `users` are then ignored).
   */
  state?: unknown;
}

/** Plain JSON of everything the portal holds, as `snapshotState()` answers it. */
export interface ApolloSimState {
  version: 1;
  namespaces: Array<{
    ref: ApolloSeedNamespace;
    authorized: boolean;
    items: Array<ApolloSimItem & { createdAt: string; modifiedAt: string }>;
  }>;
  users: string[];
  releases: ApolloSimRelease[];
  nextReleaseId: number;
}

export interface ApolloSimItem {
  env: string;
  appId: string;
  cluster: string;
  namespace: string;
  key: string;
  value: string;
  comment: string;
  dataChangeCreatedBy: string;
  dataChangeLastModifiedBy: string;
}

export interface ApolloSimRelease {
  id: number;
  env: string;
  appId: string;
  cluster: string;
  namespace: string;
  name: string;
  comment: string;
  releasedBy: string;
  configurations: Record<string, string>;
  createdAt: string;
}

/** One request the simulator answered, with the time it arrived (to check back-off from the server side). */
export type ApolloSimRequest = SimulatorRequest;

/** An item as the portal keeps it: with the times it was created and last modified. */
type StoredItem = ApolloSimItem & { createdAt: string; modifiedAt: string };

interface NamespaceState {
  ref: ApolloSeedNamespace;
  authorized: boolean;
  items: Map<string, StoredItem>;
}

const ns = '/openapi/v1/envs/:env/apps/:appId/clusters/:cluster/namespaces/:namespace';
type NsParams = { env: string; appId: string; cluster: string; namespace: string };

/** `requests()` and `answerLate(route, delayMs, times)` come from `SimulatorBase`. */
export class ApolloSimulator extends SimulatorBase {
  readonly credentials: { token: string };

  private readonly namespaceStates = new Map<string, NamespaceState>();
  private readonly users: Set<string>;
  private readonly releaseList: ApolloSimRelease[] = [];
  private nextReleaseId = 2001;

  private constructor(shell: SimulatorShell, url: string, token: string, users: readonly string[]) {
    super(url, shell);
    this.credentials = { token };
    this.users = new Set(users);
  }

  static async start(options: ApolloSimulatorOptions = {}): Promise<ApolloSimulator> {
    const saved = options.state === undefined ? undefined : parseApolloSimState(options.state);
    const sim = await startTokenSimulator(
      options,
      { prefix: 'apollo-sim-', bytes: 12 },
      registerRoutes,
      (shell, url, token) =>
        new ApolloSimulator(shell, url, token, saved?.users ?? options.users ?? apolloSeedUsers),
    );
    if (saved) {
      sim.restore(saved);
      return sim;
    }
    for (const n of options.namespaces ?? apolloSeedNamespaces) sim.addNamespace(n);
    if (options.namespaces === undefined) sim.addNamespace(apolloSeedForbiddenApp, { authorized: false });
    return sim;
  }

  /** Create a namespace (and its app/cluster); `authorized: false` makes the token get 403 on it. */
  addNamespace(ref: ApolloSeedNamespace, options: { authorized?: boolean } = {}): void {
    this.namespaceStates.set(nsKey(ref), {
      ref: { ...ref },
      authorized: options.authorized ?? true,
      items: new Map(),
    });
  }

  addUser(user: string): void {
    this.users.add(user);
  }

  /** Every item of every namespace (current, not necessarily published, values). */
  items(): ApolloSimItem[] {
    return [...this.namespaceStates.values()].flatMap((state) =>
      [...state.items.values()].map(({ createdAt: _c, modifiedAt: _m, ...item }) => ({ ...item })),
    );
  }

  /** Every release published, oldest first. */
  releases(): ApolloSimRelease[] {
    return this.releaseList.map((r) => ({ ...r, configurations: { ...r.configurations } }));
  }

  /** Plain JSON of the namespaces (with their items), portal users and releases, to continue later. */
  snapshotState(): ApolloSimState {
    return structuredClone({
      version: 1 as const,
      namespaces: [...this.namespaceStates.values()].map((n) => ({
        ref: n.ref,
        authorized: n.authorized,
        items: [...n.items.values()],
      })),
      users: [...this.users],
      releases: this.releaseList,
      nextReleaseId: this.nextReleaseId,
    });
  }

  private restore(state: ApolloSimState): void {
    const copy = structuredClone(state);
    for (const n of copy.namespaces) {
      this.namespaceStates.set(nsKey(n.ref), {
        ref: n.ref,
        authorized: n.authorized,
        items: new Map(n.items.map((i) => [i.key, i])),
      });
    }
    this.releaseList.push(...copy.releases);
    this.nextReleaseId = copy.nextReleaseId;
  }

  /** @internal */
  isUser(name: string): boolean {
    return this.users.has(name);
  }

  /** @internal */
  namespaceState(params: NsParams): NamespaceState | undefined {
    return this.namespaceStates.get(nsKey(params));
  }

  /** @internal */
  appExists(env: string, appId: string): { authorized: boolean } | undefined {
    const states = [...this.namespaceStates.values()].filter(
      (s) => s.ref.env === env && s.ref.appId === appId,
    );
    if (states.length === 0) return undefined;
    return { authorized: states.some((s) => s.authorized) };
  }

  /** @internal */
  publish(
    state: NamespaceState,
    input: { name: string; comment: string; releasedBy: string },
  ): ApolloSimRelease {
    const configurations = Object.fromEntries([...state.items.values()].map((i) => [i.key, i.value]));
    const release: ApolloSimRelease = {
      id: this.nextReleaseId++,
      env: state.ref.env,
      appId: state.ref.appId,
      cluster: state.ref.cluster,
      namespace: state.ref.namespace,
      name: input.name,
      comment: input.comment,
      releasedBy: input.releasedBy,
      configurations,
      createdAt: javaNow(),
    };
    this.releaseList.push(release);
    return release;
  }

  /** @internal */
  latestRelease(params: NsParams): ApolloSimRelease | undefined {
    return this.releaseList.findLast(
      (r) =>
        r.env === params.env &&
        r.appId === params.appId &&
        r.cluster === params.cluster &&
        r.namespace === params.namespace,
    );
  }
}

function nsKey(ref: NsParams): string {
  return [ref.env, ref.appId, ref.cluster, ref.namespace].join('\u0000');
}

function javaNow(): string {
  return new Date().toISOString().replace('Z', '+0000');
}

function fail(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).send(apolloErrorBody(status, message));
}

/** The request body as a JSON object, or null (Spring answers "Required request body is missing"). */
function jsonObject(body: unknown): Record<string, unknown> | null {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : null;
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** Jackson binds a JSON number or boolean to a String field; objects and arrays it refuses. */
function asJavaString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** The audit fields the portal's DTOs end with (Apollo's `BaseDTO`): who created and last changed it, when. */
function dataChangeFields(
  createdBy: string,
  lastModifiedBy: string,
  createdTime: string,
  lastModifiedTime: string,
) {
  return {
    dataChangeCreatedBy: createdBy,
    dataChangeLastModifiedBy: lastModifiedBy,
    dataChangeCreatedTime: createdTime,
    dataChangeLastModifiedTime: lastModifiedTime,
  };
}

function itemDto(item: StoredItem): Record<string, unknown> {
  return {
    key: item.key,
    value: item.value,
    comment: item.comment,
    ...dataChangeFields(
      item.dataChangeCreatedBy,
      item.dataChangeLastModifiedBy,
      item.createdAt,
      item.modifiedAt,
    ),
  };
}

function releaseDto(r: ApolloSimRelease): Record<string, unknown> {
  return {
    id: r.id,
    appId: r.appId,
    clusterName: r.cluster,
    namespaceName: r.namespace,
    name: r.name,
    configurations: r.configurations,
    comment: r.comment,
    ...dataChangeFields(r.releasedBy, r.releasedBy, r.createdAt, r.createdAt),
  };
}

function registerRoutes(app: FastifyInstance, token: string, sim: () => ApolloSimulator): void {
  app.addHook('onRequest', async (request, reply) => {
    const pattern = request.routeOptions.url;
    if (pattern === undefined || pattern.startsWith('/__sim/')) return;
    if (request.headers.authorization !== token) return fail(reply, 401, 'Unauthorized');
  });
  // Permission and existence are checked before the body, as the portal's filters and @PreAuthorize do.
  app.addHook<{ Params: Partial<NsParams> }>('preValidation', async (request, reply) => {
    const { env, appId, cluster, namespace } = request.params ?? {};
    if (env === undefined || appId === undefined || cluster === undefined || namespace === undefined) return;
    const appState = sim().appExists(env, appId);
    if (appState && !appState.authorized) return fail(reply, 403, 'Access is denied');
    if (!appState) return fail(reply, 404, `app not found: ${appId} in env ${env}`);
    if (!sim().namespaceState({ env, appId, cluster, namespace })) {
      return fail(reply, 404, `namespace not found: ${appId}/${cluster}/${namespace} in env ${env}`);
    }
  });
  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500;
    return fail(reply, status, status === 500 ? 'internal server error' : error.message);
  });
  app.setNotFoundHandler((request, reply) =>
    fail(reply, 404, `No handler found for ${request.method} ${request.url}`),
  );

  app.get<{ Params: NsParams }>(ns, async (request) => {
    const state = sim().namespaceState(request.params)!;
    return {
      appId: state.ref.appId,
      clusterName: state.ref.cluster,
      namespaceName: state.ref.namespace,
      comment: '',
      format: 'properties',
      isPublic: false,
      items: [...state.items.values()].map(itemDto),
    };
  });

  app.get<{ Params: NsParams & { key: string } }>(`${ns}/items/:key`, async (request, reply) => {
    const state = sim().namespaceState(request.params)!;
    const item = state.items.get(request.params.key);
    if (!item) return fail(reply, 404, `Item not exists for key: ${request.params.key}`);
    return itemDto(item);
  });

  app.put<{ Params: NsParams & { key: string }; Querystring: { createIfNotExists?: string }; Body: unknown }>(
    `${ns}/items/:key`,
    async (request, reply) => {
      const state = sim().namespaceState(request.params)!;
      const item = jsonObject(request.body);
      if (item === null) return fail(reply, 400, 'Required request body is missing');
      if (isEmpty(item.key) || isEmpty(item.dataChangeLastModifiedBy)) {
        return fail(reply, 400, 'key and dataChangeLastModifiedBy should not be null or empty');
      }
      if (item.key !== request.params.key)
        return fail(reply, 400, 'Key in path and payload is not consistent');
      const modifiedBy = asJavaString(item.dataChangeLastModifiedBy);
      if (modifiedBy === undefined || !sim().isUser(modifiedBy)) {
        return fail(reply, 400, `User ${String(item.dataChangeLastModifiedBy)} doesn't exist!`);
      }
      const value = asJavaString(item.value);
      if (value === undefined) return fail(reply, 400, 'value should not be null');
      const comment = asJavaString(item.comment) ?? '';
      const existing = state.items.get(request.params.key);
      const now = javaNow();
      if (!existing) {
        if (request.query.createIfNotExists !== 'true') {
          return fail(reply, 404, `Item not exists for key: ${request.params.key}`);
        }
        const createdBy = isEmpty(item.dataChangeCreatedBy)
          ? modifiedBy
          : asJavaString(item.dataChangeCreatedBy);
        if (createdBy === undefined || !sim().isUser(createdBy)) {
          return fail(reply, 400, `User ${String(item.dataChangeCreatedBy)} doesn't exist!`);
        }
        state.items.set(request.params.key, {
          ...state.ref,
          key: request.params.key,
          value,
          comment,
          dataChangeCreatedBy: createdBy,
          dataChangeLastModifiedBy: modifiedBy,
          createdAt: now,
          modifiedAt: now,
        });
      } else {
        existing.value = value;
        existing.comment = comment;
        existing.dataChangeLastModifiedBy = modifiedBy;
        existing.modifiedAt = now;
      }
      // The portal answers 200 with no body.
      return reply.code(200).send();
    },
  );

  app.delete<{ Params: NsParams & { key: string }; Querystring: { operator?: string } }>(
    `${ns}/items/:key`,
    async (request, reply) => {
      const state = sim().namespaceState(request.params)!;
      const operator = request.query.operator;
      if (isEmpty(operator)) return fail(reply, 400, 'operator should not be null or empty');
      if (!sim().isUser(operator!)) return fail(reply, 400, `User ${operator} doesn't exist!`);
      if (!state.items.delete(request.params.key)) {
        return fail(reply, 404, `Item not exists for key: ${request.params.key}`);
      }
      return reply.code(200).send();
    },
  );

  app.post<{ Params: NsParams; Body: unknown }>(`${ns}/releases`, async (request, reply) => {
    const state = sim().namespaceState(request.params)!;
    const input = jsonObject(request.body);
    if (input === null) return fail(reply, 400, 'Required request body is missing');
    if (isEmpty(input.releaseTitle) || isEmpty(input.releasedBy)) {
      return fail(reply, 400, 'Params(releaseTitle and releasedBy) can not be empty');
    }
    const releasedBy = asJavaString(input.releasedBy);
    if (releasedBy === undefined || !sim().isUser(releasedBy)) {
      return fail(reply, 400, `user(releaseBy) not exists: ${String(input.releasedBy)}`);
    }
    const release = sim().publish(state, {
      name: asJavaString(input.releaseTitle) ?? '',
      comment: asJavaString(input.releaseComment) ?? '',
      releasedBy,
    });
    return releaseDto(release);
  });

  app.get<{ Params: NsParams }>(`${ns}/releases/latest`, async (request, reply) => {
    const latest = sim().latestRelease(request.params);
    // The portal answers 200 with an empty body when the namespace was never released.
    if (!latest) return reply.code(200).send();
    return releaseDto(latest);
  });
}
