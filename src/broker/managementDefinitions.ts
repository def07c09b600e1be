/**
 * Definitions over the management API: export (GET /api/definitions[/{vhost}]) and carrying out a
 * plan from src/core/definitions.ts one object at a time (PUT / POST / DELETE per queue, exchange,
 * binding, policy, ...), so every deletion and re-create is an explicit call the preview listed.
 * POST /api/definitions is not used: it only ever adds and overwrites, and fails as a whole.
 */
import { apiPath, exchangeSegment, type ManagementClient } from './management';
import { putPolicy } from './managementPolicies';
import { BrokerError } from './errors';
import { canonical, type JsonObject, type PlanStep } from '../core/definitions';

/** The sections of a vhost's export; 3.10.8 gives policies a `vhost` field there, and none may have one. */
const VHOST_SCOPED_SECTIONS = ['queues', 'exchanges', 'bindings', 'policies', 'parameters'];

/**
 * The broker's definitions: the whole broker's, or one vhost's. Password hashes included (normalize
 * drops them). 3.10.8 exports vhosts with their name only: their description, tags and default
 * queue type are filled in from GET /api/vhosts (where 3.10.8 says "undefined" for no default).
 * 3.10.8's vhost export also writes `vhost` on each policy (4.x on nothing): it is dropped (from
 * any object of a vhost export), or the file would read as a whole-broker document (isVhostLevel)
 * and apply to the whole broker, deleting the vhost's objects and creating them in vhost "".
 */
export async function getDefinitions(mc: ManagementClient, vhost?: string): Promise<JsonObject> {
  const path = vhost === undefined ? '/definitions' : apiPath('definitions', vhost);
  const defs = (await mc.request<JsonObject>('GET', path)) ?? {};
  if (vhost !== undefined) {
    for (const section of VHOST_SCOPED_SECTIONS) {
      const list = defs[section];
      if (!Array.isArray(list)) continue;
      defs[section] = list.map((e) => {
        if (typeof e !== 'object' || e === null || Array.isArray(e) || !('vhost' in e)) return e;
        const { vhost: _omit, ...rest } = e as JsonObject;
        return rest;
      });
    }
  }
  if (vhost === undefined && Array.isArray(defs.vhosts) && defs.vhosts.some((v) => obj(v).description === undefined)) {
    const listed =
      (await mc.request<JsonObject[]>('GET', '/vhosts', undefined, {
        query: { columns: 'name,description,tags,default_queue_type' },
      })) ?? [];
    const byName = new Map(listed.map((v) => [str(v.name), v]));
    defs.vhosts = defs.vhosts.map((raw) => {
      const v = obj(raw);
      const l = byName.get(str(v.name));
      if (!l || v.description !== undefined) return v;
      const out: JsonObject = { ...v, description: l.description ?? '', tags: l.tags ?? [] };
      if (typeof l.default_queue_type === 'string' && l.default_queue_type !== 'undefined') {
        out.default_queue_type = l.default_queue_type;
      }
      return out;
    });
  }
  return defs;
}

