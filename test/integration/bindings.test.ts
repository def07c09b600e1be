import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AmqpConnectionManager } from '../../src/broker/amqp';
import { removeBinding } from '../../src/broker/bindings';
import { headersForAmqp } from '../../src/broker/publish';
import { parseArgumentsInput } from '../../src/core/arguments';
import { BROKERS, dropVhost, endpointOf, makeVhost, managementClientOf } from './helpers';

/**
 * Typed binding arguments (the binding form's `name:type=value`) go to the broker over AMQP with
 * their types, and Unbind removes such a binding through the management API by its properties_key:
 * an AMQP unbind with the arguments the listing shows (JSON, types lost) removes nothing.
 */
for (const B of BROKERS) {
  describe(`typed binding arguments and unbind [${B.label}]`, () => {
    let vhost: string;
    let mgr: AmqpConnectionManager;
    const mc = managementClientOf(B);

    before(async () => {
      vhost = await makeVhost(B, 'burrow-test-bindings');
      mgr = new AmqpConnectionManager(endpointOf(B, { connectionName: 'burrow-test-bindings' }));
      await mgr.withChannel(vhost, async (ch) => {
        await ch.assertExchange('hx', 'headers', { durable: false });
        await ch.assertExchange('dx', 'direct', { durable: false });
        await ch.assertQueue('q', { durable: false });
        await ch.assertQueue('q2', { durable: false });
      });
    });

    after(async () => {
      await mgr?.dispose();
      mc.dispose();
      await dropVhost(B, vhost);
    });

    const bindingsOf = async (source: string) =>
      (await mc.exchangeBindingsAsSource(vhost, source)).filter((b) => b.destination === 'q' || b.destination === 'q2');

    test('a headers binding with int64 and float arguments, made over AMQP, is removed by Burrow’s unbind', async () => {
      const parsed = parseArgumentsInput('x-match=all, retries:int64=5, ratio:float=1.5, present:void');
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
      if (!parsed.ok) return;
      const args = headersForAmqp(parsed.value) as Record<string, unknown>;
      await mgr.withChannel(vhost, (ch) => ch.bindQueue('q', 'hx', '', args));
      const [b] = await bindingsOf('hx');
      assert.ok(b, 'the binding exists');
      assert.equal(b.arguments.retries, 5);
      assert.equal(b.arguments.ratio, 1.5);

      // What Unbind did before: an AMQP unbind with the listed (JSON) arguments. The broker finds no
      // binding with those typed arguments (int8 5 and double 1.5 are not int64 5 and float 1.5)
      // and answers unbind-ok anyway: nothing is removed.
      await mgr.withChannel(vhost, (ch) => ch.unbindQueue('q', 'hx', '', b.arguments));
      assert.equal((await bindingsOf('hx')).length, 1, 'the AMQP unbind with JSON arguments removed nothing');

      await removeBinding(mc, b);
      assert.deepEqual(await bindingsOf('hx'), [], 'the binding is gone');
    });

    test('a binding whose routing key and destination need escaping is removed exactly; the others stay', async () => {
      // Not '~': with arguments, a routing key holding '~' makes the management API's binding listings
      // fail with 500 on 3.10 and 4.0 (a broker bug), so Burrow could not list such a binding at all.
      const key = 'a/b %2F c?#';
      await mgr.withChannel(vhost, async (ch) => {
        await ch.bindQueue('q', 'dx', key, {});
        await ch.bindQueue('q', 'dx', 'other', {});
        await ch.bindQueue('q2', 'dx', key, { n: { '!': 'int64', value: '9007199254740993' } });
      });
      const all = await bindingsOf('dx');
      assert.equal(all.length, 3);
      const target = all.find((b) => b.destination === 'q' && b.routing_key === key);
      assert.ok(target);
      await removeBinding(mc, target);
      const left = await bindingsOf('dx');
      assert.deepEqual(left.map((b) => [b.destination, b.routing_key]).sort(), [
        ['q', 'other'],
        ['q2', key],
      ]);
      const typed = left.find((b) => b.destination === 'q2');
      assert.ok(typed);
      await removeBinding(mc, typed);
      assert.deepEqual(
        (await bindingsOf('dx')).map((b) => b.routing_key),
        ['other'],
      );
    });

    test('removing a binding that is already gone is a 404 management error', async () => {
      await assert.rejects(
        removeBinding(mc, {
          vhost,
          source: 'dx',
          destination: 'q',
          destination_type: 'queue',
          properties_key: 'nope~x',
        }),
        (e: { source?: string; code?: unknown }) => e.source === 'management' && e.code === 404,
      );
    });
  });
}
