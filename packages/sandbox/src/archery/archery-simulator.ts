/**
 * Archery (hhyo/Archery 1.9–1.14) as a real HTTP server: simplejwt login with expiry and refresh,
 * reference look-ups, sqlcheck, SQL work orders with DRF validation and Archery's own error bodies, list
 * paging and filters (`id` is the content row, `workflow_id` the order), audit and execute, plus a DBA API
 * for tests. Throttling (429) and 500 pages come from the shared fault injector.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FaultRule } from '../common/fault-injector.js';
import { createSimulatorApp, listenEphemeral, type SimulatorShell } from '../common/simulator-app.js';
import { SimulatorBase } from '../common/simulator-base.js';
import type { ArcheryCheckMatch, ArcheryCheckVerdict } from './archery-check-rules.js';
import { ArcheryJwt } from './archery-jwt.js';
import { ArcheryRefusal, errorsRefusal, validateRefusal } from './archery-refusal.js';
import { type ArcherySeed, type ArcherySeedUser, archerySeed } from './archery-seed.js';
import { type ArcherySimState, parseArcherySimState } from './archery-sim-state.js';
import { goInceptionColumns } from './archery-sql-review.js';
import {
  type ArcherySimStatus,
  ArcheryWorkOrderBook,
  defaultReviewEngineFailure,
  type SimWorkOrder,
  type SubmitInput,
} from './archery-work-order-book.js';
import {
  booleanField,
  charField,
  drfMessages,
  type FieldErrors,
  integerChoiceField,
  integerField,
  naiveDateTimeField,
  pythonTypeName,
  stringChoiceField,
} from './drf-field-validation.js';

export interface ArcherySimulatorOptions {
  host?: string;
  /** Delay of each background step of an auto execution (queuing → executing → end). Default 100 ms. */
  executeDelayMs?: number;
  /** Lifetime of an access token. Default 4 h, as Archery's SIMPLE_JWT setting. */
  accessTtlMs?: number;
  /** Lifetime of a refresh token. Default 3 days. */
  refreshTtlMs?: number;
  seed?: ArcherySeed;
  /**
   * Archery ≥ 1.11's `ban_self_audit` setting: the submitter of an order cannot pass it (another user,
   * e.g. the seed's `dba`, audits instead). Default false, as Archery ships.
   */
  banSelfAudit?: boolean;
  /** Continue from `snapshotState()` of an earlier simulator: its orders and id sequences. */
  state?: unknown;
}

export interface ArcherySimOrderView {
  workflowId: number;
  /** The content row id (the list filter `id`), not the order id. */
  id: number;
  workflowName: string;
  status: ArcherySimStatus;
  dbName: string;
  instance: string;
  groupName: string;
  sqlContent: string;
  engineer: string;
  createdAt: string;
  /** Audit levels passed so far, of `auditLevels`. */
  auditLevelsPassed: number;
  auditLevels: number;
}

export interface ArcheryCallRecord {
  route: string;
  status: number;
  /** Epoch ms when the request arrived. */
  at: number;
}

const pageSizeDefault = 5;
const pageSizeMax = 100;
const unauthenticated = { detail: '身份认证信息未提供。' };
const forbidden = { detail: '您没有执行该操作的权限。' };

/** A DRF throttle answer for the fault injector: `faults.inject(archeryThrottleFault(route, 2))`. */
export function archeryThrottleFault(route: string, retryAfterSeconds: number, times = 1): FaultRule {
  return {
    route,
    status: 429,
    retryAfterSeconds,
    times,
    body: { detail: `请求超过了限速。 Expected available in ${retryAfterSeconds} seconds.` },
  };
}

/** The route of a work order submission (the one `slowSubmissionAnswers` slows). */
const submitRoute = 'POST /api/v1/workflow/';

