/**
 * Production (PRO) releases: the rules that are not the chart's shape — which approval step is next and
 * who may give it, how a release differs from what its UAT release applied, the production release a
 * promotion makes, and the Jira names of the production workflow ("cdflow-prod") a release mirrors.
 * Pure: the host passes what it verified (the approver's Jira groups, whether production upstreams
 * are configured) in the events.
 */
import { defaultJiraWorkflowNames, type JiraMoveKey, type JiraWorkflowNames } from './jira-workflow.js';
import { apolloItemKey } from './plan-release.js';
import type { PromotionSource } from './release-effects.js';
import type { PersonEvent } from './release-events.js';
import type {
  ApolloItem,
  AppliedState,
  ChangeWindow,
  ConfigItem,
  DroppedItem,
  NormalizedRequest,
  PlanEntry,
  ProdApprovalStep,
  ProdDifference,
  ProdJiraNames,
  ProdProgress,
  ProdSettings,
  ReleaseContext,
  ReleasePlan,
  ReleaseSettings,
  SqlItem,
  SqlItemAwaitingText,
} from './release-types.js';

/** The original's review steps, in order: DBA, SA, team lead (groups and statuses of the sandbox's Jira). */
export const defaultProdApprovals: readonly ProdApprovalStep[] = [
  {
    key: 'dba',
    label: 'the DBA',
    group: 'dba',
    status: '待DBA审批',
    transition: 'DBA审批通过',
    returnTransition: '退回DBA审批',
    approvesDifferences: false,
  },
  {
    key: 'sa',
    label: 'the SA',
    group: 'sa',
    status: '待SA审批',
    transition: 'SA审批通过',
    returnTransition: '退回SA审批',
    approvesDifferences: false,
  },
  {
    key: 'lead',
    label: 'the team lead',
    group: 'team-leads',
    status: '待组长审批',
    transition: '组长审批通过',
    returnTransition: '退回组长审批',
    approvesDifferences: true,
  },
];

/** Weekday evenings, 22:00–24:00 Beijing time: a production window when the site names none. */
export const defaultChangeWindows: readonly ChangeWindow[] = [
  { cron: '0 22 * * 1-5', durationMinutes: 120, timeZone: 'Asia/Shanghai' },
];

/** The production workflow's own names with the site's UAT names for the statuses it shares. */
export function defaultProdJiraNames(shared: JiraWorkflowNames = defaultJiraWorkflowNames): ProdJiraNames {
  return {
    issueType: '运营升级',
    shared,
    rejectedStatus: '审批驳回',
    completeStatus: '运营升级完成',
    rejectTransition: '审批驳回',
    resubmitIterationTransition: '重新提交运营迭代升级',
  };
}

export function defaultProdSettings(shared: JiraWorkflowNames = defaultJiraWorkflowNames): ProdSettings {
  return {
    approvals: defaultProdApprovals.map((s) => ({ ...s })),
    publisherMayApprove: false,
    changeWindows: defaultChangeWindows.map((w) => ({ ...w })),
    jira: defaultProdJiraNames(shared),
  };
}

/**
 * The settings a production release runs with, and what a person should know about them: cdflow never
 * executes SQL in production, so SQL mode `auto` becomes `watch` (the DBA executes, cdflow watches).
 */
export function prodReleaseSettings(
  settings: ReleaseSettings,
  prod: ProdSettings,
): { settings: ReleaseSettings; notes: string[] } {
  const notes: string[] = [];
  let sqlMode = settings.sqlMode;
  if (sqlMode === 'auto') {
    sqlMode = 'watch';
    notes.push(
      'SQL mode auto is watch in production: cdflow never executes SQL there; the DBA executes each work order in Archery and cdflow watches it.',
    );
  }
  return { settings: { ...settings, sqlMode, prod }, notes };
}

/** The release is a production release (it carries its production side). */
export function isProdRelease(context: Pick<ReleaseContext, 'prod'>): boolean {
  return context.prod !== undefined;
}

function prodSettingsOf(context: ReleaseContext): ProdSettings {
  const prod = context.settings.prod;
  if (!prod)
    throw new Error(`release ${context.releaseId} is a production release without production settings`);
  return prod;
}

/** The approval step the release waits for now, or null when every step is approved (or it is not PRO). */
export function currentApprovalStep(context: ReleaseContext): ProdApprovalStep | null {
  if (!context.prod) return null;
  const given = new Set(context.prod.approvals.map((a) => a.step));
  return prodSettingsOf(context).approvals.find((s) => !given.has(s.key)) ?? null;
}

