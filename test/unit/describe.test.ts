import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { toBrokerError, redactSecrets } from '../../src/broker/describe';
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
    const err = amqpError(`Operation failed: QueueDeclare; 404 (NOT-FOUND) with message "NOT_FOUND - no queue 'q' in vhost '/'"`, 404);
    const b = toBrokerError(err);
    assert.ok(b instanceof BrokerError);
    assert.equal(b.source, 'amqp');
    assert.equal(b.code, 404);
    assert.equal(b.replyText, "NOT_FOUND - no queue 'q' in vhost '/'");
    assert.match(b.message, /NOT_FOUND - no queue 'q'/);
    assert.match(b.message, /404/);
  });

  test("channel 'error' event text, with quotes inside the reply text", () => {
    const text = "PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'q' in vhost '/': received 'true' but current is 'false'";
    const err = amqpError(`Channel closed by server: 406 (PRECONDITION-FAILED) with message "${text}"`, 406);
    const b = toBrokerError(err, { what: "Declare queue 'q'" });
    assert.equal(b.source, 'amqp');
    assert.equal(b.code, 406);
    assert.equal(b.replyText, text);
    assert.match(b.message, /^Declare queue 'q' failed: PRECONDITION_FAILED/);
  });

  test('channel 403 stays an amqp error', () => {
    const err = amqpError(`Operation failed: QueueDeclare; 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - access to queue 'q' in vhost '/' refused for user 'bob'"`, 403);
    const b = toBrokerError(err);
    assert.equal(b.source, 'amqp');
    assert.equal(b.code, 403);
  });

  test('connection forced closed by an admin', () => {
    const err = amqpError('Connection closed: 320 (CONNECTION-FORCED) with message "CONNECTION_FORCED - Closed via management plugin"', 320);
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
    assert.equal(b.message, "AMQP login refused for user 'guest': ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN");
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
