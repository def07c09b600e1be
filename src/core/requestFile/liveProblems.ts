/**
 * Diagnostics of a `.amqp` request that need the live broker, as pure functions: the editor layer
 * (src/requestFiles/language/diagnostics.ts) reads the topology and hands the answers in here.
 *
 * - the connection a request names is not a Burrow connection;
 * - the exchange (PUBLISH, CALL, ROUTE) or queue (PEEK) does not exist (404 from the management API);
 * - PUBLISH/CALL: the live routing tester (LazyTopology) says the routing key reaches no queue
 *   (a warning: a mandatory publish comes back, a plain one is dropped); its uncertain answers
 *   (queues that may or may not receive it, and why) are information.
 */
import type { HeaderRow } from '../../protocol/publish';
import { parseRowValue } from '../headerRows';
import type { RouteResult } from '../routing';
import type { RequestProblem, Span } from './types';

const quote = (s: string) => `'${s}'`;
const exchangeName = (s: string) => (s === '' ? 'the default exchange' : `exchange ${quote(s)}`);

/** The request names a connection that is not in Burrow's list. */
export function unknownConnectionProblem(name: string, known: readonly string[], span: Span): RequestProblem {
  const list = known.length ? known.map(quote).join(', ') : 'none: add one in the Burrow view';
  return {
    span,
    severity: 'error',
    code: 'unknown-connection',
    message: `unknown connection ${quote(name)} (known: ${list})`,
  };
}

/** The exchange or queue the request names is not on the broker (the management API answered 404). */
export function missingTargetProblem(
  kind: 'exchange' | 'queue',
  name: string,
  vhost: string,
  connection: string,
  span: Span,
): RequestProblem {
  return {
    span,
    severity: 'error',
    code: kind === 'exchange' ? 'unknown-exchange' : 'unknown-queue',
    message: `no ${kind} ${quote(name)} in vhost ${quote(vhost)} on ${quote(connection)}`,
  };
}

/**
 * What the live routing tester's answer means for a PUBLISH or CALL: `keySpan` is where the routing
 * key is (the request line when there is none), `targetSpan` where the exchange is.
 */
export function routeProblems(
  result: RouteResult,
  exchange: string,
  routingKey: string,
  keySpan: Span,
  targetSpan: Span = keySpan,
): RequestProblem[] {
  const out: RequestProblem[] = [];
  // Refused by the broker (unknown or internal exchange, bad CC/BCC): nothing was routed at all.
  for (const e of result.errors) out.push({ span: targetSpan, severity: 'error', code: 'route-error', message: e });
  if (result.errors.length) return out;
  for (const w of result.warnings) out.push({ span: keySpan, severity: 'warning', code: 'route-warning', message: w });
  const from = `from ${exchangeName(exchange)}`;
  const key = `routing key ${quote(routingKey)}`;
  if (result.unroutable) {
    out.push({
      span: keySpan,
      severity: 'warning',
      code: 'unroutable',
      message: `${key} reaches no queue ${from}: a mandatory publish comes back as unroutable, any other is dropped`,
    });
  } else if (result.mayReceive.length > 0) {
    const maybes = result.mayReceive.map((m) => `${quote(m.destination)} (${m.reasons.join('; ') || 'uncertain'})`);
    const head = result.mayBeUnroutable
      ? `${key} may reach no queue ${from}: only these may receive it`
      : `${key} ${from} may also reach`;
    out.push({
      span: keySpan,
      severity: 'information',
      code: 'route-uncertain',
      message: `${head}: ${maybes.join(', ')}`,
    });
  }
  if (result.incomplete) {
    out.push({
      span: keySpan,
      severity: 'information',
      code: 'route-incomplete',
      message: `the message reaches an exchange of a plugin type the routing tester cannot follow: the answer may be incomplete`,
    });
  }
  return out;
}

/**
 * The headers a headers exchange would see, from a request's typed header rows: rows whose value
 * still holds a per-message `{{$…}}` value, or does not fit its type, are left out (the pure
 * diagnostics report the latter).
 */
export function routingHeaders(rows: readonly HeaderRow[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of rows) {
    if (!r.name || /\{\{/.test(r.value)) continue;
    const v = parseRowValue(r.type, r.value, r.name);
    if (v.ok) out[r.name] = v.value;
  }
  return out;
}
