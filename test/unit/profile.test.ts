import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PROFILE, newProfileId, normalizeProfiles } from '../../src/core/profile';

test('valid profiles pass through, with defaults filled in', () => {
  const { profiles, problems } = normalizeProfiles([
    { id: 'a', name: 'A', host: 'h', port: 5672, username: 'u' },
    { host: 'tls-host', tls: true },
  ]);
  assert.deepEqual(problems, []);
  assert.deepEqual(profiles[0], { id: 'a', name: 'A', host: 'h', port: 5672, vhost: '/', username: 'u', tls: false });
  assert.equal(profiles[1].port, 5671);
  assert.equal(profiles[1].id, 'tls-host:5671');
  assert.equal(profiles[1].username, 'guest');
});

test('hand-edited garbage is dropped with reasons, never thrown', () => {
  const { profiles, problems } = normalizeProfiles([
    null,
    3,
    { name: 'no host' },
    { host: 'h', port: 70000 },
    { host: 'ok' },
  ]);
  assert.equal(profiles.length, 1);
  assert.equal(problems.length, 4);
  assert.deepEqual(normalizeProfiles('oops').problems, ['burrow.connections must be an array']);
  assert.deepEqual(normalizeProfiles(undefined), { profiles: [], problems: [] });
});

test('duplicate ids are made unique so secrets do not collide', () => {
  const { profiles, problems } = normalizeProfiles([
    { id: 'x', host: 'a' },
    { id: 'x', host: 'b' },
  ]);
  assert.deepEqual(
    profiles.map((p) => p.id),
    ['x', 'x-2'],
  );
  assert.equal(problems.length, 1);
});

test('a password field in settings is never carried into a profile', () => {
  const { profiles } = normalizeProfiles([{ host: 'h', password: 'secret' }]);
  assert.ok(!('password' in profiles[0]));
  assert.ok(!JSON.stringify(profiles).includes('secret'));
});

test('new ids derive from names and avoid clashes', () => {
  assert.equal(newProfileId('Prod Cluster', []), 'prod-cluster');
  assert.equal(newProfileId('Prod Cluster', ['prod-cluster', 'prod-cluster-2']), 'prod-cluster-3');
  assert.equal(newProfileId('!!!', []), 'connection');
  assert.equal(DEFAULT_PROFILE.host, 'localhost');
});

test('a profile saved with an empty vhost (from an amqp://host:port/ URI) uses the default vhost "/"', () => {
  const { profiles, problems } = normalizeProfiles([
    { id: 'a', host: 'h', port: 5673, vhost: '' },
    { id: 'b', host: 'h', vhost: 'orders' },
    { id: 'c', host: 'h' },
  ]);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    profiles.map((p) => p.vhost),
    ['/', 'orders', '/'],
  );
});
