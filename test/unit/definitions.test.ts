// src/core/definitions.ts: the normal form (stable, idempotent, order-independent, no password
// hashes, 3.10.8 and 4.x exports of one topology read the same) and the plan (create / change /
// re-create / delete, with the changes the broker cannot make in place flagged).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  canonical,
  formatDefinitions,
  isVhostLevel,
  looksLikeDefinitions,
  normalizeDefinitions,
  planDefinitions,
  planDeletes,
  planMarkdown,
  scopeToVhost,
  sectionsOf,
  type JsonObject,
} from '../../src/core/definitions';

const export310 = {
  rabbit_version: '3.10.8',
  parameters: [],
  policies: [],
  queues: [
    { name: 'qq', durable: true, auto_delete: false, arguments: { 'x-queue-type': 'quorum' } },
    { name: 'cq', durable: true, auto_delete: false, arguments: {} },
  ],
  exchanges: [{ name: 'x1', type: 'topic', durable: true, auto_delete: false, internal: false, arguments: {} }],
  bindings: [{ source: 'x1', destination: 'cq', destination_type: 'queue', routing_key: 'a.#', arguments: { n: 5 } }],
};

const export4 = {
  rabbit_version: '4.0.5',
  rabbitmq_version: '4.0.5',
  product_name: 'RabbitMQ',
  product_version: '4.0.5',
  rabbitmq_definition_format: 'single_virtual_host',
  original_vhost_name: 'v',
  explanation: "Definitions of virtual host 'v'",
  metadata: { description: '', tags: [], default_queue_type: 'classic' },
  description: '',
  default_queue_type: 'classic',
  limits: [],
  parameters: [],
  policies: [],
  queues: [
    { name: 'cq', durable: true, auto_delete: false, arguments: { 'x-queue-type': 'classic' } },
    { name: 'qq', durable: true, auto_delete: false, arguments: { 'x-queue-type': 'quorum' } },
  ],
  exchanges: [{ name: 'x1', type: 'topic', durable: true, auto_delete: false, internal: false, arguments: {} }],
  bindings: [{ source: 'x1', destination: 'cq', destination_type: 'queue', routing_key: 'a.#', arguments: { n: 5 } }],
};

test('3.10.8 and 4.x exports of the same vhost normalize to the same queues, exchanges and bindings', () => {
  const a = normalizeDefinitions(export310);
  const b = normalizeDefinitions(export4);
  for (const k of ['queues', 'exchanges', 'bindings', 'policies', 'parameters']) assert.deepEqual(a[k], b[k], k);
  for (const k of ['rabbit_version', 'rabbitmq_version', 'product_version', 'explanation', 'metadata', 'description']) {
    assert.equal(b[k], undefined, k);
  }
  // The queue type is always explicit, and queues are sorted by name.
  assert.deepEqual(
    (a.queues as JsonObject[]).map((q) => [q.name, (q.arguments as JsonObject)['x-queue-type']]),
    [
      ['cq', 'classic'],
      ['qq', 'quorum'],
    ],
  );
  assert.ok(isVhostLevel(a));
  assert.ok(looksLikeDefinitions(export310));
  assert.equal(looksLikeDefinitions({ foo: 1 }), false);
});