/** Every approval step is approved (true for a UAT release: it has none). */
export function approvalsComplete(context: ReleaseContext): boolean {
  return currentApprovalStep(context) === null;
}

/** The step this approval gives is the last one. */
export function isLastApprovalStep(context: ReleaseContext): boolean {
  const steps = context.settings.prod?.approvals ?? [];
  const step = currentApprovalStep(context);
  return step !== null && steps[steps.length - 1]?.key === step.key;
}

/** Why a decision is not taken, for the person who asked (`forbidden`: who they are, not when). */
export interface ProdRefusal {
  code: string;
  message: string;
  forbidden: boolean;
}

const inGroup = (groups: readonly string[], group: string) =>
  groups.some((g) => g.toLowerCase() === group.toLowerCase());

type ApprovalEvent = Extract<PersonEvent, { type: 'PROD_APPROVED' }>;
type RejectionEvent = Extract<PersonEvent, { type: 'PROD_REJECTED' }>;

/** Why this approval cannot be taken now, or null when it can. */
export function approvalRefusal(context: ReleaseContext, event: ApprovalEvent): ProdRefusal | null {
  const prod = context.prod;
  const step = currentApprovalStep(context);
  if (!prod || !step) {
    return {
      code: 'approval_not_waiting',
      message: 'No approval step waits: every step of this production release is approved.',
      forbidden: false,
    };
  }
  const settings = prodSettingsOf(context);
  if (event.step !== undefined && event.step !== step.key) {
    const known = settings.approvals.some((s) => s.key === event.step);
    return {
      code: 'approval_out_of_order',
      message: known
        ? `The release waits for ${step.label}'s approval (step ${step.key}, Jira ${step.status}), not step ${event.step}: steps are approved in order (${settings.approvals.map((s) => s.key).join(' → ')}).`
        : `No approval step "${event.step}": the steps are ${settings.approvals.map((s) => s.key).join(', ')}; the release waits for ${step.key}.`,
      forbidden: false,
    };
  }
  const who = event.by;
  if (!inGroup(event.groups, step.group)) {
    const theirs = event.groups.length > 0 ? event.groups.join(', ') : 'no group';
    return {
      code: 'approval_not_in_group',
      message:
        `${who} may not give ${step.label}'s approval (${step.transition}): it must come from a member of the Jira group ${step.group}, ` +
        `and ${who} is in ${theirs}. Ask a member of ${step.group}, or a Jira admin to add ${who} to it.`,
      forbidden: true,
    };
  }
  const earlier = prod.approvals.find((a) => a.by === who);
  if (earlier) {
    return {
      code: 'approval_twice',
      message: `${who} already approved step ${earlier.step}: each step needs another approver, so ${step.label}'s approval (${step.transition}) must come from someone else in ${step.group}.`,
      forbidden: true,
    };
  }
  if (!settings.publisherMayApprove && who === prod.publishedBy) {
    return {
      code: 'approval_by_publisher',
      message: `${who} asked for this production release and may not approve it too (prod.publisherMayApprove is false): ${step.label}'s approval must come from another member of ${step.group}.`,
      forbidden: true,
    };
  }
  const differences = prodDifferences(context);
  if (
    step.approvesDifferences &&
    differences.length > 0 &&
    event.via === 'api' &&
    event.acknowledgeDifferences !== true
  ) {
    return {
      code: 'approval_needs_acknowledgement',
      message:
        `This production release differs from what its UAT release applied, and ${step.label}'s approval covers the differences: ` +
        `${differencesText(differences)}. Approve again with "acknowledgeDifferences": true to approve them, or reject the release.`,
      forbidden: false,
    };
  }
  return null;
}

/** Why this rejection cannot be taken, or null. In Jira it always can: stopping production is safe. */
export function rejectionRefusal(context: ReleaseContext, event: RejectionEvent): ProdRefusal | null {
  const step = currentApprovalStep(context);
  if (!context.prod || !step) {
    return {
      code: 'rejection_not_waiting',
      message:
        'Nothing waits for approval: a production release can be rejected only before every step is approved.',
      forbidden: false,
    };
  }
  if (event.via === 'jira') return null;
  const groups = prodSettingsOf(context).approvals.map((s) => s.group);
  if (!groups.some((g) => inGroup(event.groups, g))) {
    return {
      code: 'rejection_not_in_group',
      message: `${event.by} may not reject a production release: only an approver (a member of ${groups.join(' or ')}) may; ${event.by} is in ${event.groups.join(', ') || 'no group'}.`,
      forbidden: true,
    };
  }
  return null;
}

