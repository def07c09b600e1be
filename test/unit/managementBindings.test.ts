import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBindingsText } from '../../src/broker/managementBindings';
import { numbersRead } from '../../src/core/headerEquality';

const binding = (dest: string, args: string) =>
  `{"source":"h","vhost":"v","destination":"${dest}","destination_type":"queue","routing_key":"","arguments":${args},"properties_key":"~x"}`;

test('binding arguments keep their number literals: 5.0 is a double, beyond 2^53 an int64', () => {
  const text = `[${[
    binding('a', '{"k":5.0}'),
    binding('b', '{"k":5}'),
    binding('c', '{"k":{"a":1.0,"b":[2,3.0e0]}}'),
    binding('d', '{"k":9007199254740993}'),
    binding('e', '{"k":1.1,"s":"x\\"arguments\\":5.0"}'),
    binding('f', '{}'),
  ].join(',')}]`;
  const list = parseBindingsText<{ arguments: Record<string, unknown> }>(text);
  assert.deepEqual(list[0]!.arguments, { k: { '!': 'double', value: 5 } });
  assert.deepEqual(list[1]!.arguments, { k: 5 });
  assert.deepEqual(list[2]!.arguments, { k: { a: { '!': 'double', value: 1 }, b: [2, { '!': 'double', value: 3 }] } });
  assert.deepEqual(list[3]!.arguments, { k: { '!': 'int64', value: '9007199254740993' } });
  assert.deepEqual(list[4]!.arguments, { k: 1.1, s: 'x"arguments":5.0' });
  assert.deepEqual(list[5]!.arguments, {});
  assert.ok(list.every((b) => numbersRead(b.arguments)));
  assert.equal(JSON.stringify(list[1]!.arguments), '{"k":5}'); // the mark is not enumerable
});

test('a listing without numbers is JSON.parse, marked; not an array: as it is', () => {
  const list = parseBindingsText<{ arguments: Record<string, unknown> }>(`[${binding('a', '{"k":"x"}')}]`);
  assert.deepEqual(list[0]!.arguments, { k: 'x' });
  assert.ok(numbersRead(list[0]!.arguments));
  assert.deepEqual(parseBindingsText('{"error":"x"}'), { error: 'x' });
});

test('a binding whose arguments key the scan cannot find leaves the plain, unmarked result', () => {
  // keys in another spelling than the scan expects (not what RabbitMQ writes): the guard keeps JSON.parse's
  const list = parseBindingsText<{ arguments: Record<string, unknown> }>('[{"argu\\u006dents":{"k":5.0}}]');
  assert.deepEqual(list[0]!.arguments, { k: 5 });
  assert.equal(numbersRead(list[0]!.arguments), false);
});