test('password hashes are left out unless asked for; tags are sorted; internal_cluster_id is dropped', () => {
  const whole = {
    users: [
      { name: 'b', password_hash: 'SECRET', hashing_algorithm: 'rabbit_password_hashing_sha256', tags: 'x,a' },
      { name: 'a', password_hash: 'SECRET2', tags: ['administrator'] },
    ],
    vhosts: [{ name: '/', metadata: { description: 'd', tags: [], default_queue_type: 'classic' } }],
    global_parameters: [
      { name: 'internal_cluster_id', value: 'rabbitmq-cluster-id-x' },
      { name: 'cluster_tags', value: [] },
    ],
  };
  const n = normalizeDefinitions(whole);
  assert.ok(!formatDefinitions(n).includes('SECRET'));
  assert.ok(!formatDefinitions(n).includes('hashing_algorithm'));
  assert.deepEqual(
    (n.users as JsonObject[]).map((u) => [u.name, u.tags]),
    [
      ['a', ['administrator']],
      ['b', ['a', 'x']],
    ],
  );
  assert.deepEqual(n.vhosts, [{ default_queue_type: 'classic', description: 'd', name: '/', tags: [] }]);
  assert.deepEqual(n.global_parameters, [{ name: 'cluster_tags', value: [] }]);
  const kept = normalizeDefinitions(whole, { keepPasswordHashes: true });
  assert.ok(formatDefinitions(kept).includes('SECRET2'));
  assert.equal(isVhostLevel(n), false);
});

test('the file text is two-space JSON with sorted keys and a final newline', () => {
  const text = formatDefinitions(normalizeDefinitions({ queues: [{ name: 'q', vhost: '/', durable: true }] }));
  assert.equal(
    text,
    '{\n  "queues": [\n    {\n      "arguments": {\n        "x-queue-type": "classic"\n      },\n      "auto_delete": false,\n      "durable": true,\n      "name": "q",\n      "vhost": "/"\n    }\n  ]\n}\n',
  );
  assert.throws(() => normalizeDefinitions([]), /JSON object/);
});

// ----- properties ----------------------------------------------------------

const name = fc.stringMatching(/^[a-c]{0,2}$/);
const args = fc.dictionary(fc.constantFrom('x-max-length', 'x-queue-type', 'k'), fc.oneof(fc.integer(), name), {
  maxKeys: 2,
});
const queue = fc.record(
  {
    name,
    vhost: name,
    durable: fc.boolean(),
    auto_delete: fc.boolean(),
    arguments: args,
    type: fc.constantFrom('classic', 'quorum'),
  },
  { requiredKeys: ['name'] },
);
const binding = fc.record({
  vhost: name,
  source: name,
  destination: name,
  destination_type: fc.constantFrom('queue', 'exchange'),
  routing_key: name,
  arguments: args,
});
const user = fc.record(
  { name, tags: fc.array(name, { maxLength: 3 }), password_hash: name },
  { requiredKeys: ['name'] },
);
const policy = fc.record({
  vhost: name,
  name,
  pattern: name,
  priority: fc.integer({ min: 0, max: 3 }),
  definition: args,
});
const defsArb = fc.record(
  {
    rabbit_version: fc.constantFrom('3.10.8', '4.0.5'),
    queues: fc.array(queue, { maxLength: 6 }),
    exchanges: fc.array(fc.record({ vhost: name, name, type: fc.constantFrom('direct', 'topic') }), { maxLength: 4 }),
    bindings: fc.array(binding, { maxLength: 6 }),
    users: fc.array(user, { maxLength: 4 }),
    policies: fc.array(policy, { maxLength: 4 }),
  },
  { requiredKeys: [] },
);

/** A copy with every top-level array reversed/rotated and every object's keys in reverse order. */
function shuffled(v: unknown, seed: number): unknown {
  if (Array.isArray(v)) {
    const items = v.map((x) => shuffled(x, seed));
    const r = items.length ? seed % items.length : 0;
    const rotated = [...items.slice(r), ...items.slice(0, r)];
    return seed % 2 ? rotated.reverse() : rotated;
  }
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(
      Object.entries(v)
        .reverse()
        .map(([k, x]) => [k, shuffled(x, seed)]),
    );
  }
  return v;
}

test('property: normalize is idempotent', () => {
  fc.assert(
    fc.property(defsArb, (d) => {
      const once = normalizeDefinitions(d);
      assert.deepEqual(normalizeDefinitions(once), once);
      assert.equal(formatDefinitions(normalizeDefinitions(once)), formatDefinitions(once));
    }),
    { numRuns: 300 },
  );
});