export class ArcherySimulator extends SimulatorBase {
  readonly credentials: { username: 'cdflow'; password: string };
  /** The DBA on duty (seed user `dba`), acting under Archery's rules. */
  readonly dba: {
    /** Pass every remaining audit level of the order (refused as Archery refuses, e.g. ban_self_audit). */
    pass(workflowId: number): void;
    /** Execute a passed order: `auto` runs in the background (queuing → executing → finish), `manual` finishes now. */
    execute(workflowId: number, mode?: 'auto' | 'manual'): void;
    /** The order's execution ends in workflow_exception with `message` in its execute_result. */
    fail(workflowId: number, message?: string): void;
    /** Terminate the order (the web UI's 终止): workflow_abort. */
    abort(workflowId: number): void;
  };

  private constructor(
    shell: SimulatorShell,
    url: string,
    private readonly book: ArcheryWorkOrderBook,
    private readonly jwt: ArcheryJwt,
    private readonly seed: ArcherySeed,
  ) {
    super(url, shell);
    const cdflow = seed.users.find((u) => u.username === 'cdflow');
    this.credentials = { username: 'cdflow', password: cdflow?.password ?? '' };
    // The DBA on duty of the seed: in both audit groups and every resource group, not the submitter.
    const dbaUser = 'dba';
    const order = (id: number): SimWorkOrder => {
      const found = book.byWorkflowId(id);
      if (!found) throw new Error(`no Archery work order with workflow_id ${id}`);
      return found;
    };
    this.dba = {
      pass: (id) => book.passAs(dbaUser, order(id)),
      execute: (id, mode = 'auto') => book.executeAs(dbaUser, order(id), mode),
      fail: (id, message = "(1146, \"Table 'acc.t' doesn't exist\")") => book.dbaFail(order(id), message),
      abort: (id) => book.dbaAbort(order(id)),
    };
  }

