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

test('name:type=value gives any AMQP type; key=value still guesses; void needs no value', () => {
  const r = parseArgumentsInput(
    'x-match=all, retries:int64=5, ratio:float=1.5, present:void, big:int64=9007199254740993, ' +
      'b:int8=5, u:uint32=4294967295, d:double=2, dec:decimal=12.30, when:timestamp=1700000000, ' +
      'raw:bytes=hex:00ff, s:string=" a, b ", flag:bool=true, list:array=[1, {"!": "int64", "value": "7"}], ' +
      't:table={"k": "v", "n": 2}, plain=5, a:b=1',
  );
  assert.ok(r.ok, r.ok ? '' : r.error);
  if (!r.ok) return;
  const { raw, ...rest } = r.value;
  assert.deepEqual([...(raw as Uint8Array)], [0, 255]);
  assert.deepEqual(rest, {
    'x-match': 'all',
    retries: { '!': 'int64', value: '5' },
    ratio: { '!': 'float', value: 1.5 },
    present: null,
    big: { '!': 'int64', value: '9007199254740993' },
    b: { '!': 'int8', value: 5 },
    u: { '!': 'uint32', value: 4294967295 },
    d: { '!': 'double', value: 2 },
    dec: { '!': 'decimal', value: { places: 2, digits: 1230 } },
    when: { '!': 'timestamp', value: 1700000000 },
    s: ' a, b ',
    flag: true,
    list: [
      { '!': 'int8', value: 1 },
      { '!': 'int64', value: '7' },
    ],
    t: { k: 'v', n: { '!': 'int8', value: 2 } },
    plain: 5,
    'a:b': 1,
  });
  assert.deepEqual(parseArgumentsInput('gone:void='), { ok: true, value: { gone: null } });
});

test('typed pairs: errors name the argument and the range', () => {
  for (const [input, message] of [
    ['retries:int8=300', "Argument 'retries': 300 does not fit int8 (-128 to 127)"],
    ['n:int64=abc', "Argument 'n': int64 needs a whole number, got 'abc'"],
    ['f:float=x', "Argument 'f': float needs a number"],
    ['t:table=[1]', "Argument 't': table needs a JSON object"],
    ['present', "Expected key=value, got 'present'"],
    [':int8=1', "Empty key in ':int8=1'"],
    ['a:int8=1, a:int16=2', "Key 'a' given twice"],
  ] as const) {
    const r = parseArgumentsInput(input);
    assert.equal(r.ok, false, input);
    if (!r.ok) assert.ok(r.error.startsWith(message), `${input}: ${r.error}`);
  }
});

test('JSON arguments are read in the exact JSON form of fieldTypes.ts, range-checked', () => {
  const r = parseArgumentsInput(
    '{"x-match": "any", "n": {"!": "int64", "value": "9007199254740993"}, "f": {"!": "float", "value": 1.5}, "b": {"!": "bytes", "value": "AQI="}, "p": 5}',
  );
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.deepEqual(r.value.n, { '!': 'int64', value: '9007199254740993' });
  assert.deepEqual(r.value.f, { '!': 'float', value: 1.5 });
  assert.deepEqual([...(r.value.b as Uint8Array)], [1, 2]);
  assert.equal(r.value.p, 5);
  const bad = parseArgumentsInput('{"n": {"!": "int8", "value": 300}}');
  assert.deepEqual(bad, { ok: false, error: 'arguments.n: 300 does not fit int8 (-128 to 127)' });
  assert.equal(parseArgumentsInput('{"!": "int8", "value": 1}').ok, false);
});

test('queue declare checks read typed numbers too', () => {
  const problems = validateQueueDeclare({
    name: 'q',
    type: 'classic',
    durable: true,
    exclusive: false,
    autoDelete: false,
    arguments: { 'x-max-priority': { '!': 'int32', value: 300 } },
  });
  assert.ok(problems.some((p) => /between 1 and 255/.test(p)));
});