test('property: normalize does not depend on the order of arrays or keys', () => {
  fc.assert(
    fc.property(defsArb, fc.nat(20), (d, seed) => {
      // Only top-level arrays are sets; arrays inside entries (tags are sorted anyway) keep order.
      const top = Object.fromEntries(
        Object.entries(d).map(([k, v]) => [
          k,
          Array.isArray(v)
            ? (shuffled(
                v.map((e) => Object.fromEntries(Object.entries(e as object).reverse())),
                seed,
              ) as unknown[])
            : v,
        ]),
      );
      assert.equal(formatDefinitions(normalizeDefinitions(top)), formatDefinitions(normalizeDefinitions(d)));
    }),
    { numRuns: 300 },
  );
});

test('property: a normalized document planned against itself has no steps', () => {
  fc.assert(
    fc.property(defsArb, (d) => {
      const n = normalizeDefinitions(d);
      assert.deepEqual(planDefinitions(n, n).steps, []);
    }),
    { numRuns: 200 },
  );
});

// ----- the plan --------------------------------------------------------------

const file = (over: Partial<Record<string, unknown>> = {}): JsonObject =>
  normalizeDefinitions({
    queues: [
      { vhost: 'v', name: 'orders', durable: true, arguments: { 'x-queue-type': 'quorum', 'x-max-length': 10 } },
      { vhost: 'v', name: 'new', durable: true, arguments: {} },
    ],
    exchanges: [{ vhost: 'v', name: 'ex', type: 'topic', durable: true }],
    bindings: [{ vhost: 'v', source: 'ex', destination: 'orders', destination_type: 'queue', routing_key: 'o.#' }],
    policies: [{ vhost: 'v', name: 'p', pattern: '^o', definition: { 'max-length': 5 }, priority: 1 }],
    ...over,
  });

const broker = (): JsonObject =>
  normalizeDefinitions({
    queues: [
      { vhost: 'v', name: 'orders', durable: true, arguments: { 'x-queue-type': 'quorum', 'x-max-length': 20 } },
      { vhost: 'v', name: 'old', durable: true, arguments: {} },
    ],
    exchanges: [{ vhost: 'v', name: 'ex', type: 'topic', durable: true }],
    bindings: [
      { vhost: 'v', source: 'ex', destination: 'orders', destination_type: 'queue', routing_key: 'o.#' },
      { vhost: 'v', source: 'ex', destination: 'old', destination_type: 'queue', routing_key: 'x' },
    ],
    policies: [{ vhost: 'v', name: 'p', pattern: '^o', definition: { 'max-length': 9 }, priority: 1 }],
    parameters: [{ vhost: 'v', component: 'shovel', name: 's', value: {} }],
  });

test('plan: create, change, delete; a changed queue argument is a re-create that loses messages', () => {
  const plan = planDefinitions(file(), broker());
  const by = (a: string) =>
    plan.steps
      .filter((s) => s.action === a)
      .map((s) => s.label)
      .sort();
  assert.deepEqual(by('create'), ['binding "ex" → queue "orders" key "o.#" in vhost "v"', 'queue "new" in vhost "v"']);
  assert.deepEqual(by('update'), ['policy "p" in vhost "v"']);
  assert.deepEqual(by('recreate'), ['queue "orders" in vhost "v"']);
  assert.deepEqual(by('delete'), ['binding "ex" → queue "old" key "x" in vhost "v"', 'queue "old" in vhost "v"']);
  // Parameters are not in the file: never touched.
  assert.ok(!plan.steps.some((s) => s.kind === 'parameter'));
  assert.ok(planDeletes(plan));
  const re = plan.steps.find((s) => s.action === 'recreate')!;
  assert.deepEqual(re.changed, ['arguments']);
  assert.match(re.warning!, /messages are lost/);
  // Order: deletions (binding before its queue), then the re-create, then creations (queue before binding).
  const order = plan.steps.map((s) => `${s.action}:${s.kind}`);
  assert.deepEqual(order, [
    'delete:binding',
    'delete:queue',
    'recreate:queue',
    'create:queue',
    'create:binding',
    'update:policy',
  ]);
  const md = planMarkdown(plan, 'Apply', new Map([[re.key, 42]]));
  assert.match(md, /queue "orders" in vhost "v" — \*\*42 message\(s\) lost\*\*/);
  assert.match(md, /arguments\.x-max-length: 20 → 10/);
  assert.match(md, /max-length/);
});

