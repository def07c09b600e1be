/**
 * RabbitMQ definitions (GET /api/definitions[/{vhost}]) as files in a repository: a normal form
 * that is stable and diff-friendly, and the plan that makes a broker match a file.
 *
 * Normal form ({@link normalizeDefinitions}):
 * - object keys sorted at every depth; every top-level array sorted by its natural key
 *   (vhost + name, source + destination + routing key + arguments, user + vhost, ...);
 * - the fields that change with the broker and not with the topology are dropped: rabbit_version,
 *   rabbitmq_version, product_*, rabbitmq_definition_format, original_*, explanation, a vhost's
 *   `metadata` (4.x repeats description, tags and default_queue_type in it), the top-level
 *   description / default_queue_type / limits of a 4.x vhost export, the cluster's
 *   internal_cluster_id global parameter;
 * - a queue's type is always explicit in arguments["x-queue-type"] (3.10.8 leaves it out for
 *   classic queues, 4.x writes "classic"; a 4.x `type` field is folded into it), so the same
 *   topology reads the same on both;
 * - users' password_hash and hashing_algorithm are left out unless asked for.
 *
 * Pure: no vscode, no network. The plan ({@link planDefinitions}) compares a file with the broker's
 * own (normalized) definitions; src/broker/managementDefinitions.ts carries it out.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Top-level fields that describe the broker that exported, not the topology. */
export const VOLATILE_FIELDS: readonly string[] = [
  'rabbit_version',
  'rabbitmq_version',
  'product_name',
  'product_version',
  'rabbitmq_definition_format',
  'original_cluster_name',
  'original_vhost_name',
  'explanation',
  'metadata',
  // A 4.x vhost export repeats the vhost's settings at its top; 3.10.8 has none of them. The vhost's
  // settings belong to a whole-broker file's `vhosts` (where they are compared and applied).
  'description',
  'default_queue_type',
  'limits',
];

/** The sections a definitions file can have, in the order the plan applies creations. */
export const SECTIONS = [
  'vhosts',
  'users',
  'permissions',
  'topic_permissions',
  'exchanges',
  'queues',
  'bindings',
  'policies',
  'parameters',
  'global_parameters',
] as const;
export type Section = (typeof SECTIONS)[number];

export interface NormalizeOptions {
  /** Keep users' password_hash and hashing_algorithm (default false). */
  keepPasswordHashes?: boolean;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A copy with object keys sorted at every depth (arrays keep their order). */
export function sortKeysDeep(v: unknown): Json {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const k of Object.keys(v).sort()) {
      if (v[k] !== undefined) out[k] = sortKeysDeep(v[k]);
    }
    return out;
  }
  if (v === undefined) return null;
  return v as Json;
}

