/**
 * The live problems of one `.amqp` request (no vscode: tested against real brokers in
 * test/integration/request-live-problems.test.ts). diagnostics.ts shows them.
 */
import type { LiveRequest } from '../../core/requestFile/cursor';
import {
  missingTargetProblem,
  routeProblems,
  routingHeaders,
  unknownConnectionProblem,
} from '../../core/requestFile/liveProblems';
import type { RequestProblem } from '../../core/requestFile/types';
import type { LiveTopology } from './live';

/** The problems of one request that need the broker; none when its session is not open. */
export async function liveProblems(req: LiveRequest, live: LiveTopology): Promise<RequestProblem[]> {
  const c = live.connection(req.connection?.value);
  if (!c.ok) return c.unknown !== undefined ? [unknownConnectionProblem(c.unknown, c.known, req.connection!.span)] : [];
  const s = await live.openSession(c.profile);
  if (!s || !req.target || req.target.unresolved) return [];
  const target = req.target;
  if (req.kind === 'peek') {
    const q = await live.queue(s, req.vhost, target.value);
    return q ? [] : [missingTargetProblem('queue', target.value, req.vhost, c.profile.name, target.span)];
  }
  const lazy = live.routing(s, req.vhost);
  // A ROUTE request is answered by the tester when run; a key with per-message values is not known yet.
  const checkKey = req.kind !== 'route' && !req.routingKey?.unresolved;
  const key = checkKey ? (req.routingKey?.value ?? '') : '';
  const answer = await lazy.route(target.value, key, checkKey ? routingHeaders(req.headers) : {});
  if (answer.result.errors.some((e) => e.startsWith('404')))
    return [missingTargetProblem('exchange', target.value, req.vhost, c.profile.name, target.span)];
  const problems = routeProblems(
    answer.result,
    target.value,
    key,
    req.routingKey?.span ?? req.requestLine,
    target.span,
  );
  return checkKey ? problems : problems.filter((p) => p.severity === 'error');
}