  static async start(options: ArcherySimulatorOptions = {}): Promise<ArcherySimulator> {
    const seed = options.seed ?? archerySeed;
    const shell = createSimulatorApp();
    const { app } = shell;
    const book = new ArcheryWorkOrderBook(seed, {
      executeDelayMs: options.executeDelayMs ?? 100,
      banSelfAudit: options.banSelfAudit ?? false,
    });
    if (options.state !== undefined) book.restore(parseArcherySimState(options.state));
    const jwt = new ArcheryJwt();
    const accessTtl = options.accessTtlMs ?? 4 * 3600_000;
    const refreshTtl = options.refreshTtlMs ?? 3 * 24 * 3600_000;
    const users = new Map(seed.users.map((u) => [u.id, u]));

    app.setErrorHandler((error, _request, reply) => {
      if (error instanceof ArcheryRefusal) {
        if (typeof error.body === 'string')
          return reply.code(error.status).type('text/html').send(error.body);
        return reply.code(error.status).send(error.body);
      }
      const { statusCode: status, message } = error as { statusCode?: number; message?: string };
      // Django answers an unparsable JSON body with DRF's ParseError.
      if (status === 400) return reply.code(400).send({ detail: `JSON parse error - ${message ?? ''}` });
      if (status === 415) return reply.code(415).send({ detail: '不支持请求中的媒体类型 “text/plain”。' });
      return reply.code(500).type('text/html').send('<h1>Server Error (500)</h1>');
    });

    /** simplejwt authentication then IsAuthenticated: the 401 bodies Archery answers. */
    const authenticate = (request: FastifyRequest, reply: FastifyReply): ArcherySeedUser => {
      const header = request.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/.exec(header) : null;
      if (!match) {
        reply.header('www-authenticate', 'Bearer realm="api"');
        throw new ArcheryRefusal(401, unauthenticated);
      }
      const claims = jwt.verify(match[1] as string, 'access', Date.now());
      if (!claims) {
        reply.header('www-authenticate', 'Bearer realm="api"');
        throw new ArcheryRefusal(401, {
          detail: '此令牌对任何类型的令牌无效',
          code: 'token_not_valid',
          messages: [{ token_class: 'AccessToken', token_type: 'access', message: '令牌无效或已过期' }],
        });
      }
      const user = users.get(claims.user_id);
      if (!user) throw new ArcheryRefusal(401, { detail: '找不到该用户', code: 'user_not_found' });
      return user;
    };
    const requirePermission = (user: ArcherySeedUser, permission: 'sql.sql_submit') => {
      if (!user.permissions.includes(permission)) throw new ArcheryRefusal(403, forbidden);
    };
    const requireWhitelist = (user: ArcherySeedUser) => {
      if (!user.apiWhitelisted) throw new ArcheryRefusal(403, forbidden);
    };

    // --- auth -------------------------------------------------------------------------------------------
    app.post('/api/auth/token/', async (request) => {
      const fields = SerializerFields.of(request.body);
      const username = fields.required('username', (v) => charField(v));
      const password = fields.required('password', (v) => charField(v, { trim: false }));
      fields.refuseIfInvalid();
      const user = seed.users.find((u) => u.username === username && u.password === password);
      if (!user) throw new ArcheryRefusal(401, { detail: '找不到指定凭据对应的有效用户' });
      const now = Date.now();
      return {
        refresh: jwt.issue('refresh', user.id, refreshTtl, now),
        access: jwt.issue('access', user.id, accessTtl, now),
      };
    });
    app.post('/api/auth/token/refresh/', async (request) => {
      const fields = SerializerFields.of(request.body);
      const refresh = fields.required('refresh', (v) => charField(v));
      fields.refuseIfInvalid();
      const claims = jwt.verify(refresh as string, 'refresh', Date.now());
      if (!claims || !users.has(claims.user_id)) {
        throw new ArcheryRefusal(401, { detail: '令牌无效或已过期', code: 'token_not_valid' });
      }
      return { access: jwt.issue('access', claims.user_id, accessTtl, Date.now()) };
    });
    app.post('/api/auth/token/verify/', async (request) => {
      const body = objectBody(request.body);
      const token = typeof body.token === 'string' ? body.token : '';
      const now = Date.now();
      if (!jwt.verify(token, 'access', now) && !jwt.verify(token, 'refresh', now)) {
        throw new ArcheryRefusal(401, { detail: '令牌无效或已过期', code: 'token_not_valid' });
      }
      return {};
    });
    app.get('/api/info', async () => ({ archery: { version: '1.11.3' }, django_q: { version: '1.3.9' } }));

    // --- reference look-ups ------------------------------------------------------------------------------
    app.get('/api/v1/user/resourcegroup/', async (request, reply) => {
      requireWhitelist(authenticate(request, reply));
      const q = query(request);
      const rows = seed.groups
        .filter(
          (g) =>
            !q.group_name__icontains ||
            g.groupName.toLowerCase().includes(q.group_name__icontains.toLowerCase()),
        )
        .map((g) => ({
          group_id: g.groupId,
          group_name: g.groupName,
          group_parent_id: 0,
          group_sort: 0,
          group_level: 1,
          ding_webhook: '',
          feishu_webhook: '',
          qywx_webhook: '',
          is_deleted: 0,
          create_time: '2024-01-01T09:00:00',
          sys_time: '2024-01-01T09:00:00',
        }));
      return paginate(request, rows);
    });
    app.get('/api/v1/instance/', async (request, reply) => {
      requireWhitelist(authenticate(request, reply));
      const q = query(request);
      const needle = q.instance_name__icontains?.toLowerCase();
      const rows = seed.instances
        .filter((i) => needle === undefined || i.instanceName.toLowerCase().includes(needle))
        .filter((i) => q.id === undefined || String(i.id) === q.id)
        // InstanceSerializer: every model field but the write-only password. `db_name` is the connection's
        // default database (usually empty), not the list of databases: that is /instance/resource/.
        .map((i) => ({
          id: i.id,
          instance_name: i.instanceName,
          type: 'master',
          db_type: i.dbType,
          mode: '',
          host: i.host,
          port: i.port,
          user: 'archery',
          is_ssl: false,
          db_name: i.dbName ?? '',
          charset: 'utf8mb4',
          service_name: null,
          sid: null,
          create_time: '2024-01-01T09:00:00',
          update_time: '2024-01-01T09:00:00',
          tunnel: null,
          resource_group: seed.groups
            .filter((g) => i.resourceGroups.includes(g.groupName))
            .map((g) => g.groupId),
          instance_tag: [],
        }));
      return paginate(request, rows);
    });
    // InstanceResource: an instance's databases (and a database's tables) read from the instance itself.
    app.post('/api/v1/instance/resource/', async (request, reply) => {
      requireWhitelist(authenticate(request, reply));
      const fields = SerializerFields.of(request.body);
      const instanceId = fields.required('instance_id', (v) => integerField(v));
      const resourceType = fields.required('resource_type', (v) =>
        stringChoiceField(v, ['database', 'schema', 'table', 'column']),
      );
      const dbName = fields.optional('db_name', (v) => charField(v));
      fields.optional('schema_name', (v) => charField(v));
      const tbName = fields.optional('tb_name', (v) => charField(v));
      fields.refuseIfInvalid();
      const instance = seed.instances.find((i) => i.id === instanceId);
      if (!instance) throw validateRefusal('不存在该实例');
      let result: string[];
      if (resourceType === 'database') result = [...instance.databases];
      else if (resourceType === 'table' && dbName) {
        // MySQL answers an unknown database as an engine error, which the view wraps in {"errors": …}.
        if (!instance.databases.includes(dbName)) {
          throw errorsRefusal(`(1049, "Unknown database '${dbName}'")`);
        }
        result = [];
      } else if (resourceType === 'column' && dbName && tbName) {
        result = [];
      } else throw errorsRefusal('不支持的资源类型或者参数不完整！');
      return { count: result.length, result };
    });
    app.get('/api/v1/user/', async (request, reply) => {
      requireWhitelist(authenticate(request, reply));
      const q = query(request);
      const rows = seed.users
        .filter((u) => q.username === undefined || u.username === q.username)
        .map((u) => ({
          id: u.id,
          username: u.username,
          display: u.display,
          is_active: true,
          is_superuser: false,
        }));
      return paginate(request, rows);
    });

    // --- sqlcheck ---------------------------------------------------------------------------------------
    app.post('/api/v1/workflow/sqlcheck/', async (request, reply) => {
      requirePermission(authenticate(request, reply), 'sql.sql_submit');
      const fields = SerializerFields.of(request.body);
      const instanceId = fields.required('instance_id', (v) => integerField(v));
      const dbName = fields.required('db_name', (v) => charField(v));
      const fullSql = fields.required('full_sql', (v) => charField(v));
      if (instanceId !== undefined && !seed.instances.some((i) => i.id === instanceId)) {
        fields.errors.instance_id = { errors: `不存在该实例：${instanceId}` };
      }
      fields.refuseIfInvalid();
      // ExecuteCheck wraps an engine exception as {"errors": "<message>"} (a failed review is a 200).
      const review = book.review(instanceId as number, dbName as string, fullSql as string);
      // ExecuteCheckResultSerializer: `checked` is a CharField, so goInception's True answers "True".
      return {
        is_execute: false,
        checked: 'True',
        warning: null,
        error: null,
        warning_count: review.warningCount,
        error_count: review.errorCount,
        is_critical: false,
        syntax_type: review.syntaxType,
        rows: review.rows,
        column_list: [...goInceptionColumns],
        status: null,
        affected_rows: 0,
      };
    });

    // --- work orders ------------------------------------------------------------------------------------
    const contentView = (o: SimWorkOrder) => ({
      id: o.contentId,
      workflow_id: o.workflowId,
      workflow: {
        id: o.workflowId,
        workflow_name: o.workflowName,
        demand_url: o.demandUrl,
        group_id: o.groupId,
        group_name: o.groupName,
        db_name: o.dbName,
        syntax_type: o.syntaxType,
        is_backup: o.isBackup,
        engineer: o.engineer,
        engineer_display: o.engineerDisplay,
        status: o.status,
        audit_auth_groups: o.auditAuthGroups,
        run_date_start: o.runDateStart,
        run_date_end: o.runDateEnd,
        create_time: o.createTime,
        finish_time: o.finishTime,
        is_manual: o.isManual,
        is_offline_export: o.isOfflineExport,
        export_format: null,
        file_name: null,
        instance: o.instanceId,
      },
      sql_content: o.sqlContent,
      review_content: o.reviewContent,
      execute_result: o.executeResult,
    });

    app.get('/api/v1/workflow/', async (request, reply) => {
      const user = authenticate(request, reply);
      const q = query(request);
      const intFilters = ['id', 'workflow_id', 'workflow__instance_id'] as const;
      const filterErrors: FieldErrors = {};
      for (const key of intFilters) {
        if (q[key] !== undefined && q[key] !== '' && !/^-?\d+$/.test(q[key]))
          filterErrors[key] = [drfMessages.enterANumber];
      }
      if (Object.keys(filterErrors).length > 0) throw new ArcheryRefusal(400, filterErrors);
      const seesGroup =
        user.permissions.includes('sql.sql_review') ||
        user.permissions.includes('sql.sql_execute_for_resource_group');
      const eq = (value: string | undefined, actual: string | number) =>
        value === undefined || value === '' || String(actual) === value;
      const rows = book
        .all()
        .filter((o) => (seesGroup ? user.resourceGroups.includes(o.groupName) : o.engineer === user.username))
        .filter((o) => eq(q.id, o.contentId))
        .filter((o) => eq(q.workflow_id, o.workflowId))
        .filter((o) => eq(q.workflow__instance_id, o.instanceId))
        .filter((o) => eq(q.workflow__db_name, o.dbName))
        .filter((o) => eq(q.workflow__engineer, o.engineer))
        .filter((o) => eq(q.workflow__status, o.status))
        .filter(
          (o) =>
            !q.workflow__workflow_name__icontains ||
            o.workflowName.toLowerCase().includes(q.workflow__workflow_name__icontains.toLowerCase()),
        )
        .filter((o) => !q.workflow__create_time__lt || o.createTime < q.workflow__create_time__lt)
        .filter((o) => !q.workflow__create_time__gte || o.createTime >= q.workflow__create_time__gte)
        .sort((a, b) => b.contentId - a.contentId)
        .map(contentView);
      return paginate(request, rows);
    });

    app.post('/api/v1/workflow/', async (request, reply) => {
      const user = authenticate(request, reply);
      requirePermission(user, 'sql.sql_submit');
      const input = validateSubmission(request.body, (id) => seed.instances.some((i) => i.id === id), seed);
      const order = book.submit(user, input);
      // A slow answer (slowSubmissionAnswers) is held back by the shell after this: the order is committed.
      return reply.code(201).send(contentView(order));
    });

    app.post('/api/v1/workflow/audit/', async (request, reply) => {
      authenticate(request, reply);
      const fields = SerializerFields.of(request.body);
      const engineer = fields.required('engineer', (v) => charField(v));
      const workflowId = fields.required('workflow_id', (v) => integerField(v));
      fields.required('audit_remark', (v) => charField(v));
      fields.required('workflow_type', (v) => strictChoice(v, [1, 2, 3]));
      const auditType = fields.required('audit_type', (v) => stringChoiceField(v, ['pass', 'cancel']));
      fields.refuseIfInvalid();
      const actor = book.user(engineer as string);
      if (!actor) throw validateRefusal(`不存在该用户：${engineer}`);
      const order = book.byWorkflowId(workflowId as number);
      // Only SQL orders (type 2) exist here; another type has no WorkflowAudit row for this id.
      if (!order || fields.body.workflow_type !== 2) throw validateRefusal('不存在该工单');
      return { msg: book.audit(actor, order, auditType as 'pass' | 'cancel') };
    });

    app.post('/api/v1/workflow/execute/', async (request, reply) => {
      authenticate(request, reply);
      const fields = SerializerFields.of(request.body);
      const engineer = fields.optional('engineer', (v) => charField(v));
      const workflowId = fields.required('workflow_id', (v) => integerField(v));
      const workflowType = fields.required('workflow_type', (v) => strictChoice(v, [2, 3]));
      const mode = fields.optional('mode', (v) => stringChoiceField(v, ['auto', 'manual']));
      fields.refuseIfInvalid();
      if (workflowType === 2) {
        if (!mode) throw validateRefusal('缺少 mode');
        if (!engineer) throw validateRefusal('缺少 engineer');
      }
      const actor = engineer ? book.user(engineer) : undefined;
      if (workflowType === 2 && !actor) throw validateRefusal(`不存在该用户：${engineer}`);
      const order = book.byWorkflowId(workflowId as number);
      if (!order || workflowType !== 2 || !actor) throw validateRefusal('不存在该工单');
      book.execute(actor, order, mode as 'auto' | 'manual');
      return { msg: '开始执行，执行结果请到工单详情页查看' };
    });

    app.addHook('onClose', async () => book.close());
    const url = await listenEphemeral(app, options.host ?? '127.0.0.1');
    return new ArcherySimulator(shell, url, book, jwt, seed);
  }

