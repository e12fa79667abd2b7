/**
 * Release snapshots as SQLite stores them: deflated (raw deflate, node's zlib) with a preset dictionary
 * of cdflow's own vocabulary, behind a format byte. A snapshot is ~4.8 KB of JSON whose keys, state ids,
 * event and effect names repeat in every release; deflate alone takes it to ~1.5 KB, with the dictionary
 * to ~1 KB, so each decision rewrites a fifth of the pages it did, and the file holds a fifth.
 *
 * Audit details are packed the same way: ~250 bytes of JSON each become ~95, so an audit row takes about
 * 230 bytes and two share a 512-byte page, where most took a page of their own and a third spilled onto
 * an overflow page. A zlib call costs ~25 µs; a release writes ~33 details, the short ones as text.
 *
 * The dictionary of a format is frozen: a value is read back with the dictionary it was written with,
 * named by its first byte, so a new vocabulary is a new format (a new byte and a new list, appended),
 * never an edit of this one. Values stored as text (before packing, or by a store that does not pack)
 * read back as they are: the column's SQLite type tells them apart (a packed value is a BLOB).
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** Format 1: raw deflate with `vocabularyV1` as its preset dictionary. Frozen: do not edit. */
const formatV1 = 1;

/**
 * The words of format 1, rarest first (deflate reaches back into the dictionary's end most cheaply):
 * state ids, event and effect types, Jira statuses and the keys of snapshots (and of audit details,
 * which a snapshot's history fields resemble). Frozen with the format.
 */
const vocabularyV1 = [
  // states
  'sqlPending routing fetchingSql awaitingPolicy resolvingRoutes checkingSql submitting submitted failed',
  'sqlExecuting watching confirming configExecuting applyingApollo awaitingConfirmation codeExecuting',
  'checkingWindow waitingForWindow delaying deploying uatComplete fixing prodUpgrade prodApproval',
  'prodRejected prodComplete closed',
  // events
  'EFFECT_FAILED EFFECT_RETRY_REQUESTED NEW_ITERATION RETRY_SQL_SUBMIT SQL_FETCH_FAILED SQL_ROUTES_FAILED',
  'SQL_SUBMIT_FAILED SQL_REPORTED_FAILED SQL_AUDIT_REFUSED SQL_CONFIRMED SQL_CONFIRMATION_CHECKED',
  'CONFIG_CONFIRMED CONFIG_REPORTED_FAILED CONFIG_APPLY_FAILED CHANGE_WINDOW_CHECKED DEPLOY_FAILED',
  'UAT_AUTO_ITERATION UAT_MANUAL_ITERATION PROMOTE_TO_PROD FINISH RESUBMIT_CONFIG RESUBMIT_CODE',
  'RESUBMIT_ITERATION PROD_APPROVED PROD_REJECTED',
  // effects
  'jira.updateFields jira.comment archery.readOrders archery.cancelOrder prod.checkWindow release.promote',
  'timer.schedule timer.cancel',
  // Jira and Archery words
  'workflow_autoreviewwrong workflow_abort workflow_exception workflow_review_pass workflow_timingtask',
  'workflow_queuing workflow_executing SQL待执行 提交SQL SQL升级成功 配置升级成功 代码升级成功',
  // keys and values, the most frequent last
  '"dropped":[]"ISSUE_READY""created":true"jira.ensureIssue""POLICY_CHECKED""findings":[]"policy.check"',
  '"SQL_ROUTES_RESOLVED""routes":[{"archery.resolveRoutes""SQL_CHECKED""items":[{"archery.checkSql"',
  '"CONFIG_APPLIED""apollo.apply""status":"active","value":{"sqlPending":"fetchingSql"},"historyValue":{},',
  '"context":{"releaseId":"rel-","summary":"【升级】","settings":{"sqlMode":"auto","archeryPollMs":',
  ',"cmdbPollMs":,"preDeployDelayMs":,"deployTimeoutMs":,"deployRetries":,"deployRetryPauseMs":',
  ',"policyGate":true,"apolloAutomatic":true},"request":{"storedRequestId":,"withSqlTexts":true},',
  '"applied":{"sql":{"plan":{"sql":[{"appId":"namespace":"application","key":"cluster":"default"',
  '"sqlOrders":[{"deployments":[{"failure":null,"jiraMirror":"revision":"timers":[],"previousVersion":',
  '"sqlTexts":{"policyPassedIteration":"sqlCheckedIteration":"archeryOrderIds":[',
  '"jiraMirrorSince":"shownOrderList":"appliedVersion":"children":{}}',
  '"DEPLOY_TASKS_POLLED""tasks":[{"cmdb.pollTasks""SQL_TEXT_FETCHED""ref":"sql.fetch""errors":[]',
  '"SQL_ORDER_SUBMITTED""archery.submitOrder""executed":true"DEPLOY_TARGETS_FOUND""cmdb.findTargets"',
  '"started""UAT升级完成""uatComplete""apollo":{"value":"true","config":{},"code":{"svnFile":".sql"',
  '"group":"","confirmedBy":null,"executeRequested":true,"round":"text":"archery.poll"',
  '"SQL_ORDERS_POLLED""orders":[{"archery.pollOrders""warnings":[]"SQL执行中""CONFIG执行中""CODE执行中"',
  '"workflow_manreviewing""comment":"deploys":[{"cmdb.deploy""cmdb.poll""queued"',
  '"encoding":"utf-8","bom":false,"source":"svn","bytes":"workflowName":"instance":"expected":',
  '"from":"to":"transitions":["targets":[{"id":"name":"taskId":"sql":"seq":"workflow_finish"',
  '"item":{"decision":"run","reason":"new"},"TIMER_FIRED""timer":"success""tag":"svnPath":',
  '"finishedAt":"targetId":"dbName":"svnVersion":"error":null,"issueKey":"result":{"attempt":',
  '"message":"sqlId":"iteration":1,"workflowId":"service":"hash":"status":"effect":{"event":{"type":',
  '"outcome":"done","idempotencyKey":"rel-","attempts":1',
].join('');

