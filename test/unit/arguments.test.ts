import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseArgumentsInput,
  parseArgumentValue,
  QUEUE_ARGUMENTS,
  queueDeclareArguments,
  validateQueueDeclare,
  typeScalar,
} from '../../src/core/arguments';

test('key=value pairs keep their types', () => {
  const r = parseArgumentsInput('x-match=any, format=pdf, size=3, ratio=0.5, on=true, off=false, gone=null, code="42"');
  assert.deepEqual(r, {
    ok: true,
    value: { 'x-match': 'any', format: 'pdf', size: 3, ratio: 0.5, on: true, off: false, gone: null, code: '42' },
  });
});

test('pairs may be split by newlines, and quoted values may contain commas', () => {
  const r = parseArgumentsInput('a="x, y"\nb=2');
  assert.deepEqual(r, { ok: true, value: { a: 'x, y', b: 2 } });
});

test('a JSON object is taken as is, nested values included', () => {
  const r = parseArgumentsInput('{"x-match":"all","n":1,"deep":{"k":[1,"2"]}}');
  assert.deepEqual(r, { ok: true, value: { 'x-match': 'all', n: 1, deep: { k: [1, '2'] } } });
});

test('empty input means no arguments', () => {
  assert.deepEqual(parseArgumentsInput('   '), { ok: true, value: {} });
});

test('bad input gets a clear error', () => {
  for (const [input, fragment] of [
    ['novalue', 'Expected key=value'],
    ['=3', 'Expected key=value'],
    ['a=1, a=2', 'given twice'],
    ['{"a":', 'Invalid JSON: Value expected at line 1, column 6'],
    ['[1,2]', 'Expected key=value'],
  ] as const) {
    const r = parseArgumentsInput(input);
    assert.equal(r.ok, false, input);
    if (!r.ok) assert.match(r.error, new RegExp(fragment), input);
  }
  const arr = parseArgumentsInput('{"a":1} ');
  assert.equal(arr.ok, true);
});

test('typeScalar leaves non-numbers alone', () => {
  assert.equal(typeScalar('01'), '01');
  assert.equal(typeScalar('1e3'), 1000);
  assert.equal(typeScalar('-7'), -7);
  assert.equal(typeScalar('TRUE'), 'TRUE');
  assert.equal(typeScalar('"true"'), 'true');
});

test('queue argument values are validated by kind', () => {
  const ttl = QUEUE_ARGUMENTS.find((a) => a.key === 'x-message-ttl')!;
  assert.deepEqual(parseArgumentValue(ttl, '60000'), { ok: true, value: 60000 });
  assert.equal(parseArgumentValue(ttl, '1.5').ok, false);
  assert.equal(parseArgumentValue(ttl, 'soon').ok, false);
  const overflow = QUEUE_ARGUMENTS.find((a) => a.key === 'x-overflow')!;
  assert.deepEqual(parseArgumentValue(overflow, 'reject-publish'), { ok: true, value: 'reject-publish' });
  assert.equal(parseArgumentValue(overflow, 'explode').ok, false);
  const sac = QUEUE_ARGUMENTS.find((a) => a.key === 'x-single-active-consumer')!;
  assert.deepEqual(parseArgumentValue(sac, 'true'), { ok: true, value: true });
  assert.equal(parseArgumentValue(sac, 'yes').ok, false);
});

test('declare validation catches what RabbitMQ refuses', () => {
  const base = {
    name: 'q',
    type: 'classic' as const,
    durable: true,
    exclusive: false,
    autoDelete: false,
    arguments: {},
  };
  assert.deepEqual(validateQueueDeclare(base), []);
  assert.match(validateQueueDeclare({ ...base, type: 'quorum', durable: false }).join(), /must be durable/);
  assert.match(validateQueueDeclare({ ...base, type: 'quorum', exclusive: true }).join(), /cannot be exclusive/);
  assert.match(validateQueueDeclare({ ...base, type: 'stream', autoDelete: true }).join(), /cannot be auto-delete/);
  assert.match(validateQueueDeclare({ ...base, type: 'stream', name: '' }).join(), /need a name/);
  assert.match(validateQueueDeclare({ ...base, name: 'amq.mine' }).join(), /reserved/);
  assert.match(validateQueueDeclare({ ...base, name: 'é'.repeat(128) }).join(), /255 bytes/);
  assert.match(validateQueueDeclare({ ...base, arguments: { 'x-max-priority': 300 } }).join(), /between 1 and 255/);
  assert.match(
    validateQueueDeclare({ ...base, type: 'quorum', arguments: { 'x-max-priority': 5 } }).join(),
    /does not apply to quorum/,
  );
  assert.deepEqual(validateQueueDeclare({ ...base, name: '' }), []);
});

test('non-classic queues carry x-queue-type', () => {
  const spec = { name: 'q', durable: true, exclusive: false, autoDelete: false, arguments: { 'x-delivery-limit': 5 } };
  assert.deepEqual(queueDeclareArguments({ ...spec, type: 'quorum' }), {
    'x-delivery-limit': 5,
    'x-queue-type': 'quorum',
  });
  assert.deepEqual(queueDeclareArguments({ ...spec, type: 'classic' }), { 'x-delivery-limit': 5 });
});