  /** Every work order, newest last, with both ids. */
  orders(): ArcherySimOrderView[] {
    return this.book.all().map((o) => ({
      workflowId: o.workflowId,
      id: o.contentId,
      workflowName: o.workflowName,
      status: o.status,
      dbName: o.dbName,
      instance: this.seed.instances.find((i) => i.id === o.instanceId)?.instanceName ?? String(o.instanceId),
      groupName: o.groupName,
      sqlContent: o.sqlContent,
      engineer: o.engineer,
      createdAt: o.createTime,
      auditLevelsPassed: o.audit.index,
      auditLevels: o.audit.levels.length,
    }));
  }

  /**
   * Test API: the next `times` submissions are committed at once but answered only after `delayMs` (a slow
   * notification after the commit), unlike a latency fault, which delays before the order exists.
   */
  slowSubmissionAnswers(delayMs: number, times = 1): void {
    // Only a saved order (201) counts: a refused or faulted submission leaves the slow answer for the next.
    this.shell.lateAnswers.add({ route: submitRoute, delayMs, times, status: 201 });
  }

  /** Test API: every access token issued so far is refused from now on (refresh tokens still work). */
  expireAccessTokens(): void {
    this.jwt.revokeIssued(['access']);
  }

  /** Test API: every token issued so far is refused, access and refresh (only a new login works). */
  revokeAllTokens(): void {
    this.jwt.revokeIssued(['access', 'refresh']);
  }