/** Messages in each queue of the steps that delete or re-create one (absent queues are left out). */
export async function messageCounts(mc: ManagementClient, steps: readonly PlanStep[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const s of steps) {
    if (s.kind !== 'queue' || (s.action !== 'delete' && s.action !== 'recreate')) continue;
    try {
      const q = await mc.request<{ messages?: number }>(
        'GET',
        apiPath('queues', s.vhost, str(s.current?.name)),
        undefined,
        {
          query: { columns: 'messages' },
        },
      );
      if (typeof q.messages === 'number') out.set(s.key, q.messages); // no statistics yet: unknown, not 0
    } catch {
      /* gone meanwhile, or no statistics: the preview says nothing about it */
    }
  }
  return out;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const obj = (v: unknown): JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : {};
const tags = (v: unknown): string => (Array.isArray(v) ? v.map(String).join(',') : str(v));

async function put(mc: ManagementClient, path: string, body: unknown): Promise<void> {
  await mc.request('PUT', path, body);
}

/** A DELETE; already gone (404: deleted meanwhile, or with its vhost or user) counts as done. */
async function del(mc: ManagementClient, path: string): Promise<void> {
  try {
    await mc.request('DELETE', path);
  } catch (e) {
    if (!(e instanceof BrokerError && e.code === 404)) throw e;
  }
}

function queuePath(e: JsonObject): string {
  return apiPath('queues', str(e.vhost), str(e.name));
}

function exchangePath(e: JsonObject): string {
  return apiPath('exchanges', str(e.vhost), exchangeSegment(str(e.name)));
}

async function declare(mc: ManagementClient, step: PlanStep, e: JsonObject): Promise<void> {
  switch (step.kind) {
    case 'vhost': {
      const body: JsonObject = {};
      if (e.description !== undefined) body.description = e.description;
      if (e.tags !== undefined) body.tags = tags(e.tags);
      if (e.default_queue_type !== undefined) body.default_queue_type = e.default_queue_type;
      return put(mc, apiPath('vhosts', str(e.name)), body);
    }
    case 'user': {
      if (step.action === 'update' && e.password_hash === undefined) {
        return mc.setUserTags(str(e.name), Array.isArray(e.tags) ? e.tags.map(String) : []);
      }
      const body: JsonObject = { tags: tags(e.tags), password_hash: e.password_hash ?? '' };
      if (e.hashing_algorithm !== undefined) body.hashing_algorithm = e.hashing_algorithm;
      return put(mc, apiPath('users', str(e.name)), body);
    }
    case 'permission':
      return put(mc, apiPath('permissions', str(e.vhost), str(e.user)), {
        configure: e.configure ?? '',
        write: e.write ?? '',
        read: e.read ?? '',
      });
    case 'topic_permission':
      return put(mc, apiPath('topic-permissions', str(e.vhost), str(e.user)), {
        exchange: e.exchange ?? '',
        write: e.write ?? '',
        read: e.read ?? '',
      });
    case 'exchange':
      return put(mc, exchangePath(e), {
        type: e.type ?? 'direct',
        durable: e.durable ?? true,
        auto_delete: e.auto_delete ?? false,
        internal: e.internal ?? false,
        arguments: obj(e.arguments),
      });
    case 'queue':
      return put(mc, queuePath(e), {
        durable: e.durable ?? true,
        auto_delete: e.auto_delete ?? false,
        arguments: obj(e.arguments),
      });
    case 'binding':
      await mc.request(
        'POST',
        apiPath(
          'bindings',
          str(e.vhost),
          'e',
          str(e.source),
          e.destination_type === 'exchange' ? 'e' : 'q',
          str(e.destination),
        ),
        { routing_key: str(e.routing_key), arguments: obj(e.arguments) },
      );
      return;
    case 'policy':
      return putPolicy(mc, 'policy', str(e.vhost), str(e.name), {
        pattern: str(e.pattern),
        definition: obj(e.definition),
        priority: typeof e.priority === 'number' ? e.priority : 0,
        'apply-to': str(e['apply-to'] ?? 'all'),
      });
    case 'parameter':
      return put(mc, apiPath('parameters', str(e.component), str(e.vhost), str(e.name)), {
        component: str(e.component),
        vhost: str(e.vhost),
        name: str(e.name),
        value: e.value ?? null,
      });
    case 'global_parameter':
      return put(mc, apiPath('global-parameters', str(e.name)), { name: str(e.name), value: e.value ?? null });
  }
}

async function remove(mc: ManagementClient, step: PlanStep, e: JsonObject): Promise<void> {
  switch (step.kind) {
    case 'vhost':
      return del(mc, apiPath('vhosts', str(e.name)));
    case 'user':
      return del(mc, apiPath('users', str(e.name)));
    case 'permission':
      return del(mc, apiPath('permissions', str(e.vhost), str(e.user)));
    case 'topic_permission':
      return del(mc, apiPath('topic-permissions', str(e.vhost), str(e.user)));
    case 'exchange':
      return del(mc, exchangePath(e));
    case 'queue':
      return del(mc, queuePath(e));
    case 'binding': {
      // The one binding with this routing key and these arguments, by its properties_key.
      const dtype = e.destination_type === 'exchange' ? 'e' : 'q';
      const base = ['bindings', str(e.vhost), 'e', str(e.source), dtype, str(e.destination)];
      const list = (await mc.request<JsonObject[]>('GET', apiPath(...base))) ?? [];
      const want = canonical(obj(e.arguments));
      const found = list.find((b) => str(b.routing_key) === str(e.routing_key) && canonical(obj(b.arguments)) === want);
      if (found) await del(mc, apiPath(...base, str(found.properties_key)));
      return;
    }
    case 'policy':
      return del(mc, apiPath('policies', str(e.vhost), str(e.name)));
    case 'parameter':
      return del(mc, apiPath('parameters', str(e.component), str(e.vhost), str(e.name)));
    case 'global_parameter':
      return del(mc, apiPath('global-parameters', str(e.name)));
  }
}

/** Carries out one step: create / update = PUT (POST for a binding), delete = DELETE, re-create = both. */
export async function applyStep(mc: ManagementClient, step: PlanStep): Promise<void> {
  switch (step.action) {
    case 'create':
    case 'update':
      return declare(mc, step, step.desired ?? {});
    case 'delete':
      return remove(mc, step, step.current ?? {});
    case 'recreate':
      await remove(mc, step, step.current ?? {});
      return declare(mc, step, step.desired ?? {});
  }
}

/** The outcome of {@link applyPlan}: how far it got, and the step that failed (it stops there). */
export interface ApplyResult {
  done: number;
  failed?: { step: PlanStep; error: unknown };
}

/** Runs the steps in order and stops at the first failure (later steps may depend on it). */
export async function applyPlan(
  mc: ManagementClient,
  steps: readonly PlanStep[],
  progress?: (done: number, step: PlanStep) => void,
): Promise<ApplyResult> {
  let done = 0;
  for (const step of steps) {
    progress?.(done, step);
    try {
      await applyStep(mc, step);
    } catch (error) {
      return { done, failed: { step, error } };
    }
    done++;
  }
  return { done };
}
