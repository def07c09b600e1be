import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cursorContext,
  fillVariables,
  itemAt,
  liveRequests,
  requestFoldingRanges,
  scopeAt,
} from '../../src/core/requestFile/cursor';

const FILE = [
  /* 0 */ '@connection = local',
  /* 1 */ '@app = orders',
  /* 2 */ '@x = {{app}}.created',
  /* 3 */ '',
  /* 4 */ '### one',
  /* 5 */ 'PUBLISH "" {{x}}',
  /* 6 */ 'content-type: application/json',
  /* 7 */ 'header x-n:int32 = 3',
  /* 8 */ 'vhost: shop',
  /* 9 */ '',
  /* 10 */ '{"a": "{{app}}"}',
  /* 11 */ '### two',
  /* 12 */ '# a comment',
  /* 13 */ 'PEEK task_queue 10',
  /* 14 */ 'connection: other',
  /* 15 */ '### three',
  /* 16 */ 'ROUTE amq.topic ',
  /* 17 */ 'del',
].join('\n');

const at = (line: number, character: number) => ({ line, character });

test('scope: file defaults, request overrides, variables filled in, the default exchange', () => {
  const one = scopeAt(FILE, 7);
  assert.deepEqual(
    [one.kind, one.target, one.routingKey, one.connection, one.vhost],
    ['publish', '', 'orders.created', 'local', 'shop'],
  );
  const two = scopeAt(FILE, 13);
  assert.deepEqual(
    [two.kind, two.target, two.routingKey, two.connection, two.vhost],
    ['peek', 'task_queue', undefined, 'other', '/'],
  );
  assert.equal(scopeAt(FILE, 16).target, 'amq.topic');
  assert.equal(scopeAt('### x\nPEEK q', 1, { connection: 'd', vhost: 'v' }).vhost, 'v');
  assert.equal(fillVariables('{{a}}-{{b}}', new Map([['a', '1']])), '1-{{b}}');
});

test('completion context on the request line: verb, exchange/queue, routing key', () => {
  assert.equal(cursorContext(FILE, at(5, 3)).kind, 'verb');
  const target = cursorContext(FILE, at(13, 7));
  assert.deepEqual(target, { kind: 'target', verb: 'peek', range: { start: at(13, 5), end: at(13, 7) } });
  assert.equal(cursorContext(FILE, at(13, 17)).kind, 'none'); // PEEK's count
  const key = cursorContext(FILE, at(16, 16));
  assert.deepEqual(key, { kind: 'routing-key', verb: 'route', range: { start: at(16, 16), end: at(16, 16) } });
  assert.equal(cursorContext(FILE, at(17, 3)).kind, 'field-name');
});

test('completion context in the head: field names and values, header names and types; none in bodies and comments', () => {
  assert.equal(cursorContext(FILE, at(6, 4)).kind, 'field-name');
  const value = cursorContext(FILE, at(6, 20));
  assert.deepEqual(value, { kind: 'field-value', field: 'content-type', range: { start: at(6, 14), end: at(6, 20) } });
  assert.deepEqual(cursorContext(FILE, at(7, 9)), { kind: 'header-name', range: { start: at(7, 7), end: at(7, 9) } });
  assert.deepEqual(cursorContext(FILE, at(7, 14)), {
    kind: 'header-type',
    range: { start: at(7, 11), end: at(7, 14) },
  });
  assert.equal(cursorContext(FILE, at(10, 3)).kind, 'none');
  assert.equal(cursorContext(FILE, at(12, 5)).kind, 'none');
  assert.equal(cursorContext(FILE, at(0, 5)).kind, 'none');
});

test('completion context inside {{, bodies included', () => {
  assert.deepEqual(cursorContext(FILE, at(10, 10)), { kind: 'variable', range: { start: at(10, 9), end: at(10, 10) } });
  assert.equal(cursorContext(FILE, at(10, 15)).kind, 'none'); // after the closing braces, in the body
});