  /**
   * Add a review rule: every statement `match`es (case-insensitive substring, RegExp or predicate) gets a
   * row at `errlevel` 1 (warning) or 2 (error) with `message`, in sqlcheck and in submissions (an error
   * makes the order workflow_autoreviewwrong). Returns an id for `removeCheckRule`.
   */
  setCheckRule(match: ArcheryCheckMatch, verdict: ArcheryCheckVerdict): number {
    return this.book.rules.add(match, verdict);
  }

  removeCheckRule(id: number): void {
    this.book.rules.remove(id);
  }

  clearCheckRules(): void {
    this.book.rules.clear();
  }

  /**
   * The next `times` reviews (sqlcheck answers 400 {"errors": message}; a submission answers the same and
   * saves nothing) fail as when goInception cannot be reached.
   */
  failReviewEngine(message: string = defaultReviewEngineFailure, times = 1): void {
    this.book.failReviewEngine(message, times);
  }

  /**
   * The next submitted order's auto review fails: it is saved as workflow_autoreviewwrong and its
   * review_content's last row carries `message` at errlevel 2 (`times` orders in a row), after `after`
   * submissions reviewed as usual. Submissions only: sqlcheck answers as before (as when the database
   * changed between Archery's check and the submission).
   */
  failNextAutoReview(message = '模拟的自动审核错误', times = 1, options: { after?: number } = {}): void {
    const passing = Array.from({ length: Math.max(0, options.after ?? 0) }, () => null);
    this.book.failNextAutoReviews([...passing, ...Array.from({ length: times }, () => message)]);
  }

