import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseAmqpUri,
  formatAmqpUri,
  redactUri,
  deriveManagementUrl,
  defaultManagementUrl,
  resolveManagementUrl,
  managementUrlField,
  managementUrlPrompt,
  checkManagementUrlInput,
  managementUrlToStore,
  ManagementUrlMissingError,
  profileLabel,
  vhostOrDefault,
  DEFAULT_VHOST,
  UriError,
  type UriProfile,
} from '../../src/core/uri';
import type { ConnectionProfile } from '../../src/core/profile';

type Expect = Partial<UriProfile> & { password?: string | undefined; heartbeat?: number };

// [uri, expected fields]; fields not listed take these defaults.
const DEFAULTS = { host: 'localhost', port: 5672, vhost: '/', username: 'guest', tls: false };

const VALID: Array<[string, Expect]> = [
  // From the RabbitMQ URI spec (https://www.rabbitmq.com/docs/uri-spec), "Appendix A: Examples"
  [
    'amqp://user:pass@host:10000/vhost',
    { username: 'user', password: 'pass', host: 'host', port: 10000, vhost: 'vhost' },
  ],
  [
    'amqp://user%61:%61pass@ho%61st:10000/v%2fhost',
    { username: 'usera', password: 'apass', host: 'hoast', port: 10000, vhost: 'v/host' },
  ],
  ['amqp://host', { host: 'host', vhost: '/', password: 'guest' }],
  ['amqp://host/', { host: 'host', vhost: '/' }], // empty path = the default vhost (not a vhost named "")
  ['amqp://host/%2f', { host: 'host', vhost: '/' }],
  ['amqp://host/%2F', { host: 'host', vhost: '/' }],
  ['amqp://[::1]', { host: '::1' }],
  ['amqp://user@host', { host: 'host', username: 'user', password: undefined }],
  ['amqp://user:pass@host', { host: 'host', username: 'user', password: 'pass' }],
  ['amqp://:@host/', { host: 'host', username: '', password: '', vhost: '/' }],
  // ports and schemes
  ['amqps://host', { host: 'host', port: 5671, tls: true }],
  ['AMQPS://host', { host: 'host', port: 5671, tls: true }],
  ['amqps://host:5672', { host: 'host', port: 5672, tls: true }],
  ['amqp://host:5671', { host: 'host', port: 5671, tls: false }],
  ['amqp://host:', { host: 'host', port: 5672 }], // empty port = default (RFC 3986)
  ['amqp://host:1', { host: 'host', port: 1 }],
  ['amqp://host:65535', { host: 'host', port: 65535 }],
  ['amqp://host:05672', { host: 'host', port: 5672 }],
  // IPv6
  ['amqp://[::1]:5673/', { host: '::1', port: 5673, vhost: '/' }],
  [
    'amqps://u:p@[2001:db8::17]:5999/prod',
    { host: '2001:db8::17', port: 5999, tls: true, username: 'u', password: 'p', vhost: 'prod' },
  ],
  ['amqp://[fe80::1%25eth0]', { host: 'fe80::1%eth0' }],
  // userinfo decoding
  ['amqp://us%3Aer:p%40ss%3Aword%2F%3F%23@host', { host: 'host', username: 'us:er', password: 'p@ss:word/?#' }],
  ['amqp://user:pa:ss@host', { host: 'host', username: 'user', password: 'pa:ss' }], // first ':' splits
  ['amqp://user:p+ss@host', { host: 'host', username: 'user', password: 'p+ss' }], // '+' is not a space
  ['amqp://user:p%20ss@host', { host: 'host', username: 'user', password: 'p ss' }],
  ['amqp://us%C3%A9r:%E2%82%AC@host', { host: 'host', username: 'usér', password: '€' }],
  ['amqp://user:@host', { host: 'host', username: 'user', password: '' }],
  // vhosts
  ['amqp://host/my-vhost', { host: 'host', vhost: 'my-vhost' }],
  ['amqp://host/a%2Fb', { host: 'host', vhost: 'a/b' }],
  ['amqp://host/%2Fprod', { host: 'host', vhost: '/prod' }],
  ['amqp://host/v%20h', { host: 'host', vhost: 'v h' }],
  ['amqp://host/v%40h', { host: 'host', vhost: 'v@h' }],
  ['amqp://host/?heartbeat=10', { host: 'host', vhost: '/', heartbeat: 10 }],
  ['amqp://host//', { host: 'host', vhost: '/' }], // Celery / kombu spelling of the default vhost
  ['amqp://host//?heartbeat=10', { host: 'host', vhost: '/', heartbeat: 10 }],
  ['amqp://host?heartbeat=10', { host: 'host', vhost: '/', heartbeat: 10 }],
  ['amqp://host#frag', { host: 'host', vhost: '/' }],
  // query
  ['amqp://host/%2F?heartbeat=0', { host: 'host', heartbeat: 0 }],
  [
    'amqps://host/%2F?cacertfile=/etc/ssl/ca.pem&verify=verify_none',
    { host: 'host', tls: true, port: 5671, caFile: '/etc/ssl/ca.pem', allowSelfSigned: true },
  ],
  [
    'amqps://host?cacertfile=%2Fetc%2Fssl%2Fmy%20ca.pem',
    { host: 'host', tls: true, port: 5671, caFile: '/etc/ssl/my ca.pem' },
  ],
  ['amqps://host?verify=verify_peer', { host: 'host', tls: true, port: 5671, allowSelfSigned: false }],
  ['amqp://host?certfile=/c.pem&keyfile=/k.pem&auth_mechanism=external&frame_max=8192&&x', { host: 'host' }], // ignored
  ['amqp://host?heartbeat=5&heartbeat=7', { host: 'host', heartbeat: 7 }],
  // whitespace around the URI
  ['  amqp://host  ', { host: 'host' }],
];