test('plan: changes the broker cannot make in place (queue type, durable, auto_delete, exchange type and arguments)', () => {
  const cases: [string, JsonObject, JsonObject][] = [
    [
      'queue type',
      normalizeDefinitions({ queues: [{ vhost: 'v', name: 'q', arguments: { 'x-queue-type': 'quorum' } }] }),
      normalizeDefinitions({ queues: [{ vhost: 'v', name: 'q', arguments: {} }] }),
    ],
    [
      'durable',
      normalizeDefinitions({ queues: [{ vhost: 'v', name: 'q', durable: false }] }),
      normalizeDefinitions({ queues: [{ vhost: 'v', name: 'q', durable: true }] }),
    ],
    [
      'auto_delete',
      normalizeDefinitions({ queues: [{ vhost: 'v', name: 'q', auto_delete: true }] }),
      normalizeDefinitions({ queues: [{ vhost: 'v', name: 'q' }] }),
    ],
    [
      'exchange type',
      normalizeDefinitions({ exchanges: [{ vhost: 'v', name: 'x', type: 'fanout' }] }),
      normalizeDefinitions({ exchanges: [{ vhost: 'v', name: 'x', type: 'direct' }] }),
    ],
    [
      'exchange arguments',
      normalizeDefinitions({
        exchanges: [{ vhost: 'v', name: 'x', type: 'direct', arguments: { 'alternate-exchange': 'ae' } }],
      }),
      normalizeDefinitions({ exchanges: [{ vhost: 'v', name: 'x', type: 'direct' }] }),
    ],
  ];
  for (const [what, want, have] of cases) {
    const plan = planDefinitions(want, have);
    assert.deepEqual(
      plan.steps.map((s) => s.action),
      ['recreate'],
      what,
    );
    assert.ok(planDeletes(plan), what);
  }
  // A 4.x "type" field and the 3.10 x-queue-type argument are the same thing: nothing to do.
  const same = planDefinitions(
    normalizeDefinitions({ queues: [{ vhost: 'v', name: 'q', type: 'quorum' }] }),
    normalizeDefinitions({ queues: [{ vhost: 'v', name: 'q', arguments: { 'x-queue-type': 'quorum' } }] }),
  );
  assert.deepEqual(same.steps, []);
});

test("plan: a file without a bindings section keeps the broker's bindings of what it re-creates", () => {
  // Deleting the exchange or queue deletes its bindings on the broker: the plan declares them again.
  const want = normalizeDefinitions({
    exchanges: [{ vhost: 'v', name: 'x', type: 'fanout' }],
    queues: [{ vhost: 'v', name: 'q', durable: true, arguments: { 'x-max-length': 5 } }],
  });
  const have = normalizeDefinitions({
    exchanges: [{ vhost: 'v', name: 'x', type: 'direct' }],
    queues: [{ vhost: 'v', name: 'q', durable: true }],
    bindings: [
      { vhost: 'v', source: 'x', destination: 'q', destination_type: 'queue', routing_key: 'k' },
      { vhost: 'v', source: 'other', destination: 'q', destination_type: 'queue', routing_key: 'k2' },
      { vhost: 'v', source: 'other', destination: 'untouched', destination_type: 'queue', routing_key: '' },
    ],
  });
  const plan = planDefinitions(want, have);
  assert.deepEqual(plan.steps.map((s) => `${s.action}:${s.kind}`).sort(), [
    'create:binding',
    'create:binding',
    'recreate:exchange',
    'recreate:queue',
  ]);
  const rebinds = plan.steps.filter((s) => s.kind === 'binding');
  assert.deepEqual(rebinds.map((s) => s.desired?.routing_key).sort(), ['k', 'k2']);
  for (const b of rebinds) assert.match(b.warning ?? '', /the broker has this binding/);
  assert.ok(!plan.steps.some((s) => s.action === 'delete'), 'nothing is deleted for a section the file lacks');
});

