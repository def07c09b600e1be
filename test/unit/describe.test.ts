import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { causeIfClean, httpError, isTlsErrorCode, toBrokerError, redactSecrets } from '../../src/broker/describe';
import { BrokerError } from '../../src/broker/errors';

/** Shaped like amqplib 2.3.1's errors (plain Error + numeric `code`). */
function amqpError(message: string, code?: number | string, extra: Record<string, unknown> = {}): Error {
  const e = new Error(message) as Error & Record<string, unknown>;
  if (code !== undefined) e.code = code;
  Object.assign(e, extra);
  return e;
}

const ctx = { host: 'rabbit.example', port: 5672, username: 'guest', vhost: 'v1', secrets: ['s3cr3t-pw'] };

describe('toBrokerError: AMQP server closes', () => {
  test('channel close from an RPC (checkQueue on a missing queue)', () => {
    const err = amqpError(
      `Operation failed: QueueDeclare; 404 (NOT-FOUND) with message "NOT_FOUND - no queue 'q' in vhost '/'"`,
      404,
    );
    const b = toBrokerError(err);
    assert.ok(b instanceof BrokerError);
    assert.equal(b.source, 'amqp');
    assert.equal(b.code, 404);
    assert.equal(b.replyText, "NOT_FOUND - no queue 'q' in vhost '/'");
    assert.match(b.message, /NOT_FOUND - no queue 'q'/);
    assert.match(b.message, /404/);
  });

  test("channel 'error' event text, with quotes inside the reply text", () => {
    const text =
      "PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'q' in vhost '/': received 'true' but current is 'false'";
    const err = amqpError(`Channel closed by server: 406 (PRECONDITION-FAILED) with message "${text}"`, 406);
    const b = toBrokerError(err, { what: "Declare queue 'q'" });
    assert.equal(b.source, 'amqp');
    assert.equal(b.code, 406);
    assert.equal(b.replyText, text);
    assert.match(b.message, /^Declare queue 'q' failed: PRECONDITION_FAILED/);
  });

  test('channel 403 stays an amqp error', () => {
    const err = amqpError(
      `Operation failed: QueueDeclare; 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - access to queue 'q' in vhost '/' refused for user 'bob'"`,
      403,
    );
    const b = toBrokerError(err);
    assert.equal(b.source, 'amqp');
    assert.equal(b.code, 403);
  });

  test('connection forced closed by an admin', () => {
    const err = amqpError(
      'Connection closed: 320 (CONNECTION-FORCED) with message "CONNECTION_FORCED - Closed via management plugin"',
      320,
    );
    const b = toBrokerError(err, ctx);
    assert.equal(b.source, 'amqp');
    assert.equal(b.code, 320);
    assert.equal(b.replyText, 'CONNECTION_FORCED - Closed via management plugin');
    assert.match(b.message, /rabbit\.example:5672/);
  });
});

describe('toBrokerError: handshake', () => {
  test('wrong password -> auth 403 with a clear message', () => {
    const err = amqpError(
      'Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile."',
    );
    const b = toBrokerError(err, ctx);
    assert.equal(b.source, 'auth');
    assert.equal(b.code, 403);
    assert.equal(
      b.message,
      "AMQP login refused for user 'guest': ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN",
    );
    assert.match(b.replyText ?? '', /^ACCESS_REFUSED/);
  });

  test('unknown vhost -> 530 with the vhost named', () => {
    const b = toBrokerError(amqpError('Expected ConnectionOpenOk; got <ConnectionClose channel:0>'), ctx);
    assert.equal(b.code, 530);
    assert.equal(b.source, 'auth');
    assert.match(b.message, /vhost 'v1'/);
    assert.match(b.message, /NOT_ALLOWED/);
  });
});