const INVALID: Array<[string, RegExp]> = [
  ['http://host', /unsupported scheme "http:"/],
  ['https://user:secret@host', /unsupported scheme "https:"/],
  ['ftp://host', /unsupported scheme/],
  ['amqp:host', /expected "amqp:\/\/" followed by a host/],
  ['amqp:/host', /expected "amqp:\/\/"/],
  ['host:5672', /not an AMQP URI/],
  ['localhost', /not an AMQP URI/],
  ['', /empty URI/],
  ['   ', /empty URI/],
  ['amqp://', /missing host/],
  ['amqp:///vhost', /missing host/],
  ['amqp://user:secret@', /missing host/],
  ['amqp://user:secret@:5672/', /missing host/],
  ['amqp://[]', /missing host/],
  ['amqp://host:abc', /invalid port "abc"/],
  ['amqp://host:-1', /invalid port/],
  ['amqp://host:5672x', /invalid port/],
  ['amqp://host: 5672', /invalid port/],
  ['amqp://host:0', /out of range/],
  ['amqp://host:65536', /out of range/],
  ['amqp://host:99999999999999999999', /out of range/],
  ['amqp://[::1', /unterminated IPv6/],
  ['amqp://[::1]x', /unexpected characters after the IPv6 address/],
  ['amqp://[host]', /brackets are only for IPv6/],
  ['amqp://::1', /IPv6 addresses must be written in brackets/],
  ['amqp://fe80::1:5672', /IPv6 addresses must be written in brackets/],
  ['amqp://user:secret@host/%zz', /malformed percent-encoding in the vhost/],
  ['amqp://user:secret@host/%2', /malformed percent-encoding in the vhost/],
  ['amqp://us%zer:secret@host', /malformed percent-encoding in the user name/],
  ['amqp://user:se%zzcret@host', /malformed percent-encoding in the password/],
  ['amqp://user:secret%@host', /malformed percent-encoding in the password/],
  ['amqp://user:%C3%28@host', /malformed percent-encoding in the password/], // not UTF-8
  ['amqp://ho%zzst', /malformed percent-encoding in the host/],
  ['amqp://host?cacertfile=%zz', /malformed percent-encoding in the query parameter "cacertfile"/],
  ['amqp://host/a/b', /single path segment/],
  ['amqp://host///', /single path segment/],
  ['amqp://host//vh', /single path segment/],
  ['amqp://host?heartbeat=abc', /invalid heartbeat "abc"/],
  ['amqp://host?heartbeat=-5', /invalid heartbeat/],
  ['amqp://host?verify=maybe', /invalid verify "maybe"/],
  ['amqp://ho%2Fst', /invalid character in the host/],
  ['amqp://ho%3Ast', /invalid character in the host/],
  ['amqp://user:sec/ret@host', /unescaped '@', '#', '\?' or '\/'.*percent-encode/], // raw '/' in the password
  ['amqp://user:12/34@host/vh', /unescaped '@', '#', '\?' or '\/'.*percent-encode/],
  ['amqp://user:sec?ret@host', /unescaped '@', '#', '\?' or '\/'.*percent-encode/],
  ['amqp://user:p@ss@host', /unescaped '@'.*percent-encode/], // raw '@': refused, never reinterpreted
  ['amqp://app:my@pass#word@rabbit/orders', /unescaped '@'.*percent-encode/], // not host "pass"
  ['amqp://user:p@ss:w/rd%20#?@host/vh', /unescaped/],
  ['amqp://host?heartbeat=1e20', /invalid heartbeat.*0 to 65535/],
  ['amqp://host?heartbeat=65536', /invalid heartbeat/],
  ['amqp://host?heartbeat=-1', /invalid heartbeat/],
  ['amqp://ho%00st', /control character/],
  ['amqp://ho%0Ast/vh', /control character/],
  ['amqp://user:sec#ret@host', /unescaped '@', '#', '\?' or '\/'.*percent-encode/],
];