/** The refusal of a promotion when the host has no production upstreams. */
export const prodNotConfiguredMessage =
  'Production is not configured: cdflow has no production Archery and CMDB (set PRO_ARCHERY_BASE_URL, PRO_ARCHERY_USER, ' +
  'PRO_ARCHERY_PASSWORD and PRO_CMDB_BASE_URL with PRO_CMDB_TOKEN — or environments.PRO in the CDFLOW_CONFIG file — and restart). ' +
  'A production release is never sent to the UAT upstreams.';

/**
 * A decision of a person the machine refuses for a reason of its own (who approves, what is configured):
 * the message, a stable code, and whether it is about who asked. Null when the generic refusal says it.
 */
export function prodDecisionRefusal(
  release: { state: string; context: ReleaseContext },
  event: { type: string },
): ProdRefusal | null {
  const top = release.state.split('.')[0];
  if (event.type === 'PROMOTE_TO_PROD' && top === 'uatComplete') {
    if ((event as { prodUpstreams?: boolean }).prodUpstreams === false)
      return { code: 'prod_not_configured', message: prodNotConfiguredMessage, forbidden: false };
    return null;
  }
  if (top !== 'prodApproval') return null;
  if (event.type === 'PROD_APPROVED') return approvalRefusal(release.context, event as ApprovalEvent);
  if (event.type === 'PROD_REJECTED') return rejectionRefusal(release.context, event as RejectionEvent);
  return null;
}

// ---- differences from UAT -------------------------------------------------------------------------

const text = (d: ProdDifference) => `${d.section} ${d.id}: ${d.reason}`;

export function differencesText(differences: readonly ProdDifference[]): string {
  return differences.map(text).join('; ');
}

/** Items of the request that are in UAT by other means (`has_deploy_uat`) or for production only. */
const exempt = (item: { deployedToUat?: boolean; prodOnly?: boolean }) =>
  item.deployedToUat === true || item.prodOnly === true;

/**
 * How an item UAT applies (SQL, config, Apollo) differs from `done`, what UAT applied of it (null: no UAT
 * release applied anything): not at all when exempt, else what `differs` says of the applied one.
 */
function appliedDifference<A>(
  item: { deployedToUat?: boolean; prodOnly?: boolean },
  done: A | null | undefined,
  differs: (done: A) => string | null,
): string | null {
  if (exempt(item)) return null;
  if (done === null) return 'no UAT release of this summary applied it';
  if (!done) return 'UAT did not apply it';
  return differs(done);
}

/** What UAT applied of the item `key` of `section`; null when no UAT release applied anything. */
const appliedIn = <S extends 'sql' | 'config' | 'apollo'>(
  base: AppliedState | null,
  section: S,
  key: string,
) => (base === null ? null : (base[section][key] as AppliedState[S][string] | undefined));

const sqlDifference = (item: SqlItem, base: AppliedState | null) =>
  appliedDifference(item, appliedIn(base, 'sql', item.sqlId), (done) =>
    item.hash !== '' && done.hash !== item.hash
      ? `its SQL text differs from the one UAT applied (${item.hash.slice(0, 12)} here, ${done.hash.slice(0, 12)} in UAT)`
      : null,
  );

const configDifference = (item: ConfigItem, base: AppliedState | null) =>
  appliedDifference(item, appliedIn(base, 'config', item.name), (done) =>
    done.hash === item.hash ? null : 'its content differs from what UAT applied',
  );

const apolloDifference = (item: ApolloItem, base: AppliedState | null) =>
  appliedDifference(item, appliedIn(base, 'apollo', apolloItemKey(item)), (done) =>
    done.value === item.value ? null : `value ${item.value} here, UAT applied ${done.value}`,
  );

function codeDifference(item: NormalizedRequest['code'][number], base: AppliedState | null): string | null {
  if (item.svnVersion === '' || item.prodOnly === true) return null;
  if (base === null) return 'no UAT release of this summary deployed it';
  const done = base.code[item.service];
  if (!done) return 'UAT did not deploy it';
  if (done.svnVersion !== item.svnVersion)
    return `version ${item.svnVersion} here, UAT deployed ${done.svnVersion}`;
  if (done.tag !== item.tag) return `tag ${item.tag} here, UAT deployed tag ${done.tag}`;
  return null;
}

