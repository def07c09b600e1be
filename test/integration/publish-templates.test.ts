/**
 * "Publish N times" with template variables, past the part of the batch that was checked before
 * sending (src/core/templateVars.ts checkBatch): a message that turns out invalid stops the run;
 * the ones already sent are confirmed and counted, and the error names the message.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AmqpConnectionManager } from '../../src/broker/amqp';
import { publishMany, PublishManyError } from '../../src/broker/publish';
import { describeForUser } from '../../src/broker/errors';
import { replayableContexts, requestAt } from '../../src/core/templateVars';
import { emptyDraft, summarisePublishMany } from '../../src/protocol/publish';
import { BROKERS, dropVhost, endpointOf, makeVhost } from './helpers';

for (const B of BROKERS)
  describe(`publish N times: a message invalid past the checked part [${B.label}]`, () => {
    let vhost = '';
    let mgr: AmqpConnectionManager;

    before(async () => {
      vhost = await makeVhost(B, 'burrow-test-publish-templates');
      mgr = new AmqpConnectionManager(endpointOf(B, { connectionName: 'burrow-test-publish-templates' }));
      await mgr.withChannel(vhost, async (ch) => {
        await ch.assertQueue('batch', { durable: false });
      });
    });

    after(async () => {
      await mgr?.dispose();
      await dropVhost(B, vhost);
    });

    test('message 7 of 20 collides with another header: 6 are confirmed, 14 not sent, the error names message 7', async () => {
      const draft = emptyDraft('', 'batch');
      draft.bodyMode = 'text';
      draft.body = 'n={{$i}}';
      draft.headers = [
        { name: 'shard-{{$index}}', type: 'string', value: 'x' },
        { name: 'shard-6', type: 'string', value: 'y' },
      ];
      const ctxAt = replayableContexts([1, 2, 3, 4]);
      const first = requestAt(draft, ctxAt(0));
      assert.ok(first.ok);
      if (!first.ok) return;
      let thrown: unknown;
      try {
        await publishMany(mgr, vhost, first.request, 20, {
          windowSize: 4,
          messageAt: (i) => {
            const r = requestAt(draft, ctxAt(i));
            if (!r.ok) throw new Error(r.error);
            return r.request;
          },
        });
      } catch (err) {
        thrown = err;
      }
      assert.ok(thrown instanceof PublishManyError, String(thrown));
      assert.equal(thrown.code, 'INVALID_MESSAGE');
      assert.match(thrown.message, /Message 7: Header 'shard-6' appears more than once/);
      const r = thrown.result;
      assert.deepEqual(
        { confirmed: r.confirmed, unknown: r.unknown, notSent: r.notSent, sent: r.sent },
        { confirmed: 6, unknown: 0, notSent: 14, sent: 6 },
      );
      const summary = summarisePublishMany(r, 20, describeForUser(thrown.cause));
      assert.match(summary.text, /^Stopped after 6 of 20: .*Message 7: .* — 6 confirmed, 14 not sent/);
      const depth = await mgr.withChannel(vhost, async (ch) => (await ch.checkQueue('batch')).messageCount);
      assert.equal(depth, 6);
    });
  });
