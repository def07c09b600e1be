import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { searchPicker } from '../../src/broker/pickerSearch';
import { PICKER_PAGE, pickerHint } from '../../src/protocol/picker';
import { BROKERS, createTestVhost, deleteTestVhost, managementClientOf, uniqueVhost } from './helpers';

const EXCHANGES = 250;
const QUEUES = 130;

for (const B of BROKERS)
  describe(`server-side pickers (name filter, one page) [${B.label}]`, () => {
    const mc = managementClientOf(B);
    const vhost = uniqueVhost('burrow-test-picker');

    before(async () => {
      await createTestVhost(mc, vhost);
      const res = await B.mgmt('POST', `/api/definitions/${encodeURIComponent(vhost)}`, {
        exchanges: Array.from({ length: EXCHANGES }, (_, i) => ({
          name: `ord.${i}`,
          type: i % 2 ? 'topic' : 'direct',
          durable: true,
          auto_delete: false,
          internal: false,
          arguments: {},
        })),
        queues: Array.from({ length: QUEUES }, (_, i) => ({
          name: `work.${i}`,
          durable: true,
          auto_delete: false,
          arguments: i % 2 ? { 'x-queue-type': 'quorum' } : {},
        })),
      });
      assert.ok(res.ok, `definitions import: ${res.status}`);
    });
    after(() => deleteTestVhost(mc, vhost));

    test('no text: the first page, with the filtered and total counts (built-in exchanges included)', async () => {
      const m = await searchPicker(mc, vhost, 'exchange', '');
      assert.equal(m.items.length, PICKER_PAGE);
      assert.ok(m.total >= EXCHANGES + 1, `total ${m.total}`);
      assert.equal(m.matched, m.total);
      assert.equal(pickerHint(m), `${(m.total - PICKER_PAGE).toLocaleString('en-US')} more — type to narrow`);
    });

    test('text narrows on the server: case-insensitive substring, no regex', async () => {
      const m = await searchPicker(mc, vhost, 'exchange', 'ORD.24');
      assert.deepEqual(m.items.map((x) => x.name).sort(), [
        'ord.24',
        'ord.240',
        'ord.241',
        'ord.242',
        'ord.243',
        'ord.244',
        'ord.245',
        'ord.246',
        'ord.247',
        'ord.248',
        'ord.249',
      ]);
      assert.equal(m.matched, 11);
      assert.equal(pickerHint(m), undefined);
      assert.equal(m.items.find((x) => x.name === 'ord.241')?.type, 'topic');
      // A dot is a dot, not "any character".
      assert.equal((await searchPicker(mc, vhost, 'exchange', 'ord.2.')).matched, 0);
      assert.equal((await searchPicker(mc, vhost, 'exchange', 'nothing-like-it')).items.length, 0);
    });

    test('more matches than a page: the page is full and the hint counts the rest', async () => {
      const m = await searchPicker(mc, vhost, 'exchange', 'ord.1');
      // ord.1, ord.10–19, ord.100–199
      assert.equal(m.matched, 111);
      assert.equal(m.items.length, PICKER_PAGE);
      assert.equal(pickerHint(m), `${111 - PICKER_PAGE} more containing “ord.1” — type to narrow`);
    });

    test('queues: the same, with the queue type', async () => {
      const all = await searchPicker(mc, vhost, 'queue', '');
      assert.equal(all.total, QUEUES);
      assert.equal(all.items.length, PICKER_PAGE);
      const m = await searchPicker(mc, vhost, 'queue', 'work.12');
      assert.deepEqual(m.items.map((x) => x.name).sort(), [
        'work.12',
        'work.120',
        'work.121',
        'work.122',
        'work.123',
        'work.124',
        'work.125',
        'work.126',
        'work.127',
        'work.128',
        'work.129',
      ]);
      assert.equal(m.items.find((x) => x.name === 'work.121')?.type, 'quorum');
      assert.equal(m.items.find((x) => x.name === 'work.12')?.type, 'classic');
    });
  });