  /** Plain JSON of every order and the id sequences; start a simulator with `{ state }` to continue. */
  snapshotState(): ArcherySimState {
    return { version: 1, ...this.book.snapshot() };
  }

  /** Requests answered so far (including injected faults), with their arrival time, oldest first. */
  calls(route?: string): ArcheryCallRecord[] {
    return this.shell.requests
      .requests(route)
      .map(({ route: r, status, receivedAt }) => ({ route: r, status, at: receivedAt }));
  }
}

// --- request helpers ----------------------------------------------------------------------------------

function objectBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ArcheryRefusal(400, { non_field_errors: [drfMessages.notADict(pythonTypeName(body ?? null))] });
  }
  return body as Record<string, unknown>;
}

function query(request: FastifyRequest): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
    out[k] = Array.isArray(v) ? String(v[v.length - 1]) : v === undefined ? undefined : String(v);
  }
  return out;
}

type FieldResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** One DRF serializer pass over an object: each field checked in turn, every error kept by the field's name. */
class SerializerFields {
  readonly errors: FieldErrors = {};

  constructor(readonly body: Record<string, unknown>) {}

  /** A request's body, refused as DRF does when it is not a JSON object. */
  static of(body: unknown): SerializerFields {
    return new SerializerFields(objectBody(body));
  }

