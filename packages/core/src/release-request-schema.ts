/**
 * The body of POST /cicdflow/ (docs/product.md, "HTTP API"), compatible with the original release
 * system: unknown fields are allowed, `sql_info` items may lack instance/db_name/group and `sql_content`
 * (read from the SQL source then), `svn_version` and `tag` may be "", `has_deploy_uat` marks an item
 * already in UAT.
 */
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';

const SqlInfoItem = Type.Object({
  sql_id: Type.String({ minLength: 1 }),
  svn_path: Type.String(),
  svn_file: Type.String(),
  svn_version: Type.String(),
  sql_content: Type.Optional(Type.String()),
  instance: Type.Optional(Type.String()),
  db_name: Type.Optional(Type.String()),
  group: Type.Optional(Type.String()),
  /** Already executed in UAT: UAT skips the item (the original release system sends it on every item). */
  has_deploy_uat: Type.Optional(Type.Boolean()),
});

const ApolloInfoItem = Type.Object({
  app_id: Type.String({ minLength: 1 }),
  namespace: Type.String({ minLength: 1 }),
  key: Type.String({ minLength: 1 }),
  value: Type.String(),
  cluster: Type.Optional(Type.String()),
  has_deploy_uat: Type.Optional(Type.Boolean()),
});

const ConfigInfoItem = Type.Object({
  name: Type.String({ minLength: 1 }),
  content: Type.String(),
  has_deploy_uat: Type.Optional(Type.Boolean()),
});

const CodeInfoItem = Type.Object({
  svn_path: Type.String({ minLength: 1 }),
  svn_version: Type.String(),
  tag: Type.Optional(Type.String()),
});

export const releaseRequestSchema = Type.Object({
  project: Type.String({ minLength: 1 }),
  summary: Type.String({ minLength: 1, maxLength: 128 }),
  env: Type.Enum(['UAT', 'PRO']),
  issue_type: Type.Optional(Type.String()),
  upgrade_type: Type.Optional(Type.String()),
  function_list: Type.Optional(Type.Array(Type.String())),
  version: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  sql_info: Type.Array(SqlInfoItem),
  apollo_info: Type.Array(ApolloInfoItem),
  config_info: Type.Array(ConfigInfoItem),
  code_info: Type.Array(CodeInfoItem),
});

export type ReleaseRequest = Static<typeof releaseRequestSchema>;

/** One problem in a request body: a JSON pointer to the field and what was expected there. */
export interface FieldError {
  path: string;
  message: string;
}

export type ReleaseRequestValidation =
  | { ok: true; value: ReleaseRequest }
  | { ok: false; errors: FieldError[] };

const compiled = Compile(releaseRequestSchema);

interface RawError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

const typeNames: Record<string, string> = {
  string: 'a string',
  array: 'an array',
  object: 'an object',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  null: 'null',
};

function expectation(error: RawError): string {
  const p = error.params;
  switch (error.keyword) {
    case 'type': {
      const types = ([] as unknown[]).concat(p.type);
      return `must be ${types.map((t) => typeNames[String(t)] ?? String(t)).join(' or ')}`;
    }
    case 'enum':
      return `must be one of ${([] as unknown[]).concat(p.allowedValues).join(', ')}`;
    case 'maxLength':
      return `at most ${String(p.limit)} characters`;
    case 'minLength':
      return Number(p.limit) === 1 ? 'must not be empty' : `at least ${String(p.limit)} characters`;
    default:
      return error.message;
  }
}

/**
 * Validates an untrusted body. Errors name the field path (`/sql_info/0/sql_id`) and what was expected
 * ("must be a string", "must be one of UAT, PRO", "is required", "at most 128 characters").
 */
export function validateReleaseRequest(body: unknown): ReleaseRequestValidation {
  if (compiled.Check(body)) return { ok: true, value: body };
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const push = (path: string, message: string) => {
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    errors.push({ path, message });
  };
  const raw = [...compiled.Errors(body)] as unknown as RawError[];
  // A union reports each branch and then the union itself; say it once, as the union's expectation.
  const unionPaths = new Set(raw.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  for (const error of raw) {
    if (error.keyword === 'required') {
      const props = ([] as unknown[]).concat(error.params.requiredProperties);
      for (const prop of props) push(`${error.instancePath}/${String(prop)}`, 'is required');
      continue;
    }
    if (error.keyword === 'anyOf') {
      const branches = raw.filter(
        (e) => e.instancePath === error.instancePath && e.schemaPath.startsWith(`${error.schemaPath}/anyOf/`),
      );
      const types = branches.flatMap((b) =>
        b.keyword === 'type' ? ([] as unknown[]).concat(b.params.type) : [],
      );
      push(
        error.instancePath,
        types.length > 0
          ? `must be ${types.map((t) => typeNames[String(t)] ?? String(t)).join(' or ')}`
          : error.message,
      );
      continue;
    }
    if (unionPaths.has(error.instancePath) && error.schemaPath.includes('/anyOf/')) continue;
    push(error.instancePath === '' ? '/' : error.instancePath, expectation(error));
  }
  return { ok: false, errors };
}
