import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deleteCaveat, fingerprintOf, fnv1a64, mismatch } from '../../src/core/deleteOne';

const enc = (s: string) => new TextEncoder().encode(s);

test('FNV-1a 64 matches the reference values', () => {
  assert.equal(fnv1a64(new Uint8Array()), 'cbf29ce484222325');
  assert.equal(fnv1a64(enc('a')), 'af63dc4c8601ec8c');
  assert.equal(fnv1a64(enc('foobar')), '85944171f73967e8');
});

test('a message is recognised by message id and body, and told apart otherwise', () => {
  const m = { properties: { messageId: 'm-1' }, body: enc('hello') };
  const fp = fingerprintOf(3, m);
  assert.deepEqual(fp, { position: 3, messageId: 'm-1', size: 5, bodyHash: fnv1a64(enc('hello')) });
  assert.equal(mismatch(fp, fingerprintOf(3, m)), undefined);
  assert.match(mismatch(fp, fingerprintOf(3, { ...m, body: enc('hellp') })) ?? '', /different body/);
  assert.match(
    mismatch(fp, fingerprintOf(3, { properties: {}, body: enc('hello') })) ?? '',
    /message #3 now has message id \(none\), not 'm-1'/,
  );
  const noId = fingerprintOf(1, { properties: {}, body: enc('') });
  assert.equal('messageId' in noId, false);
  assert.equal(mismatch(noId, fingerprintOf(1, { properties: {}, body: enc('') })), undefined);
});

test('a same-body twin with other properties is told apart; headers (x-delivery-count) are not compared', () => {
  const body = enc('same');
  const peeked = { exchange: 'orders', routingKey: 'o.1', properties: { timestamp: 100 }, body };
  const fp = fingerprintOf(2, peeked);
  // The same message taken again on a quorum queue: its x-delivery-count went up.
  const again = { ...peeked, properties: { timestamp: 100, headers: { 'x-delivery-count': 1 } } };
  assert.equal(mismatch(fp, fingerprintOf(2, again)), undefined);
  for (const twin of [
    { ...peeked, routingKey: 'o.2' },
    { ...peeked, properties: { timestamp: 101 } },
    { ...peeked, properties: { timestamp: 100, correlationId: 'c' } },
  ])
    assert.match(mismatch(fp, fingerprintOf(2, twin)) ?? '', /same body but other properties/);
});

test('the caveat per queue type', () => {
  assert.match(deleteCaveat('classic'), /back to their places, in order/);
  assert.match(deleteCaveat('quorum'), /delivery count rises by 1/);
  assert.match(deleteCaveat(undefined), /quorum/);
  assert.match(deleteCaveat('stream'), /cannot be deleted from a stream/);
});