  required<T>(key: string, check: (v: unknown) => FieldResult<T>): T | undefined {
    if (!(key in this.body)) {
      this.errors[key] = [drfMessages.required];
      return undefined;
    }
    const r = check(this.body[key]);
    if (!r.ok) {
      this.errors[key] = [r.error];
      return undefined;
    }
    return r.value;
  }

  optional<T>(key: string, check: (v: unknown) => FieldResult<T>): T | undefined {
    if (!(key in this.body)) return undefined;
    return this.required(key, check);
  }

  get invalid(): boolean {
    return Object.keys(this.errors).length > 0;
  }

  /** DRF's 400 answer with every field's errors, when a field had any. */
  refuseIfInvalid(): void {
    if (this.invalid) throw new ArcheryRefusal(400, this.errors);
  }
}

/** `workflow_type`: an integer first (strings refused, see integerField), then one of the choices. */
function strictChoice(value: unknown, choices: number[]): FieldResult<number> {
  const int = integerField(value, { strict: true });
  if (!int.ok) return int;
  return integerChoiceField(int.value, choices);
}

/** PageNumberPagination with `size`: absolute next/previous links, 404 无效页面。 outside the pages. */
function paginate<T>(
  request: FastifyRequest,
  rows: T[],
): { count: number; next: string | null; previous: string | null; results: T[] } {
  const q = query(request);
  let size = pageSizeDefault;
  if (q.size !== undefined && /^\d+$/.test(q.size) && Number(q.size) > 0)
    size = Math.min(Number(q.size), pageSizeMax);
  const pages = Math.max(1, Math.ceil(rows.length / size));
  const pageText = q.page ?? '1';
  const page = pageText === 'last' ? pages : /^\d+$/.test(pageText) ? Number(pageText) : Number.NaN;
  if (!Number.isInteger(page) || page < 1 || page > pages)
    throw new ArcheryRefusal(404, { detail: drfMessages.invalidPage });
  const link = (p: number) => {
    const u = new URL(request.url, `http://${request.headers.host ?? 'localhost'}`);
    if (p === 1 && u.searchParams.has('page')) u.searchParams.delete('page');
    else u.searchParams.set('page', String(p));
    return u.toString();
  };
  return {
    count: rows.length,
    next: page < pages ? link(page + 1) : null,
    previous: page > 1 ? link(page - 1) : null,
    results: rows.slice((page - 1) * size, page * size),
  };
}