/**
 * How a production release's request differs from what its UAT release applied: SQL with another text
 * (or not applied in UAT), code with another version, config and Apollo items UAT did not apply; and
 * what UAT applied that the request leaves out. Items for production only (`运营`, `ONLYPROD`, a `…prod`
 * path) and items already in UAT by other means (`has_deploy_uat`) are no differences. SQL whose text is
 * still to be read is compared once it is read.
 */
export function prodDifferences(context: ReleaseContext): ProdDifference[] {
  const prod = context.prod;
  if (!prod) return [];
  const base = prod.uatApplied;
  const request = context.request;
  const out: ProdDifference[] = [];
  const add = (section: ProdDifference['section'], id: string, reason: string | null) => {
    if (reason !== null) out.push({ section, id, reason });
  };
  for (const item of [...request.sql].sort((a, b) => a.seq - b.seq))
    add('sql', item.sqlId, sqlDifference(item, base));
  for (const item of request.code) add('code', item.service, codeDifference(item, base));
  for (const item of request.config) add('config', item.name, configDifference(item, base));
  for (const item of request.apollo) add('apollo', apolloItemKey(item), apolloDifference(item, base));
  if (base !== null) {
    const named = new Set([
      ...request.sql.map((s) => s.sqlId),
      ...(request.sqlAwaitingText ?? []).map((s) => s.sqlId),
      ...request.dropped.map((d) => d.id),
    ]);
    for (const sqlId of Object.keys(base.sql)) {
      if (!named.has(sqlId)) add('sql', sqlId, 'UAT applied it; this request leaves it out');
    }
    const services = new Set(request.code.map((c) => c.service));
    for (const service of Object.keys(base.code)) {
      if (!services.has(service)) add('code', service, 'UAT deployed it; this request leaves it out');
    }
  }
  return out;
}

/** The plan with each entry that differs from UAT marked (`differsFromUat`). */
export function flagDifferences(plan: ReleasePlan, context: ReleaseContext): ReleasePlan {
  if (!context.prod) return plan;
  const base = context.prod.uatApplied;
  const mark = <T>(entry: PlanEntry<T>, reason: string | null): PlanEntry<T> => {
    const { differsFromUat: _old, ...rest } = entry;
    return reason === null ? rest : { ...rest, differsFromUat: reason };
  };
  return {
    sql: plan.sql.map((e) => mark(e, sqlDifference(e.item, base))),
    code: plan.code.map((e) => mark(e, codeDifference(e.item, base))),
    config: plan.config.map((e) => mark(e, configDifference(e.item, base))),
    apollo: plan.apollo.map((e) => mark(e, apolloDifference(e.item, base))),
  };
}

// ---- promotion --------------------------------------------------------------------------------------

/** File-name marks per environment: a SQL file whose name contains one of them is not run there. */
export type SqlFileFilters = Record<'UAT' | 'PRO', readonly string[]>;

/**
 * The original's marks (jiracdflow `utils/cicdflow_utils.py`): UAT skips `ONLYPROD` files (and, by the
 * `dropOperationalSqlInUat` rule, `运营` ones), production skips `ONLYUAT` files.
 */
export const defaultSqlFileFilters: SqlFileFilters = { UAT: ['ONLYPROD'], PRO: ['ONLYUAT'] };

/** The mark of `file` that keeps it out of `env`, or null. */
export function sqlFileMark(file: string, filters: SqlFileFilters, env: 'UAT' | 'PRO'): string | null {
  return filters[env].find((mark) => mark !== '' && file.includes(mark)) ?? null;
}

/** What a UAT release promoted to production hands over: what it ran and applied, as it stands. */
export function promotionSource(context: ReleaseContext): PromotionSource {
  return {
    releaseId: context.releaseId,
    summary: context.summary,
    request: context.request,
    applied: context.applied,
    sqlTexts: context.sqlTexts ?? {},
    version: context.request.version,
  };
}

/**
 * The production request a promotion makes: exactly what the UAT release applied — the SQL items it
 * applied (or found already in UAT), in sequence order, with the same texts and hashes; its config and
 * Apollo items; its code versions — less the SQL files marked for UAT only, plus the items UAT dropped
 * as production-only (files marked `运营`/`ONLYPROD`, `…prod` paths), back in their place.
 */