const dictionaries = new Map<number, Buffer>([[formatV1, Buffer.from(vocabularyV1, 'utf8')]]);
const current = formatV1;
const currentDictionary = dictionaries.get(current)!;

/** The stored form of a JSON text: the format byte, then the text deflated with its dictionary. */
export function packJson(text: string): Buffer {
  // A 16 KiB window holds the dictionary and a snapshot; the small window and memLevel keep the native
  // state each call allocates (and frees) at ~72 KiB instead of ~256 KiB, which the garbage collector feels.
  const body = deflateRawSync(text, { dictionary: currentDictionary, level: 6, windowBits: 14, memLevel: 4 });
  const packed = Buffer.allocUnsafe(body.length + 1);
  packed[0] = current;
  body.copy(packed, 1);
  return packed;
}

/** The JSON text of a stored value: a packed BLOB inflated with its format's dictionary, a text as it is. */
export function unpackJson(stored: string | Uint8Array): string {
  if (typeof stored === 'string') return stored;
  const format = stored[0]!;
  const dictionary = dictionaries.get(format);
  if (!dictionary) throw new Error(`A stored value has the unknown packing format ${format}`);
  return inflateRawSync(stored.subarray(1), { dictionary }).toString('utf8');
}

/** Below this many characters a JSON text stays text: packing it saves fewer bytes than the call costs. */
const packedFrom = 128;

/**
 * The stored form of a value for a nullable packed column (undefined and null are SQL NULL): packed, or
 * its JSON text when that is short (a row with it fits half a page anyway; reads take either).
 */
export function packedOrNull(value: unknown): Buffer | string | null {
  if (value === undefined || value === null) return null;
  const text = JSON.stringify(value);
  return text.length < packedFrom ? text : packJson(text);
}

/** A nullable JSON value always packed (undefined and null are SQL NULL). */
export function packedAlwaysOrNull(value: unknown): Buffer | null {
  return value === undefined || value === null ? null : packJson(JSON.stringify(value));
}