/** WorkflowContentSerializer(workflow=WorkflowSerializer()) validation, errors nested like DRF's. */
function validateSubmission(
  raw: unknown,
  instanceExists: (id: number) => boolean,
  seed: ArcherySeed,
): SubmitInput {
  const fields = SerializerFields.of(raw);
  const { body, errors } = fields;
  const sqlContent = fields.required('sql_content', (v) => charField(v));
  let workflow: Partial<SubmitInput> | undefined;
  if (!('workflow' in body)) errors.workflow = [drfMessages.required];
  else if (body.workflow === null || typeof body.workflow !== 'object' || Array.isArray(body.workflow)) {
    errors.workflow = { non_field_errors: [drfMessages.notADict(pythonTypeName(body.workflow))] };
  } else {
    const w = body.workflow as Record<string, unknown>;
    const wf = new SerializerFields(w);
    const workflowName = wf.required('workflow_name', (v) => charField(v, { maxLength: 50 }));
    const groupId = wf.required('group_id', (v) => integerField(v));
    if (groupId !== undefined && !seed.groups.some((g) => g.groupId === groupId)) {
      wf.errors.group_id = { errors: `不存在该资源组：${groupId}` };
    }
    const instanceId = wf.required('instance', (v): FieldResult<number> => {
      if (typeof v === 'boolean' || v === null || typeof v === 'object') {
        return {
          ok: false,
          error: v === null ? drfMessages.null : drfMessages.pkIncorrectType(pythonTypeName(v)),
        };
      }
      const id = Number(v);
      if (!Number.isInteger(id)) return { ok: false, error: drfMessages.pkIncorrectType(pythonTypeName(v)) };
      return instanceExists(id)
        ? { ok: true, value: id }
        : { ok: false, error: drfMessages.pkDoesNotExist(v) };
    });
    const dbName = wf.required('db_name', (v) => charField(v, { maxLength: 64 }));
    const demandUrl = wf.optional('demand_url', (v) => charField(v, { maxLength: 500, allowBlank: true }));
    const isBackup = wf.optional('is_backup', (v) => booleanField(v));
    wf.optional('engineer', (v) => charField(v, { maxLength: 30 }));
    const runDateStart = wf.optional('run_date_start', (v) => naiveDateTimeField(v));
    const runDateEnd = wf.optional('run_date_end', (v) => naiveDateTimeField(v));
    const isOfflineExport = wf.optional('is_offline_export', (v) => integerChoiceField(v, [0, 1]));
    if (wf.invalid) errors.workflow = wf.errors;
    workflow = {
      workflowName: workflowName as string,
      groupId: groupId as number,
      instanceId: instanceId as number,
      dbName: dbName as string,
      demandUrl: demandUrl ?? '',
      isBackup: isBackup ?? false,
      runDateStart: runDateStart ?? null,
      runDateEnd: runDateEnd ?? null,
      isOfflineExport,
    };
  }
  if (fields.invalid || !workflow) throw new ArcheryRefusal(400, errors);
  return { ...(workflow as SubmitInput), sqlContent: sqlContent as string };
}