test('plan: bindings of a re-created exchange are declared again; the connection user is never deleted', () => {
  const want = normalizeDefinitions({
    exchanges: [{ vhost: 'v', name: 'x', type: 'fanout' }],
    bindings: [{ vhost: 'v', source: 'x', destination: 'q', destination_type: 'queue', routing_key: '' }],
  });
  const have = normalizeDefinitions({
    exchanges: [{ vhost: 'v', name: 'x', type: 'direct' }],
    bindings: [{ vhost: 'v', source: 'x', destination: 'q', destination_type: 'queue', routing_key: '' }],
  });
  const plan = planDefinitions(want, have);
  assert.deepEqual(
    plan.steps.map((s) => `${s.action}:${s.kind}`),
    ['recreate:exchange', 'create:binding'],
  );
  const users = planDefinitions(
    normalizeDefinitions({ users: [{ name: 'new' }] }),
    normalizeDefinitions({ users: [{ name: 'guest', tags: ['administrator'] }, { name: 'old' }] }),
    { protectedUsers: ['guest'] },
  );
  assert.deepEqual(
    users.steps.map((s) => `${s.action}:${s.label}`),
    ['delete:user "old"', 'create:user "new"'],
  );
  assert.match(users.steps[1].warning!, /without a password/);
  assert.equal(planDeletes(planDefinitions(want, want)), false);
});

test('the broker side of a diff has only the sections the file has', () => {
  const broker = normalizeDefinitions(export4);
  assert.deepEqual(Object.keys(sectionsOf(broker, normalizeDefinitions({ queues: [] }))), ['queues']);
  assert.deepEqual(Object.keys(sectionsOf(broker, normalizeDefinitions(export310))), [
    'bindings',
    'exchanges',
    'parameters',
    'policies',
    'queues',
  ]);
});

test('a vhost-level file is scoped to the chosen vhost', () => {
  const scoped = scopeToVhost(normalizeDefinitions(export310), 'target');
  assert.ok((scoped.queues as JsonObject[]).every((q) => q.vhost === 'target'));
  assert.equal(canonical({ b: 1, a: [2, { d: 1, c: 2 }] }), '{"a":[2,{"c":2,"d":1}],"b":1}');
});

// ----- the schema (package.json jsonValidation) -----------------------------------

test('the schema accepts both brokers’ exports and Burrow’s normal form, and rejects a wrong field type', async () => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const root = join(__dirname, '..', '..');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    contributes: { jsonValidation: { fileMatch: string[]; url: string }[] };
  };
  const [entry] = pkg.contributes.jsonValidation;
  assert.deepEqual(entry.fileMatch, ['*.definitions.json', 'definitions.json']);
  const schema = JSON.parse(readFileSync(join(root, entry.url), 'utf8')) as object;
  // ajv (eslint's dependency) checks the schema compiles and what it accepts.
  const Ajv = (await import('ajv')).default;
  const validate = new Ajv({ allErrors: true }).compile(schema);
  for (const doc of [
    export310,
    export4,
    normalizeDefinitions(export4),
    normalizeDefinitions({ users: [{ name: 'u', tags: 'a,b' }] }),
  ]) {
    assert.ok(validate(doc), JSON.stringify(validate.errors));
  }
  assert.equal(validate({ queues: [{ name: 'q', durable: 'yes' }] }), false);
  assert.equal(validate({ queues: [{ name: 'q', arguments: { 'x-queue-type': 'lazy' } }] }), false);
  assert.equal(validate({ bindings: [{ source: 'x' }] }), false);
});