describe('toBrokerError: network and TLS', () => {
  for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH']) {
    test(code, () => {
      const b = toBrokerError(amqpError(`connect ${code} 10.0.0.1:5672`, code, { syscall: 'connect' }), ctx);
      assert.equal(b.source, 'network');
      assert.equal(b.code, code);
      assert.match(b.message, /rabbit\.example:5672/);
      assert.ok(b.message.includes(code));
    });
  }

  test("amqplib's own 'connect ETIMEDOUT' (no code)", () => {
    const b = toBrokerError(new Error('connect ETIMEDOUT'), ctx);
    assert.equal(b.source, 'network');
    assert.equal(b.code, 'ETIMEDOUT');
  });

  test('heartbeat timeout and unexpected close', () => {
    assert.equal(toBrokerError(new Error('Heartbeat timeout'), ctx).code, 'HEARTBEAT_TIMEOUT');
    assert.equal(toBrokerError(new Error('Unexpected close'), ctx).source, 'network');
  });

  for (const code of [
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'CERT_HAS_EXPIRED',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'ERR_SSL_WRONG_VERSION_NUMBER',
    'EPROTO',
  ]) {
    test(`TLS ${code}`, () => {
      const b = toBrokerError(amqpError('some openssl text', code), ctx);
      assert.equal(b.source, 'tls');
      assert.equal(b.code, code);
      assert.match(b.message, /rabbit\.example:5672/);
    });
  }

  test('self-signed hint', () => {
    const b = toBrokerError(amqpError('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'), ctx);
    assert.match(b.message, /CA file/);
    assert.match(b.message, /self-signed/);
  });
});

describe('secrets', () => {
  test('redactSecrets strips passwords and user:pass@ URIs', () => {
    assert.equal(redactSecrets('amqp://bob:hunter22@host:5672/v', []), 'amqp://bob:***@host:5672/v');
    assert.equal(redactSecrets('login hunter22 failed', ['hunter22']), 'login *** failed');
    assert.equal(redactSecrets('password=hunter22&x=1', []), 'password=***&x=1');
    assert.equal(redactSecrets('p%40ss!word here', ['p@ss!word']), '*** here');
  });

  test('toBrokerError never leaks a secret or URI credentials', () => {
    const b = toBrokerError(new Error('failed for amqp://guest:s3cr3t-pw@rabbit.example/ with s3cr3t-pw'), ctx);
    assert.ok(!b.message.includes('s3cr3t-pw'));
    assert.equal(b.cause, undefined, 'a cause that needed redaction is dropped');
  });

  test('BrokerError passes through, non-errors are handled', () => {
    const original = new BrokerError('x', 'management', 401);
    assert.equal(toBrokerError(original), original);
    assert.equal(toBrokerError('plain string').message, 'plain string');
    assert.equal(toBrokerError(undefined).source, 'amqp');
  });

  test('IllegalOperationError (channel closed)', () => {
    const e = new Error('Channel closed');
    e.name = 'IllegalOperationError';
    const b = toBrokerError(e);
    assert.equal(b.code, 'CHANNEL_CLOSED');
  });
});