test('hover items: exchange (variables filled in), queue, variables and dynamic values', () => {
  assert.deepEqual(itemAt(FILE, at(13, 6)), {
    kind: 'queue',
    name: 'task_queue',
    span: { start: at(13, 5), end: at(13, 15) },
  });
  assert.equal(itemAt(FILE, at(16, 8))?.name, 'amq.topic');
  const v = itemAt(FILE, at(5, 13));
  assert.deepEqual(v, { kind: 'variable', name: 'x', dynamic: false, span: { start: at(5, 11), end: at(5, 16) } });
  assert.deepEqual(itemAt('header t = {{$randomInt 1 9}}', at(0, 14))?.name, '$randomInt 1 9');
  assert.equal(itemAt(FILE, at(6, 3)), undefined);
  assert.equal(itemAt(FILE, at(5, 2)), undefined);
});

test('folding: each ### block up to its last non-blank line', () => {
  const lines = ['@a = 1', '### one', 'PEEK q', '', '', '### two', 'PUBLISH x y', '', 'body', '', '###', ''];
  assert.deepEqual(requestFoldingRanges(lines), [
    { start: 1, end: 2 },
    { start: 5, end: 8 },
  ]);
});

test('live requests: targets and keys with their spans, connection from the request or the file, typed headers', () => {
  const reqs = liveRequests(FILE);
  assert.deepEqual(
    reqs.map((r) => [r.kind, r.target?.value, r.routingKey?.value, r.connection?.value, r.vhost]),
    [
      ['publish', '', 'orders.created', 'local', 'shop'],
      ['peek', 'task_queue', undefined, 'other', '/'],
      ['route', 'amq.topic', '', 'local', '/'],
    ],
  );
  assert.deepEqual(reqs[0]!.routingKey!.span, { start: at(5, 11), end: at(5, 16) });
  assert.deepEqual(reqs[0]!.connection!.span, { start: at(0, 14), end: at(0, 19) });
  assert.deepEqual(reqs[1]!.connection!.span, { start: at(14, 0), end: at(14, 17) });
  assert.deepEqual(reqs[0]!.headers, [{ name: 'x-n', type: 'int32', value: '3' }]);
  const dyn = liveRequests('### a\nPUBLISH x k.{{$i}}\nheader h = {{$uuid}}')[0]!;
  assert.equal(dyn.routingKey!.unresolved, true);
  assert.equal(dyn.connection, undefined);
  assert.deepEqual(dyn.headers, [{ name: 'h', type: 'string', value: '{{$uuid}}' }]);
});

test('live requests follow the parser: CALL <queue>, JSON-quoted names, untyped headers typed like arguments', () => {
  const [call, pub] = liveRequests('CALL rpc_queue\n\n10\n### b\nPUBLISH "my x" k\nheader n = 5\nheader s = "5"');
  assert.deepEqual([call!.target?.value, call!.routingKey?.value], ['', 'rpc_queue']);
  assert.equal(pub!.target?.value, 'my x');
  assert.deepEqual(
    pub!.headers.map((h) => [h.name, h.type, h.value]),
    [
      ['n', 'int8', '5'],
      ['s', 'string', '5'],
    ],
  );
});

test('a request before the first ###, and CALL <queue>', () => {
  const text = '@connection = c\nCALL rpc_queue\n\n10\n### b\nPEEK q';
  const s = scopeAt(text, 1);
  assert.deepEqual([s.kind, s.target, s.routingKey], ['call', '', 'rpc_queue']);
  assert.deepEqual(itemAt(text, at(1, 7)), {
    kind: 'queue',
    name: 'rpc_queue',
    span: { start: at(1, 5), end: at(1, 14) },
  });
  assert.equal(cursorContext(text, at(1, 7)).kind, 'target');
  assert.equal(cursorContext('PUB', at(0, 3)).kind, 'verb');
});
