import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  connectOrder,
  formatHostList,
  managementUrlsFor,
  parseAmqpUriList,
  parseHostList,
  profileNodes,
} from '../../src/core/cluster';
import { normalizeProfiles } from '../../src/core/profile';

test('parseHostList: commas, spaces, default port, IPv6 in brackets', () => {
  assert.deepEqual(parseHostList('h1:5681, h2:5682 h3\n[::1]:5673', 5672), [
    { host: 'h1', port: 5681 },
    { host: 'h2', port: 5682 },
    { host: 'h3', port: 5672 },
    { host: '::1', port: 5673 },
  ]);
  assert.deepEqual(parseHostList('  ', 5672), []);
  assert.throws(() => parseHostList('h1:99999', 5672), /'h1:99999': invalid port/);
  assert.throws(() => parseHostList('h1:56x', 5672), /invalid port/);
  assert.throws(() => parseHostList('::1:5672', 5672), /brackets/);
  assert.equal(formatHostList(parseHostList('a:1,[::1]:2', 5672)), 'a:1, [::1]:2');
});

test('profileNodes: first node first, repeats dropped', () => {
  assert.deepEqual(
    profileNodes({
      host: 'a',
      port: 1,
      hosts: [
        { host: 'b', port: 2 },
        { host: 'A', port: 1 },
      ],
    }),
    [
      { host: 'a', port: 1 },
      { host: 'b', port: 2 },
    ],
  );
});

test('connectOrder: in order, the lost node last, shuffle with a given random', () => {
  const nodes = parseHostList('a:1,b:2,c:3', 1);
  const names = (l: { host: string }[]) => l.map((h) => h.host).join('');
  assert.equal(names(connectOrder(nodes)), 'abc');
  assert.equal(names(connectOrder(nodes, { after: { host: 'a', port: 1 } })), 'bca');
  assert.equal(names(connectOrder(nodes, { after: { host: 'b', port: 2 } })), 'cab');
  assert.equal(names(connectOrder(nodes, { after: { host: 'c', port: 3 } })), 'abc');
  assert.equal(names(connectOrder(nodes, { after: { host: 'z', port: 3 } })), 'abc');
  // Fisher-Yates with random() = 0: i=2 swaps with 0 (cba), i=1 swaps with 0 (bca).
  assert.equal(names(connectOrder(nodes, { shuffle: true, random: () => 0 })), 'bca');
  // random() just below 1 keeps the order.
  assert.equal(names(connectOrder(nodes, { shuffle: true, random: () => 0.999 })), 'abc');
  const shuffled = connectOrder(nodes, { shuffle: true });
  assert.deepEqual(names(shuffled).split('').sort().join(''), 'abc');
});

test('managementUrlsFor: derived per node (host swapped, port shifted), explicit URLs win', () => {
  assert.deepEqual(
    managementUrlsFor({
      host: 'localhost',
      port: 5681,
      tls: false,
      managementUrl: 'http://localhost:15681',
      hosts: parseHostList('localhost:5682,localhost:5683', 5672),
    }),
    ['http://localhost:15681', 'http://localhost:15682', 'http://localhost:15683'],
  );
  assert.deepEqual(managementUrlsFor({ host: 'r1', port: 5672, tls: false, hosts: parseHostList('r2,r3', 5672) }), [
    'http://r1:15672',
    'http://r2:15672',
    'http://r3:15672',
  ]);
  assert.deepEqual(
    managementUrlsFor({
      host: 'r1',
      port: 5672,
      tls: false,
      hosts: parseHostList('r2', 5672),
      managementUrls: ['https://m1/rabbit/', 'https://m2/rabbit'],
    }),
    ['https://m1/rabbit', 'https://m2/rabbit'],
  );
  assert.equal(managementUrlsFor({ host: 'r1', port: 5999, tls: false }), undefined);
});

test('parseAmqpUriList: several URIs become one profile with a host list', () => {
  const r = parseAmqpUriList('amqp://app:pw@n1:5681/orders, amqp://app@n2:5682/orders amqp://app@n3/orders');
  assert.equal(r.profile.host, 'n1');
  assert.equal(r.profile.port, 5681);
  assert.equal(r.profile.vhost, 'orders');
  assert.equal(r.password, 'pw');
  assert.deepEqual(r.hosts, [
    { host: 'n2', port: 5682 },
    { host: 'n3', port: 5672 },
  ]);
  assert.throws(() => parseAmqpUriList('amqp://a@n1/x, amqp://a@n2/y'), /URI 2 has another vhost/);
  assert.throws(() => parseAmqpUriList('amqp://n1, amqps://n2'), /URI 2 mixes/);
});

test('normalizeProfiles reads hosts, shuffleHosts and managementUrls from settings.json', () => {
  const { profiles, problems } = normalizeProfiles([
    { host: 'n1', port: 5681, hosts: 'n2:5682, n3:5683', shuffleHosts: true, managementUrls: ['http://n1:15681'] },
    { host: 'm1', hosts: ['m2', { host: 'm3', port: 5673 }] },
    { host: 'bad', hosts: 'x:0' },
    { host: 'bad2', managementUrls: ['ftp://x'] },
  ]);
  assert.equal(profiles.length, 2);
  assert.deepEqual(profiles[0]!.hosts, [
    { host: 'n2', port: 5682 },
    { host: 'n3', port: 5683 },
  ]);
  assert.equal(profiles[0]!.shuffleHosts, true);
  assert.deepEqual(profiles[0]!.managementUrls, ['http://n1:15681']);
  assert.deepEqual(profiles[1]!.hosts, [
    { host: 'm2', port: 5672 },
    { host: 'm3', port: 5673 },
  ]);
  assert.equal(problems.length, 2);
  assert.match(problems[0]!, /burrow.connections\[2\].hosts: 'x:0': invalid port/);
  assert.match(problems[1]!, /burrow.connections\[3\].managementUrls/);
});