describe('the management API side (same translator)', () => {
  const PW = 'Hunter2-mgmt!';
  const BASIC = Buffer.from(`guest:${PW}`).toString('base64');
  const mctx = { service: 'management' as const, host: '127.0.0.1', port: 15672, secrets: [PW, BASIC] };

  test('connection refused names the management API and the plugin', () => {
    const b = toBrokerError(amqpError('connect ECONNREFUSED 127.0.0.1:15672', 'ECONNREFUSED'), mctx);
    assert.equal(b.source, 'network');
    assert.equal(b.code, 'ECONNREFUSED');
    assert.equal(
      b.message,
      'Cannot reach the management API at 127.0.0.1:15672: connection refused (is the management plugin enabled, and is this its port?) (ECONNREFUSED)',
    );
  });

  test("happy eyeballs' AggregateError is explained by its first error", () => {
    const agg = Object.assign(
      new AggregateError(
        [
          amqpError('connect ECONNREFUSED ::1:15672', 'ECONNREFUSED'),
          amqpError('connect ECONNREFUSED 127.0.0.1:15672', 'ECONNREFUSED'),
        ],
        '',
      ),
      {},
    );
    const b = toBrokerError(agg, mctx);
    assert.equal(b.code, 'ECONNREFUSED');
    assert.equal(b.source, 'network');
  });

  test('https against a plain http port: tls, with the hint', () => {
    const e = amqpError(
      'write EPROTO 80ACE925467F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/ssl/record/ssl3_record.c:350:\n',
      'EPROTO',
    );
    const b = toBrokerError(e, mctx);
    assert.equal(b.source, 'tls');
    assert.match(
      b.message,
      /^TLS error connecting to the management API at 127\.0\.0\.1:15672: .*plain http port\? \(EPROTO\)$/,
    );
    // The AMQP side gets its own hint for the same failure.
    assert.match(toBrokerError(e, ctx).message, /expects plain AMQP/);
  });

  test('a certificate code says what to do, on both sides, with the code in parentheses', () => {
    for (const c of [mctx, ctx]) {
      const b = toBrokerError(amqpError('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'), c);
      assert.equal(b.source, 'tls');
      assert.match(b.message, /certificate is self-signed; set a CA file for this connection/);
      assert.match(b.message, /\(DEPTH_ZERO_SELF_SIGNED_CERT\)$/);
      assert.equal(b.replyText, 'self-signed certificate');
    }
  });

  test('an unknown node:http failure is a network error, not an AMQP one', () => {
    const b = toBrokerError(new Error('socket hang up'), mctx);
    assert.equal(b.source, 'network');
    assert.match(b.message, /management API at 127\.0\.0\.1:15672: socket hang up/);
  });

  test('HTTP statuses: 401 is auth, others name the request, the status and the reason', () => {
    const a = httpError(
      { status: 401, body: '{"error":"not_authorised","reason":"Login failed"}', request: 'GET /overview' },
      mctx,
    );
    assert.equal(a.source, 'auth');
    assert.equal(a.message, 'Management API login failed (401 Unauthorized): Login failed');
    const n = httpError(
      {
        status: 404,
        statusMessage: 'Not Found',
        body: '{"error":"Object Not Found","reason":"Not Found"}',
        request: 'GET /queues/%2F/x',
      },
      mctx,
    );
    assert.equal(n.source, 'management');
    assert.equal(n.code, 404);
    assert.equal(n.replyText, 'Not Found');
    assert.equal(n.message, 'Management API GET /queues/%2F/x failed (404 Not Found): Not Found');
    const html = httpError({ status: 502, body: '<html>Bad gateway</html>', request: 'GET /overview' }, mctx);
    assert.match(html.message, /\(502 Bad Gateway\): <html>Bad gateway<\/html>/);
    const notJson = httpError({ status: 200, body: 'AMQP\u0000\u0000\t\u0001', request: 'GET /overview' }, mctx);
    assert.match(notJson.message, /non-JSON response \(200\); is 127\.0\.0\.1:15672 really the management port\?/);
  });

  test('isTlsErrorCode', () => {
    assert.ok(isTlsErrorCode('DEPTH_ZERO_SELF_SIGNED_CERT'));
    assert.ok(isTlsErrorCode('ERR_TLS_CERT_ALTNAME_INVALID'));
    assert.ok(isTlsErrorCode('ERR_SSL_WRONG_VERSION_NUMBER'));
    assert.ok(!isTlsErrorCode('ECONNREFUSED'));
    assert.ok(!isTlsErrorCode(undefined));
  });
});