export function promotedRequest(
  source: PromotionSource,
  filters: SqlFileFilters = defaultSqlFileFilters,
): NormalizedRequest {
  const uat = source.request;
  const dropped: DroppedItem[] = [];
  type Placed = { item: SqlItem | SqlItemAwaitingText; order: number };
  const placed: Placed[] = [];
  const kept = [...uat.sql].sort((a, b) => a.seq - b.seq);
  kept.forEach((item, index) => {
    const applied = source.applied.sql[item.sqlId];
    const mark = sqlFileMark(item.svnFile, filters, 'PRO');
    if (mark !== null) {
      dropped.push({ section: 'sql', id: item.sqlId, rule: `sqlFileFilters.PRO (${mark})` });
      return;
    }
    if (!(item.deployedToUat === true || (applied && applied.hash === item.hash))) {
      dropped.push({ section: 'sql', id: item.sqlId, rule: 'not applied in UAT' });
      return;
    }
    placed.push({ item, order: index + 1 });
  });
  // A production-only file goes after the UAT items that came before it in the request.
  uat.dropped.forEach((d, i) => {
    if (d.sqlItem)
      placed.push({ item: { ...d.sqlItem, prodOnly: true }, order: (d.keptBefore ?? 0) + 0.5 + i / 1e6 });
  });
  placed.sort((a, b) => a.order - b.order);
  const sql: SqlItem[] = [];
  const awaiting: SqlItemAwaitingText[] = [];
  placed.forEach(({ item }, index) => {
    const seq = index + 1;
    // An item UAT skipped as already there may never have been read: production reads it.
    if ('sql' in item && (item.sql !== '' || item.hash !== '')) sql.push({ ...item, seq });
    else {
      const { sql: _sql, hash: _hash, ...rest } = item as SqlItem;
      awaiting.push({ ...rest, seq });
    }
  });
  const code = [
    ...uat.code.map((c) => {
      const applied = source.applied.code[c.service];
      return applied ? { ...c, svnVersion: applied.svnVersion, tag: applied.tag } : c;
    }),
    ...uat.dropped.flatMap((d) => (d.codeItem ? [{ ...d.codeItem, prodOnly: true }] : [])),
  ];
  return {
    ...uat,
    env: 'PRO',
    sql,
    ...(awaiting.length > 0 ? { sqlAwaitingText: awaiting } : {}),
    code,
    dropped,
  };
}

// ---- Jira names of a production release ----------------------------------------------------------

/** The Jira status a production release in machine state `state` mirrors. */
export function prodJiraStatus(state: string, context: ReleaseContext): string {
  const prod = prodSettingsOf(context);
  const top = state.split('.')[0] ?? state;
  if (top === 'prodRejected') return prod.jira.rejectedStatus;
  if (top === 'prodComplete') return prod.jira.completeStatus;
  const step = currentApprovalStep(context);
  // Before the last approval the issue waits in an approval status, whatever cdflow prepares meanwhile.
  if (top === 'prodApproval' || (step !== null && top === 'sqlPending')) {
    return (
      (step ?? prod.approvals[prod.approvals.length - 1])?.status ?? prod.jira.shared.statuses.sqlPending
    );
  }
  const shared = prod.jira.shared.statuses as Record<string, string>;
  return shared[top] ?? state;
}

/** The status and the transition of a production release's Jira move (`state` reached `via`). */
export function prodMoveNames(
  context: ReleaseContext,
  state: string,
  via: JiraMoveKey,
): { status: string; transition: string } {
  const prod = prodSettingsOf(context);
  const status = prodJiraStatus(state, context);
  const approvals = context.prod?.approvals ?? [];
  switch (via) {
    case 'approve': {
      const approved = approvals[approvals.length - 1]?.step;
      const step = prod.approvals.find((s) => s.key === approved);
      return { status, transition: step?.transition ?? '' };
    }
    case 'reject':
      return { status, transition: prod.jira.rejectTransition };
    case 'returnForApproval':
      return { status, transition: currentApprovalStep(context)?.returnTransition ?? '' };
    case 'resubmitProdIteration':
      return { status, transition: prod.jira.resubmitIterationTransition };
    default:
      return { status, transition: prod.jira.shared.transitions[via] };
  }
}

/** The production progress a new production release starts with. */
export function newProdProgress(input: {
  origin: ProdProgress['origin'];
  uatReleaseId: string | null;
  uatApplied: AppliedState | null;
  publishedBy: string;
  notes?: string[];
}): ProdProgress {
  return {
    origin: input.origin,
    uatReleaseId: input.uatReleaseId,
    uatApplied: input.uatApplied,
    publishedBy: input.publishedBy,
    approvals: [],
    refusedApprovals: [],
    rejection: null,
    notes: input.notes ?? [],
  };
}