function expectedProfile(e: Expect): { profile: UriProfile; password: string | undefined; heartbeat?: number } {
  const { password, heartbeat, ...fields } = e;
  const profile: UriProfile = { ...DEFAULTS, ...fields };
  if (fields.tls && fields.port === undefined) profile.port = 5671;
  const out: { profile: UriProfile; password: string | undefined; heartbeat?: number } = {
    profile,
    password: 'password' in e ? password : fields.username === undefined ? 'guest' : undefined,
  };
  if (heartbeat !== undefined) out.heartbeat = heartbeat;
  return out;
}

describe('parseAmqpUri: valid URIs', () => {
  for (const [uri, expected] of VALID) {
    test(uri, () => {
      assert.deepEqual(parseAmqpUri(uri), expectedProfile(expected));
    });
  }

  test('no userinfo at all means guest/guest; a user without password leaves it undefined', () => {
    assert.deepEqual(parseAmqpUri('amqp://h').password, 'guest');
    assert.equal(parseAmqpUri('amqp://h').profile.username, 'guest');
    assert.equal(parseAmqpUri('amqp://bob@h').password, undefined);
    assert.equal(parseAmqpUri('amqp://bob:@h').password, '');
  });
});

describe('parseAmqpUri: invalid URIs throw UriError without the password', () => {
  for (const [uri, message] of INVALID) {
    test(JSON.stringify(uri), () => {
      assert.throws(
        () => parseAmqpUri(uri),
        (err: unknown) => {
          assert.ok(err instanceof UriError, 'is a UriError');
          assert.ok(err instanceof Error);
          assert.equal(err.name, 'UriError');
          assert.match(err.message, message);
          assert.doesNotMatch(err.message, /secret|sec\/ret|sec\?ret|sec#ret|12\/34|se%zzcret|pass#word|ss:w\/rd|p@ss/);
          assert.doesNotMatch(err.uri, /secret|sec\/ret|12\/34/);
          return true;
        },
      );
    });
  }

  test('the message quotes the redacted URI', () => {
    assert.throws(
      () => parseAmqpUri('http://admin:hunter2@example.com:15672/'),
      (err: unknown) => {
        assert.ok(err instanceof UriError);
        assert.match(err.message, /"http:\/\/admin:\*\*\*@example\.com:15672\/"/);
        assert.doesNotMatch(err.message, /hunter2/);
        return true;
      },
    );
  });

  test('bad port with a password', () => {
    assert.throws(
      () => parseAmqpUri('amqp://admin:hunter2@host:99999/'),
      (err: unknown) => {
        assert.ok(err instanceof UriError);
        assert.doesNotMatch(err.message, /hunter2/);
        assert.match(err.message, /admin:\*\*\*@host:99999/);
        return true;
      },
    );
  });
});

describe('formatAmqpUri', () => {
  const base: UriProfile = { host: 'localhost', port: 5672, vhost: '/', username: 'guest', tls: false };
  const cases: Array<[UriProfile, string | undefined, string]> = [
    [base, 'guest', 'amqp://guest:guest@localhost/%2F'],
    [base, undefined, 'amqp://guest@localhost/%2F'],
    [{ ...base, port: 5673 }, undefined, 'amqp://guest@localhost:5673/%2F'],
    [{ ...base, tls: true, port: 5671 }, undefined, 'amqps://guest@localhost/%2F'],
    [{ ...base, tls: true, port: 5672 }, undefined, 'amqps://guest@localhost:5672/%2F'],
    [{ ...base, vhost: '' }, undefined, 'amqp://guest@localhost/%2F'], // "" means the default vhost
    [{ ...base, vhost: 'prod' }, undefined, 'amqp://guest@localhost/prod'],
    [{ ...base, vhost: 'a/b c' }, undefined, 'amqp://guest@localhost/a%2Fb%20c'],
    [{ ...base, host: '::1' }, undefined, 'amqp://guest@[::1]/%2F'],
    [{ ...base, host: 'fe80::1%eth0', port: 1 }, undefined, 'amqp://guest@[fe80::1%25eth0]:1/%2F'],
    [{ ...base, username: 'a@b:c' }, 'p@ss:w/rd?#', 'amqp://a%40b%3Ac:p%40ss%3Aw%2Frd%3F%23@localhost/%2F'],
    [{ ...base, username: '' }, '', 'amqp://:@localhost/%2F'],
    [
      { ...base, tls: true, port: 5671, caFile: '/etc/ssl/ca.pem', allowSelfSigned: true },
      undefined,
      'amqps://guest@localhost/%2F?cacertfile=/etc/ssl/ca.pem&verify=verify_none',
    ],
    [
      { ...base, caFile: 'C:\\certs\\my ca.pem', allowSelfSigned: false },
      undefined,
      'amqp://guest@localhost/%2F?cacertfile=C:%5Ccerts%5Cmy%20ca.pem&verify=verify_peer',
    ],
  ];
  for (const [profile, password, expected] of cases) {
    test(expected, () => assert.equal(formatAmqpUri(profile, password), expected));
  }

  test('ignores id, name and managementUrl of a full profile', () => {
    const full: ConnectionProfile = { ...base, id: 'x', name: 'X', managementUrl: 'http://m:15672' };
    assert.equal(formatAmqpUri(full), 'amqp://guest@localhost/%2F');
  });

  test('invalid Unicode does not leak the password', () => {
    assert.throws(
      () => formatAmqpUri(base, 'sec\ud800ret'),
      (err: unknown) => {
        assert.ok(err instanceof UriError);
        assert.doesNotMatch(err.message, /sec/);
        return true;
      },
    );
  });
});

describe('parse/format round trip', () => {
  const chars = [
    'a',
    'Z',
    '0',
    '/',
    '%',
    ':',
    '@',
    '?',
    '#',
    '&',
    '=',
    '+',
    ' ',
    '.',
    '-',
    '_',
    '~',
    '[',
    'é',
    '€',
    '🏠',
    '\\',
    '*',
    "'",
  ];
  function rng(seed: number) {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const rand = rng(7);
  const str = (max: number) => {
    let s = '';
    const n = Math.floor(rand() * (max + 1));
    for (let i = 0; i < n; i++) s += chars[Math.floor(rand() * chars.length)];
    return s;
  };
  const hosts = ['localhost', 'rabbit.example.com', '10.0.0.1', '::1', '2001:db8::1', 'h-1', 'xn--bcher-kva.example'];

  test('2,000 random profiles', () => {
    for (let n = 0; n < 2000; n++) {
      const tls = rand() < 0.5;
      const profile: UriProfile = {
        host: hosts[Math.floor(rand() * hosts.length)]!,
        port: rand() < 0.5 ? (tls ? 5671 : 5672) : 1 + Math.floor(rand() * 65535),
        vhost: rand() < 0.3 ? '/' : str(6),
        username: str(5),
        tls,
      };
      if (rand() < 0.3) profile.caFile = '/x/' + str(5) || 'ca.pem';
      if (rand() < 0.3) profile.allowSelfSigned = rand() < 0.5;
      const password = rand() < 0.2 ? undefined : str(8);
      const uri = formatAmqpUri(profile, password);
      const parsed = parseAmqpUri(uri);
      // A profile's empty vhost means the default vhost "/" (there is no vhost named "").
      assert.deepEqual(parsed, { profile: { ...profile, vhost: vhostOrDefault(profile.vhost) }, password }, uri);
      if (password)
        assert.doesNotMatch(
          redactUri(uri),
          new RegExp(`:${encodeURIComponent(password).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}@`),
        );
    }
  });

  test('spec examples survive parse -> format -> parse', () => {
    for (const [uri] of VALID) {
      const a = parseAmqpUri(uri);
      const b = parseAmqpUri(formatAmqpUri(a.profile, a.password));
      assert.deepEqual(b.profile, a.profile, uri);
      assert.equal(b.password, a.password, uri);
    }
  });
});

describe('redactUri', () => {
  const cases: Array<[string, string]> = [
    ['amqp://guest:guest@host:5672/%2F', 'amqp://guest:***@host:5672/%2F'],
    ['amqps://user:p%40ss@host/', 'amqps://user:***@host/'],
    ['http://admin:hunter2@localhost:15672/api/overview', 'http://admin:***@localhost:15672/api/overview'],
    ['https://admin:hunter2@rabbit.example.com/', 'https://admin:***@rabbit.example.com/'],
    ['amqp://user:pa:ss@host', 'amqp://user:***@host'],
    // not well formed: everything between '://' and the last '@' is hidden
    ['amqp://user:p@ss@host/vh', 'amqp://***@host/vh'],
    ['amqp://user:sec/ret@host/vh', 'amqp://***@host/vh'],
    ['amqp://user:sec?ret@host', 'amqp://***@host'],
    ['amqp://user:sec#ret@host', 'amqp://***@host'],
    ['amqp://user:p@ss:w/rd%20#?@host/vh', 'amqp://***@host/vh'],
    ['amqp://app:my@pass#word@rabbit/orders', 'amqp://***@rabbit/orders'],
    ['amqp://user:se cret@host', 'amqp://user:***@host'],
    ['amqp://[::1]', 'amqp://[::1]'],
    ['amqp://user:pw@[::1]:5673/', 'amqp://user:***@[::1]:5673/'],
    // unchanged: no password
    ['amqp://host:5672/%2F', 'amqp://host:5672/%2F'],
    ['amqp://guest@host:5672/', 'amqp://guest@host:5672/'],
    ['amqp://user:@host', 'amqp://user:@host'],
    ['http://localhost:15672', 'http://localhost:15672'],
    ['amqp://host/v%40h', 'amqp://host/v%40h'],
    ['', ''],
    ['not a uri', 'not a uri'],
    // unparsable input still hides user:pass@
    ['user:pass@host', 'user:***@host'],
    ['//user:pass@host', '***@host'],
    ['amqp:/user:pass@host', '***@host'], // no '://': hides everything up to the last '@'
    ['amqp://user:pass@host:99999999/%zz', 'amqp://user:***@host:99999999/%zz'],
    // a scheme Burrow does not use may be a user name: "app:" + a password starting with "//"
    ['weird://user:pass@', 'weird:***@'],
    ['app://\t\t[@rabbit.example', 'app:***@rabbit.example'],
  ];
  for (const [input, expected] of cases) {
    test(JSON.stringify(input), () => assert.equal(redactUri(input), expected));
  }
});

describe('deriveManagementUrl', () => {
  const p = (extra: Partial<ConnectionProfile>): ConnectionProfile => ({
    id: 'i',
    name: 'n',
    host: 'rabbit',
    port: 5672,
    vhost: '/',
    username: 'guest',
    tls: false,
    ...extra,
  });
  test('follows the AMQP port: 5672 -> http :15672, 5671 with TLS -> https :15671', () => {
    assert.equal(deriveManagementUrl(p({})), 'http://rabbit:15672');
    assert.equal(deriveManagementUrl(p({ tls: true, port: 5671 })), 'https://rabbit:15671');
    assert.equal(deriveManagementUrl(p({ host: '::1' })), 'http://[::1]:15672');
    assert.equal(deriveManagementUrl(p({ host: '2001:db8::1', tls: true, port: 5671 })), 'https://[2001:db8::1]:15671');
  });
  test('explicit managementUrl wins, trailing slashes removed', () => {
    assert.equal(deriveManagementUrl(p({ managementUrl: 'http://m:8080/' })), 'http://m:8080');
    assert.equal(deriveManagementUrl(p({ managementUrl: 'https://m/rabbit///' })), 'https://m/rabbit');
    assert.equal(deriveManagementUrl(p({ managementUrl: ' http://m:15672 ' })), 'http://m:15672');
    assert.equal(deriveManagementUrl(p({ managementUrl: '' })), 'http://rabbit:15672');
    assert.equal(deriveManagementUrl(p({ managementUrl: '   ' })), 'http://rabbit:15672');
    assert.equal(deriveManagementUrl(p({ port: 5673, managementUrl: 'http://rabbit:15673/' })), 'http://rabbit:15673');
  });
  test('a non-standard AMQP port never falls back to :15672 (that can be another broker): explicit error', () => {
    // Issue 10: a profile on 127.0.0.1:5673 got http://127.0.0.1:15672, the 3.10.8 broker next to the 4.0.5 one.
    assert.throws(
      () => deriveManagementUrl(p({ host: '127.0.0.1', port: 5673 })),
      (err: unknown) =>
        err instanceof ManagementUrlMissingError &&
        err.message ===
          'Set the management URL for this connection: AMQP port 5673 is not a standard port, so Burrow does not guess where the management API is (e.g. http://127.0.0.1:15673)',
    );
    assert.throws(
      () => deriveManagementUrl(p({ port: 5674, tls: true })),
      /AMQP port 5674 is not a standard port.*e\.g\. https:\/\/rabbit:15674/,
    );
    assert.throws(() => deriveManagementUrl(p({ port: 60000 })), /e\.g\. http:\/\/rabbit:15672\)/); // no port above 65535 as an example
    // TLS flag not matching the conventional port: no convention to follow either.
    assert.throws(
      () => deriveManagementUrl(p({ port: 5672, tls: true })),
      /AMQP port 5672 with TLS on is not a standard pair/,
    );
    assert.throws(
      () => deriveManagementUrl(p({ port: 5671, tls: false })),
      /AMQP port 5671 with TLS off is not a standard pair/,
    );
  });
  test('resolveManagementUrl says whether the URL is explicit or the default, or what is missing', () => {
    assert.deepEqual(resolveManagementUrl(p({})), { url: 'http://rabbit:15672', derived: true });
    assert.deepEqual(resolveManagementUrl(p({ managementUrl: 'http://x:1/' })), { url: 'http://x:1', derived: false });
    const r = resolveManagementUrl(p({ port: 5673 }));
    assert.equal(r.url, undefined);
    assert.ok(r.problem instanceof ManagementUrlMissingError);
    assert.equal(r.problem.port, 5673);
  });
});

describe('management URL field of the connection forms', () => {
  const draft = (extra: Partial<ConnectionProfile>) => ({ host: 'h', port: 5672, tls: false, ...extra });
  test('standard ports: prefilled with the default, not required', () => {
    assert.deepEqual(managementUrlField(draft({})), {
      value: 'http://h:15672',
      prompt:
        'Management API URL (the default goes with AMQP port 5672; change it if the management plugin listens elsewhere)',
      required: false,
    });
    assert.equal(managementUrlField(draft({ port: 5671, tls: true })).value, 'https://h:15671');
    assert.equal(managementUrlField(draft({ managementUrl: 'http://m:9' })).value, 'http://m:9');
  });
  test('any other port: empty, required, with a prompt naming the port and an example', () => {
    assert.deepEqual(managementUrlField(draft({ port: 5673 })), {
      value: '',
      prompt: 'AMQP port 5673 is not a standard port: enter the management URL, e.g. http://h:15673',
      required: true,
      example: 'http://h:15673',
    });
    assert.equal(
      managementUrlField(draft({ port: 5674, tls: true })).prompt,
      'AMQP port 5674 is not a standard port: enter the management URL, e.g. https://h:15674',
    );
    assert.equal(
      managementUrlPrompt(draft({ host: '::1', port: 5673 })),
      'AMQP port 5673 is not a standard port: enter the management URL, e.g. http://[::1]:15673',
    );
    assert.equal(defaultManagementUrl(draft({ port: 5673 })), undefined);
  });
  test('input check: empty only when a default exists; http(s) only; no password in the URL', () => {
    assert.equal(checkManagementUrlInput('', false), undefined);
    assert.match(checkManagementUrlInput('  ', true) ?? '', /^Required/);
    assert.equal(checkManagementUrlInput('http://h:15673', true), undefined);
    assert.match(checkManagementUrlInput('ftp://h', false) ?? '', /http:\/\/ or https:\/\//);
    assert.match(checkManagementUrlInput('http://u:secret@h', false) ?? '', /password/);
    assert.match(checkManagementUrlInput('not a url', false) ?? '', /Not a valid URL/);
  });
  test('what is stored: nothing for the default (it follows later host/port edits), else the URL', () => {
    assert.equal(managementUrlToStore(draft({}), 'http://h:15672/'), undefined);
    assert.equal(managementUrlToStore(draft({}), ''), undefined);
    assert.equal(managementUrlToStore(draft({}), ' http://other:15672 '), 'http://other:15672');
    assert.equal(managementUrlToStore(draft({ port: 5673 }), 'http://h:15673'), 'http://h:15673');
    assert.equal(managementUrlToStore(draft({ port: 5673 }), 'http://h:15672'), 'http://h:15672'); // the user's explicit choice
  });
  test('"Add from URI" with a non-standard port has no default management URL', () => {
    const { profile } = parseAmqpUri('amqp://guest:guest@127.0.0.1:5673/');
    assert.equal(profile.managementUrl, undefined);
    assert.ok(resolveManagementUrl(profile).problem, 'must be asked for, never guessed as :15672');
    assert.equal(managementUrlField(profile).value, '');
    assert.equal(resolveManagementUrl(parseAmqpUri('amqps://h/').profile).url, 'https://h:15671');
    assert.equal(resolveManagementUrl(parseAmqpUri('amqp://h').profile).url, 'http://h:15672');
  });
});

describe('profileLabel', () => {
  const base = { host: 'localhost', port: 5672, vhost: '/', username: 'guest' };
  test('formats', () => {
    assert.equal(profileLabel(base), 'guest@localhost:5672/');
    assert.equal(profileLabel({ ...base, vhost: 'prod' }), 'guest@localhost:5672/prod');
    assert.equal(
      profileLabel({ ...base, vhost: '' }),
      'guest@localhost:5672/',
      'an empty vhost is the default vhost, never /""',
    );
    assert.equal(profileLabel({ ...base, host: '::1', port: 5671, username: 'app' }), 'app@[::1]:5671/');
  });
  test('never contains a password, even for a full profile object with extra fields', () => {
    const withSecret = { ...base, id: 'x', name: 'x', tls: false, password: 'hunter2' } as ConnectionProfile;
    assert.doesNotMatch(profileLabel(withSecret), /hunter2/);
  });
});

describe('the vhost of a URI: an empty path is the default vhost "/", never a vhost named ""', () => {
  // [uri, vhost, what the connection row shows]
  const cases: Array<[string, string, string]> = [
    ['amqp://h', '/', 'guest@h:5672/'],
    ['amqp://h/', '/', 'guest@h:5672/'],
    ['amqp://h:5673/', '/', 'guest@h:5673/'],
    ['amqp://guest:guest@h:5673/', '/', 'guest@h:5673/'],
    ['amqp://h/%2F', '/', 'guest@h:5672/'],
    ['amqp://h/vh', 'vh', 'guest@h:5672/vh'],
    ['amqp://h//', '/', 'guest@h:5672/'],
  ];
  for (const [uri, vhost, label] of cases) {
    test(`${uri} -> vhost ${JSON.stringify(vhost)}, shown as ${label}`, () => {
      const { profile } = parseAmqpUri(uri);
      assert.equal(profile.vhost, vhost);
      assert.equal(profileLabel(profile), label);
      assert.doesNotMatch(profileLabel(profile), /""/);
      // Written back, it parses to the same vhost.
      assert.equal(parseAmqpUri(formatAmqpUri(profile)).profile.vhost, vhost);
    });
  }
  test('vhostOrDefault', () => {
    assert.equal(DEFAULT_VHOST, '/');
    assert.equal(vhostOrDefault(''), '/');
    assert.equal(vhostOrDefault(undefined), '/');
    assert.equal(vhostOrDefault('/'), '/');
    assert.equal(vhostOrDefault(' '), ' ', 'only the empty string is the default; other names are kept as typed');
    assert.equal(vhostOrDefault('orders'), 'orders');
  });
  test('redactUri keeps the empty path as it was written (it only hides the password)', () => {
    assert.equal(redactUri('amqp://u:secret@h:5673/'), 'amqp://u:***@h:5673/');
  });
});