/** One-line JSON with sorted keys: equal for equal values whatever their key order. */
export function canonical(v: unknown): string {
  return JSON.stringify(sortKeysDeep(v));
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

/** The natural key of an entry of a section (what identifies it on the broker). */
export function entryKey(section: string, e: JsonObject): string {
  const parts = (...keys: string[]) => keys.map((k) => str(e[k])).join('\u0000');
  switch (section) {
    case 'vhosts':
    case 'users':
      return parts('name');
    case 'permissions':
      return parts('user', 'vhost');
    case 'topic_permissions':
      return parts('user', 'vhost', 'exchange');
    case 'queues':
    case 'exchanges':
    case 'policies':
      return parts('vhost', 'name');
    case 'parameters':
      return parts('vhost', 'component', 'name');
    case 'global_parameters':
      return parts('name');
    case 'bindings':
      return (
        parts('vhost', 'source', 'destination_type', 'destination', 'routing_key') +
        '\u0000' +
        canonical(e.arguments ?? {})
      );
    default:
      return parts('vhost', 'name');
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts by natural key, then by the whole entry: a total order, so any input order gives one output. */
function sortSection(section: string, entries: JsonObject[]): JsonObject[] {
  return entries
    .map((e) => ({ e, k: entryKey(section, e), c: canonical(e) }))
    .sort((x, y) => compare(x.k, y.k) || compare(x.c, y.c))
    .map((x) => x.e);
}

/** The queue's type as the broker applies it: `type`, else arguments["x-queue-type"], else classic. */
export function queueTypeOf(q: JsonObject): string {
  const args = isObject(q.arguments) ? q.arguments : {};
  const t = args['x-queue-type'] ?? q.type;
  return typeof t === 'string' && t !== '' ? t : 'classic';
}

function normalizeQueue(q: JsonObject): JsonObject {
  const args = isObject(q.arguments) ? { ...q.arguments } : {};
  args['x-queue-type'] = queueTypeOf(q);
  const out: JsonObject = { ...q, arguments: args };
  delete out.type;
  out.durable = q.durable ?? true;
  out.auto_delete = q.auto_delete ?? false;
  return out;
}

function normalizeExchange(x: JsonObject): JsonObject {
  return {
    ...x,
    durable: x.durable ?? true,
    auto_delete: x.auto_delete ?? false,
    internal: x.internal ?? false,
    arguments: isObject(x.arguments) ? x.arguments : {},
  };
}

function normalizeBinding(b: JsonObject): JsonObject {
  return {
    ...b,
    routing_key: b.routing_key ?? '',
    destination_type: b.destination_type ?? 'queue',
    arguments: isObject(b.arguments) ? b.arguments : {},
  };
}

function tagsOf(v: unknown): string[] {
  const list = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(',') : [];
  return [...new Set(list.map((t) => t.trim()).filter((t) => t !== ''))].sort();
}

function normalizeUser(u: JsonObject, keepHash: boolean): JsonObject {
  const out: JsonObject = { ...u, tags: tagsOf(u.tags) };
  if (!keepHash) {
    delete out.password_hash;
    delete out.hashing_algorithm;
  }
  return out;
}

function normalizeVhost(v: JsonObject): JsonObject {
  const out: JsonObject = { ...v };
  const meta = isObject(v.metadata) ? v.metadata : undefined;
  if (meta) {
    for (const k of ['description', 'tags', 'default_queue_type']) {
      if (out[k] === undefined && meta[k] !== undefined) out[k] = meta[k];
    }
  }
  delete out.metadata;
  if (out.tags !== undefined) out.tags = tagsOf(out.tags);
  return out;
}

function normalizePolicy(p: JsonObject): JsonObject {
  return { ...p, priority: p.priority ?? 0, 'apply-to': p['apply-to'] ?? 'all' };
}

function normalizeEntry(section: string, e: JsonObject, opts: NormalizeOptions): JsonObject {
  switch (section) {
    case 'queues':
      return normalizeQueue(e);
    case 'exchanges':
      return normalizeExchange(e);
    case 'bindings':
      return normalizeBinding(e);
    case 'users':
      return normalizeUser(e, opts.keepPasswordHashes === true);
    case 'vhosts':
      return normalizeVhost(e);
    case 'policies':
      return normalizePolicy(e);
    default:
      return e;
  }
}

/**
 * The normal form of a definitions document (a whole broker's or one vhost's). Idempotent, and
 * independent of the order of every top-level array and of every object's keys.
 */
export function normalizeDefinitions(defs: unknown, opts: NormalizeOptions = {}): JsonObject {
  if (!isObject(defs)) throw new Error('A definitions file is a JSON object ({"queues": [...], ...})');
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(defs)) {
    if (VOLATILE_FIELDS.includes(key) || value === undefined) continue;
    if (Array.isArray(value) && (SECTIONS as readonly string[]).includes(key)) {
      let entries = value.filter(isObject).map((e) => normalizeEntry(key, e, opts));
      if (key === 'global_parameters') entries = entries.filter((e) => e.name !== 'internal_cluster_id');
      out[key] = sortSection(key, entries);
    } else {
      out[key] = value;
    }
  }
  return sortKeysDeep(out) as JsonObject;
}

/**
 * The broker's side of a diff: only the sections the file has (a file with queues only is not
 * "missing" the broker's policies; apply does not touch them either).
 */
export function sectionsOf(broker: JsonObject, file: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(broker)) {
    if (!(SECTIONS as readonly string[]).includes(k) || file[k] !== undefined) out[k] = v;
  }
  return out;
}

/** The file's text: two-space JSON of the normal form, with a final newline. */
export function formatDefinitions(defs: JsonObject): string {
  return JSON.stringify(sortKeysDeep(defs), null, 2) + '\n';
}

/** A vhost-level document (GET /api/definitions/{vhost}) has no vhosts/users and no `vhost` on its objects. */
export function isVhostLevel(defs: JsonObject): boolean {
  if (Array.isArray(defs.vhosts) || Array.isArray(defs.users) || Array.isArray(defs.permissions)) return false;
  for (const s of ['queues', 'exchanges', 'bindings', 'policies', 'parameters']) {
    const list = defs[s];
    if (Array.isArray(list) && list.some((e) => isObject(e) && typeof e.vhost === 'string')) return false;
  }
  return true;
}

/** Does this JSON look like a definitions document at all (for the CodeLens)? */
export function looksLikeDefinitions(v: unknown): boolean {
  if (!isObject(v)) return false;
  return ['queues', 'exchanges', 'bindings', 'vhosts', 'users', 'policies'].some((k) => Array.isArray(v[k]));
}

/** A vhost-level document with every object's vhost set to `vhost` (for planning against one vhost). */
export function scopeToVhost(defs: JsonObject, vhost: string): JsonObject {
  const out: JsonObject = {};
  for (const s of ['queues', 'exchanges', 'bindings', 'policies', 'parameters']) {
    const list = defs[s];
    if (Array.isArray(list)) out[s] = list.filter(isObject).map((e) => ({ ...e, vhost }));
  }
  return out;
}

// ---------------------------------------------------------------------------
// The plan
// ---------------------------------------------------------------------------

export type PlanAction = 'create' | 'update' | 'recreate' | 'delete';

export type PlanKind =
  | 'vhost'
  | 'user'
  | 'permission'
  | 'topic_permission'
  | 'exchange'
  | 'queue'
  | 'binding'
  | 'policy'
  | 'parameter'
  | 'global_parameter';

const KIND_OF: Record<Section, PlanKind> = {
  vhosts: 'vhost',
  users: 'user',
  permissions: 'permission',
  topic_permissions: 'topic_permission',
  exchanges: 'exchange',
  queues: 'queue',
  bindings: 'binding',
  policies: 'policy',
  parameters: 'parameter',
  global_parameters: 'global_parameter',
};

export interface PlanStep {
  action: PlanAction;
  kind: PlanKind;
  /** The natural key (see entryKey). */
  key: string;
  /** For people: `queue "orders" in vhost "/"`. */
  label: string;
  /** The vhost it lives in ('' for users, vhosts, global parameters). */
  vhost: string;
  /** What the file wants (create, update, recreate). */
  desired?: JsonObject;
  /** What the broker has (update, recreate, delete). */
  current?: JsonObject;
  /** The fields that differ (update, recreate). */
  changed?: string[];
  /** Why this step is more than it looks: a re-create loses the queue's messages, a user has no password. */
  warning?: string;
}

export interface DefinitionsPlan {
  steps: PlanStep[];
  /** How many entries already match. */
  unchanged: number;
  /** The sections compared (those present in the file). */
  sections: Section[];
}

/** Fields that cannot change in place: a change means delete and declare again. */
const RECREATE_FIELDS: Partial<Record<Section, string[]>> = {
  queues: ['durable', 'auto_delete', 'arguments'],
  exchanges: ['type', 'durable', 'auto_delete', 'internal', 'arguments'],
};

/** Fields compared for an in-place update (others, like a user's limits, are informational). */
const UPDATE_FIELDS: Partial<Record<Section, string[]>> = {
  vhosts: ['description', 'tags', 'default_queue_type'],
  users: ['tags', 'password_hash', 'hashing_algorithm'],
  permissions: ['configure', 'write', 'read'],
  topic_permissions: ['write', 'read'],
  policies: ['pattern', 'definition', 'priority', 'apply-to'],
  parameters: ['value'],
  global_parameters: ['value'],
};

function labelOf(kind: PlanKind, e: JsonObject): string {
  const inVhost = ` in vhost "${str(e.vhost)}"`;
  switch (kind) {
    case 'vhost':
      return `vhost "${str(e.name)}"`;
    case 'user':
      return `user "${str(e.name)}"`;
    case 'global_parameter':
      return `global parameter "${str(e.name)}"`;
    case 'permission':
      return `permissions of "${str(e.user)}"${inVhost}`;
    case 'topic_permission':
      return `topic permissions of "${str(e.user)}" on exchange "${str(e.exchange)}"${inVhost}`;
    case 'binding': {
      const args = isObject(e.arguments) && Object.keys(e.arguments).length ? ` ${canonical(e.arguments)}` : '';
      return `binding "${str(e.source) || '(default)'}" → ${str(e.destination_type)} "${str(e.destination)}" key "${str(e.routing_key)}"${args}${inVhost}`;
    }
    case 'parameter':
      return `parameter ${str(e.component)}/"${str(e.name)}"${inVhost}`;
    default:
      return `${kind} "${str(e.name)}"${inVhost}`;
  }
}

function changedFields(fields: string[], desired: JsonObject, current: JsonObject): string[] {
  return fields.filter((f) => {
    if (desired[f] === undefined) return false; // absent in the file: not managed
    return canonical(desired[f]) !== canonical(current[f] ?? null);
  });
}

/** A readable detail of what differs: `arguments.x-max-length: 10 → 20`. */
export function describeChanges(step: PlanStep): string[] {
  const out: string[] = [];
  for (const f of step.changed ?? []) {
    const d = step.desired?.[f];
    const c = step.current?.[f];
    if (f === 'arguments' && isObject(d) && isObject(c)) {
      for (const k of [...new Set([...Object.keys(c), ...Object.keys(d)])].sort()) {
        if (canonical(d[k] ?? null) !== canonical(c[k] ?? null)) {
          out.push(
            `arguments.${k}: ${c[k] === undefined ? '(none)' : canonical(c[k])} → ${d[k] === undefined ? '(none)' : canonical(d[k])}`,
          );
        }
      }
    } else if (f === 'password_hash') {
      out.push('password_hash: changed');
    } else {
      out.push(`${f}: ${c === undefined ? '(none)' : canonical(c)} → ${canonical(d)}`);
    }
  }
  return out;
}

export interface PlanOptions {
  /** Users the plan never deletes (the connection's own user: deleting it would lock Burrow out). */
  protectedUsers?: readonly string[];
}

/**
 * What it takes to make `current` (the broker's definitions, normalized, same scope) match
 * `desired` (the file, normalized). Only the sections present in the file are compared, so a file
 * with only queues never deletes a policy. Bindings of a re-created queue or exchange are
 * declared again (deleting it removes them). Steps come in the order they must run: deletions
 * (bindings first), re-creates, then creations and updates in dependency order.
 */
export function planDefinitions(desired: JsonObject, current: JsonObject, opts: PlanOptions = {}): DefinitionsPlan {
  const sections = SECTIONS.filter((s) => Array.isArray(desired[s]));
  const deletes: PlanStep[] = [];
  const recreates: PlanStep[] = [];
  const forwards: PlanStep[] = [];
  let unchanged = 0;
  const recreated = new Set<string>(); // "vhost\0name" of re-created queues and exchanges, by kind
  const rebinding: PlanStep[] = [];

  for (const section of sections) {
    const kind = KIND_OF[section];
    const want = new Map<string, JsonObject>();
    for (const e of (desired[section] as Json[]).filter(isObject)) want.set(entryKey(section, e), e);
    const have = new Map<string, JsonObject>();
    for (const e of (Array.isArray(current[section]) ? (current[section] as Json[]) : []).filter(isObject)) {
      have.set(entryKey(section, e), e);
    }
    for (const [key, d] of want) {
      const c = have.get(key);
      const base = { kind, key, label: labelOf(kind, d), vhost: str(d.vhost) };
      if (!c) {
        const warning =
          kind === 'user' && d.password_hash === undefined
            ? 'no password_hash in the file: created without a password (it cannot log in with one)'
            : undefined;
        forwards.push({ ...base, action: 'create', desired: d, ...(warning ? { warning } : {}) });
        continue;
      }
      const recreateFields = RECREATE_FIELDS[section];
      if (recreateFields) {
        const changed = changedFields(recreateFields, d, c);
        if (changed.length) {
          recreated.add(`${kind}\u0000${str(d.vhost)}\u0000${str(d.name)}`);
          recreates.push({
            ...base,
            action: 'recreate',
            desired: d,
            current: c,
            changed,
            warning:
              kind === 'queue'
                ? 'the broker cannot change this in place: the queue is deleted and declared again, and its messages are lost'
                : 'the broker cannot change this in place: the exchange is deleted and declared again (its bindings are declared again)',
          });
        } else unchanged++;
        continue;
      }
      const changed = changedFields(UPDATE_FIELDS[section] ?? [], d, c);
      if (changed.length) forwards.push({ ...base, action: 'update', desired: d, current: c, changed });
      else if (section === 'bindings') unchanged++;
      else unchanged++;
    }
    for (const [key, c] of have) {
      if (want.has(key)) continue;
      if (kind === 'user' && opts.protectedUsers?.includes(str(c.name))) continue;
      deletes.push({ kind, key, label: labelOf(kind, c), vhost: str(c.vhost), action: 'delete', current: c });
    }
  }

  // Bindings that exist and stay, but whose queue or exchange is re-created: declare them again.
  // From the file's bindings; a file without a bindings section keeps the broker's (deleting the
  // queue or exchange deletes them, and nothing else would bring them back).
  const fromFile = Array.isArray(desired.bindings);
  const bindingSource = fromFile ? desired.bindings : current.bindings;
  if (recreated.size && Array.isArray(bindingSource)) {
    const planned = new Set(forwards.filter((s) => s.kind === 'binding').map((s) => s.key));
    for (const b of (bindingSource as Json[]).filter(isObject)) {
      const v = str(b.vhost);
      const touches =
        recreated.has(`exchange\u0000${v}\u0000${str(b.source)}`) ||
        recreated.has(
          `${b.destination_type === 'exchange' ? 'exchange' : 'queue'}\u0000${v}\u0000${str(b.destination)}`,
        );
      const key = entryKey('bindings', b);
      if (touches && !planned.has(key)) {
        if (fromFile) unchanged--;
        rebinding.push({
          kind: 'binding',
          key,
          label: labelOf('binding', b),
          vhost: v,
          action: 'create',
          desired: b,
          warning: fromFile
            ? 'declared again after the re-create'
            : 'the broker has this binding (the file has no bindings section): declared again after the re-create',
        });
      }
    }
  }

  const order = (k: PlanKind) => SECTIONS.findIndex((s) => KIND_OF[s] === k);
  // Deletions: bindings first, vhosts last (deleting a vhost deletes what is in it).
  deletes.sort((a, b) => order(b.kind) - order(a.kind) || compare(a.key, b.key));
  forwards.push(...rebinding);
  forwards.sort((a, b) => order(a.kind) - order(b.kind) || compare(a.key, b.key));
  const deleteFirst = deletes.filter((s) => s.kind !== 'vhost');
  return {
    steps: [...deleteFirst, ...recreates, ...forwards, ...deletes.filter((s) => s.kind === 'vhost')],
    unchanged: Math.max(0, unchanged),
    sections,
  };
}

/** Counts by action, for the preview's title. */
export function planSummary(plan: DefinitionsPlan): string {
  const n = (a: PlanAction) => plan.steps.filter((s) => s.action === a).length;
  const parts = [
    `${n('create')} to create`,
    `${n('update')} to change`,
    `${n('recreate')} to re-create`,
    `${n('delete')} to delete`,
    `${plan.unchanged} unchanged`,
  ];
  return parts.join(', ');
}

/** Does applying the plan delete anything (a deletion or a re-create)? Then it needs a modal confirmation. */
export function planDeletes(plan: DefinitionsPlan): boolean {
  return plan.steps.some((s) => s.action === 'delete' || s.action === 'recreate');
}

/**
 * The preview as Markdown: one section per action, each step with what changes, and the warnings
 * (re-creates that lose messages with the message count, when known).
 */
export function planMarkdown(
  plan: DefinitionsPlan,
  title: string,
  messages: ReadonlyMap<string, number> = new Map(),
): string {
  const lines: string[] = [`# ${title}`, '', planSummary(plan), ''];
  const groups: [PlanAction, string][] = [
    ['delete', 'Delete'],
    ['recreate', 'Delete and re-create (cannot be changed in place)'],
    ['create', 'Create'],
    ['update', 'Change'],
  ];
  for (const [action, heading] of groups) {
    const steps = plan.steps.filter((s) => s.action === action);
    if (!steps.length) continue;
    lines.push(`## ${heading} (${steps.length})`, '');
    for (const s of steps) {
      const count = s.kind === 'queue' ? messages.get(s.key) : undefined;
      const lost =
        action === 'recreate' || action === 'delete'
          ? count !== undefined
            ? ` — **${count} message(s) lost** (the broker's statistics, a few seconds old)`
            : ''
          : '';
      lines.push(`- ${s.label}${lost}`);
      for (const d of describeChanges(s)) lines.push(`  - ${d}`);
      if (s.warning) lines.push(`  - ⚠ ${s.warning}`);
    }
    lines.push('');
  }
  if (!plan.steps.length) lines.push('The broker already matches the file.', '');
  return lines.join('\n');
}
