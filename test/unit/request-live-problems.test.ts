import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoutingSimulator, type SimTopology } from '../../src/core/routing';
import {
  missingTargetProblem,
  routeProblems,
  routingHeaders,
  unknownConnectionProblem,
} from '../../src/core/requestFile/liveProblems';
import type { Span } from '../../src/core/requestFile/types';

const KEY: Span = { start: { line: 3, character: 17 }, end: { line: 3, character: 25 } };
const TARGET: Span = { start: { line: 3, character: 8 }, end: { line: 3, character: 16 } };

const topology: SimTopology = {
  vhost: 'v',
  lossyArguments: true,
  exchanges: [
    { name: 'logs', type: 'topic' },
    { name: 'h', type: 'headers' },
    { name: 'secret', type: 'fanout', internal: true },
  ],
  queues: ['crit', 'hq'],
  bindings: [
    { source: 'logs', destination: 'crit', destination_type: 'queue', routing_key: '*.critical' },
    {
      source: 'h',
      destination: 'hq',
      destination_type: 'queue',
      routing_key: '',
      arguments: { 'x-match': 'all', n: 5 },
    },
  ],
};
const sim = new RoutingSimulator(topology);

test('a key that routes gives no problem', () => {
  assert.deepEqual(routeProblems(sim.route('logs', 'kern.critical'), 'logs', 'kern.critical', KEY, TARGET), []);
});

test('a key that reaches no queue is a warning on the key', () => {
  const p = routeProblems(sim.route('logs', 'kern.info'), 'logs', 'kern.info', KEY, TARGET);
  assert.equal(p.length, 1);
  assert.equal(p[0]!.severity, 'warning');
  assert.equal(p[0]!.code, 'unroutable');
  assert.deepEqual(p[0]!.span, KEY);
  assert.match(p[0]!.message, /routing key 'kern\.info' reaches no queue from exchange 'logs'/);
});

test("the tester's uncertain answers are information, with the reasons", () => {
  const p = routeProblems(sim.route('h', '', { n: 5 }), 'h', '', KEY, TARGET);
  assert.equal(p.length, 1);
  assert.equal(p[0]!.severity, 'information');
  assert.equal(p[0]!.code, 'route-uncertain');
  assert.match(
    p[0]!.message,
    /may reach no queue from exchange 'h': only these may receive it: 'hq' \(binding argument n/,
  );
});

test('an unknown or internal exchange is an error on the exchange, and nothing else is said', () => {
  const p = routeProblems(sim.route('nope', 'k'), 'nope', 'k', KEY, TARGET);
  assert.deepEqual(
    p.map((x) => [x.severity, x.code, x.span]),
    [['error', 'route-error', TARGET]],
  );
  assert.match(p[0]!.message, /404 NOT_FOUND - no exchange 'nope'/);
  const internal = routeProblems(sim.route('secret', ''), 'secret', '', KEY, TARGET);
  assert.match(internal[0]!.message, /403 ACCESS_REFUSED/);
});

test('the default exchange is named as such', () => {
  const p = routeProblems(sim.route('', 'no-such-queue'), '', 'no-such-queue', KEY);
  assert.match(p[0]!.message, /reaches no queue from the default exchange/);
});

test('unknown connection lists the known ones; missing targets name the vhost and connection', () => {
  const c = unknownConnectionProblem('prod', ['localhost', 'staging'], KEY);
  assert.equal(c.message, "unknown connection 'prod' (known: 'localhost', 'staging')");
  assert.equal(c.severity, 'error');
  assert.match(unknownConnectionProblem('x', [], KEY).message, /known: none/);
  const q = missingTargetProblem('queue', 'task_queue', '/', 'localhost', TARGET);
  assert.deepEqual([q.code, q.message], ['unknown-queue', "no queue 'task_queue' in vhost '/' on 'localhost'"]);
  assert.equal(missingTargetProblem('exchange', 'x', 'v', 'c', TARGET).code, 'unknown-exchange');
});

test('routing headers: typed values, without per-message values or values that do not fit', () => {
  const h = routingHeaders([
    { name: 'format', type: 'string', value: 'pdf' },
    { name: 'n', type: 'int32', value: '5' },
    { name: 'trace', type: 'string', value: '{{$uuid}}' },
    { name: 'small', type: 'int8', value: '300' },
  ]);
  assert.deepEqual(Object.keys(h).sort(), ['format', 'n']);
  assert.equal(h.format, 'pdf');
});
