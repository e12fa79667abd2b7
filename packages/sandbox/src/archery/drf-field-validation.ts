/**
 * Django REST framework field validation with its zh-Hans messages, so the simulator refuses bodies with
 * the exact shapes Archery answers (`{"field": ["message"]}`, nested under the parent serializer field).
 */

export const drfMessages = {
  required: '该字段是必填项。',
  blank: '该字段不能为空。',
  null: '该字段不能为 null。',
  invalidInteger: '请填写合法的整数值。',
  invalidString: '不是有效的字符串。',
  invalidBoolean: '必须是有效的布尔值。',
  maxLength: (n: number) => `请确保这个字段不能超过 ${n} 个字符。`,
  invalidChoice: (input: unknown) => `“${String(input)}” 不是合法选项。`,
  invalidDatetime: '日期时间格式错误。请从这些格式中选择：YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]。',
  pkDoesNotExist: (pk: unknown) => `无效主键 “${String(pk)}” － 对象不存在。`,
  pkIncorrectType: (type: string) => `类型不正确。期望为主键，得到的类型为 ${type}。`,
  notADict: (type: string) => `无效数据。期待为字典类型，得到的是 ${type} 。`,
  invalidPage: '无效页面。',
  enterANumber: '输入一个数字。',
} as const;

export type FieldErrors = Record<string, unknown>;

type Result<T> = { ok: true; value: T } | { ok: false; error: string };

/** Python's type name for a JSON value, as DRF prints it in messages. */
export function pythonTypeName(value: unknown): string {
  if (value === null) return 'NoneType';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  return 'dict';
}

export function charField(
  value: unknown,
  opts: { maxLength?: number; allowBlank?: boolean; trim?: boolean } = {},
): Result<string> {
  if (value === null) return { ok: false, error: drfMessages.null };
  if (typeof value === 'boolean' || typeof value === 'object')
    return { ok: false, error: drfMessages.invalidString };
  let text = String(value);
  if (opts.trim !== false) text = text.trim();
  if (text === '' && !opts.allowBlank) return { ok: false, error: drfMessages.blank };
  if (opts.maxLength !== undefined && text.length > opts.maxLength) {
    return { ok: false, error: drfMessages.maxLength(opts.maxLength) };
  }
  return { ok: true, value: text };
}

/**
 * DRF's IntegerField. `strict` refuses JSON strings altogether: used for `workflow_type`, where Archery's
 * views compare `request.data["workflow_type"] == 2` after validation, so a string "2" that DRF would
 * coerce passes validation and then silently does nothing; the simulator refuses it loudly instead.
 */
export function integerField(value: unknown, opts: { strict?: boolean } = {}): Result<number> {
  if (value === null) return { ok: false, error: drfMessages.null };
  if (typeof value === 'number' && Number.isInteger(value)) return { ok: true, value };
  if (typeof value === 'string' && !opts.strict && /^\s*-?\d+(\.0*)?\s*$/.test(value)) {
    return { ok: true, value: Number.parseInt(value, 10) };
  }
  return { ok: false, error: drfMessages.invalidInteger };
}

export function booleanField(value: unknown): Result<boolean> {
  const truthy = [true, 1, '1', 'true', 'True', 'TRUE', 'yes', 'y', 'on'];
  const falsy = [false, 0, '0', 'false', 'False', 'FALSE', 'no', 'n', 'off'];
  if (truthy.includes(value as never)) return { ok: true, value: true };
  if (falsy.includes(value as never)) return { ok: true, value: false };
  if (value === null) return { ok: false, error: drfMessages.null };
  return { ok: false, error: drfMessages.invalidBoolean };
}

/** A ChoiceField over integer choices: DRF matches `str(value)` against `str(choice)`. */
export function integerChoiceField(value: unknown, choices: number[]): Result<number> {
  const match = choices.find((c) => String(c) === String(value));
  if (match === undefined || typeof value === 'boolean' || value === null || typeof value === 'object') {
    return { ok: false, error: drfMessages.invalidChoice(value) };
  }
  return { ok: true, value: match };
}

export function stringChoiceField(value: unknown, choices: string[]): Result<string> {
  if (typeof value === 'string' && choices.includes(value)) return { ok: true, value };
  return { ok: false, error: drfMessages.invalidChoice(value) };
}

/**
 * DRF's DateTimeField with USE_TZ = False (Archery's setting): a naive value is kept as server-local time;
 * an aware one is converted to UTC and made naive, i.e. shifted silently — why clients must send naive
 * local datetimes. Returns the naive ISO text Archery stores.
 */
export function naiveDateTimeField(value: unknown): Result<string | null> {
  if (value === null || value === '') return { ok: true, value: null };
  if (typeof value !== 'string') return { ok: false, error: drfMessages.invalidDatetime };
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(
    value.trim(),
  );
  if (!m) return { ok: false, error: drfMessages.invalidDatetime };
  const [, date, hm, sec, , zone] = m;
  const naive = `${date}T${hm}${sec ? sec.slice(0, 3) : ':00'}`;
  if (Number.isNaN(Date.parse(`${naive}Z`))) return { ok: false, error: drfMessages.invalidDatetime };
  if (!zone) return { ok: true, value: naive };
  const utc = new Date(
    Date.parse(`${naive}${zone === 'Z' ? 'Z' : zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')}`),
  );
  return { ok: true, value: utc.toISOString().slice(0, 19) };
}