describe('hostile inputs: no password and no Authorization header in any message, reply text or cause', () => {
  const PW = 'p@ss/w:rd-Zq7';
  const BASIC = Buffer.from(`admin:${PW}`).toString('base64');
  const secrets = [PW, BASIC];
  const leaks = (b: BrokerError) => {
    const everything = `${b.message}\n${b.replyText ?? ''}\n${b.stack ?? ''}\n${inspect(b, { depth: Infinity, showHidden: true })}`;
    return [PW, encodeURIComponent(PW), BASIC].filter((s) => everything.includes(s));
  };

  test('a password in a URL inside a message (unencoded "@", ":" and "/" too), with and without the secret list', () => {
    for (const text of [
      `connect ECONNREFUSED while opening amqp://admin:${PW}@rabbit.example:5672/v`,
      `connect ECONNREFUSED while opening https://admin:${encodeURIComponent(PW)}@rabbit.example:15671/api`,
    ]) {
      const b = toBrokerError(amqpError(text, 'ECONNREFUSED'), { host: 'rabbit.example', port: 5672, secrets });
      assert.deepEqual(leaks(b), [], b.message);
      const plain = toBrokerError(new Error(text.replace(`:${PW}@`, ':hunter22@')), {});
      assert.ok(!plain.message.includes('hunter22'), plain.message);
    }
  });

  test("a password in cause.input (Node's ERR_INVALID_URL keeps the URL as typed): the cause is dropped", () => {
    let urlError: unknown;
    try {
      new URL(`http://admin:${encodeURIComponent(PW)}@[not-a-host/api`);
    } catch (e) {
      urlError = e;
    }
    assert.ok(
      urlError instanceof TypeError && (urlError as { input?: string }).input?.includes(encodeURIComponent(PW)),
      'Node puts the URL in input',
    );
    assert.deepEqual(causeIfClean(urlError, secrets), {});
    assert.deepEqual(causeIfClean(urlError, []), {}, 'the user:pass@ form is found without the secret list');
    const wrapped = new Error('request failed', { cause: urlError });
    const b = toBrokerError(wrapped, { secrets });
    assert.equal(b.cause, undefined);
    assert.deepEqual(leaks(b), []);
    const clean = new Error('connect ECONNREFUSED 127.0.0.1:1');
    assert.equal(causeIfClean(clean, secrets).cause, clean, 'a clean error is kept as the cause');
    let deep: Error = new Error('innermost');
    for (let i = 0; i < 8; i++) deep = new Error(`level ${i}`, { cause: deep });
    assert.deepEqual(causeIfClean(deep, secrets), {}, 'too deep to check: not attached');
    const wide = Object.assign(
      new Error('wide'),
      Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`f${i}`, i])),
    );
    assert.deepEqual(causeIfClean(wide, secrets), {}, 'too wide to check: not attached');
  });

  test('an Authorization header echoed in a message or an HTTP error body', () => {
    const echoed = `400 Bad Request\r\nAuthorization: Basic ${BASIC}\r\nHost: x`;
    const h = httpError(
      { status: 400, body: echoed, request: 'GET /overview' },
      { service: 'management', host: 'x', port: 80, secrets },
    );
    assert.deepEqual(leaks(h), [], h.message);
    assert.match(h.message, /Authorization: \*\*\*/);
    const j = httpError(
      {
        status: 500,
        body: JSON.stringify({ error: 'x', reason: `password=${PW} header "authorization":"Basic ${BASIC}"` }),
        request: 'PUT /users/u',
      },
      {},
    );
    assert.deepEqual(leaks(j), [], j.message);
    assert.deepEqual(
      leaks(
        httpError(
          { status: 401, body: JSON.stringify({ reason: `bad login ${PW}` }), request: 'GET /whoami' },
          { secrets },
        ),
      ),
      [],
    );
    // Without the secret list the header value is still recognised.
    assert.equal(redactSecrets(`authorization: Basic ${BASIC}`), 'authorization: ***');
    assert.equal(redactSecrets(`sent Basic ${BASIC} to the proxy`), 'sent Basic *** to the proxy');
    assert.equal(redactSecrets('Bearer eyJhbGciOi.abc-def_g'), 'Bearer ***');
    const b = toBrokerError(new Error(`proxy said: Authorization: Basic ${BASIC}`), {});
    assert.deepEqual(leaks(b), [], b.message);
  });

  test('a password in a TLS error and in an AMQP close text', () => {
    const tls = toBrokerError(amqpError(`certificate for amqps://admin:${PW}@h rejected`, 'CERT_HAS_EXPIRED'), {
      secrets,
    });
    assert.deepEqual(leaks(tls), [], tls.message);
    const close = toBrokerError(
      amqpError(`Connection closed: 320 (CONNECTION-FORCED) with message "CONNECTION_FORCED - ${PW}"`, 320),
      { secrets },
    );
    assert.deepEqual(leaks(close), [], close.message);
  });
});
