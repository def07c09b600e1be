/**
 * "Copy as code": the CodeRequest (src/core/codegen/types.ts) of a resolved `.amqp` request or of
 * a panel's form, and the CodeTarget of a connection. Pure (no vscode): unit-tested.
 * Per-message variables ({{$uuid}}, {{$i}}…) are filled in as for the first message of a run, so
 * the snippet sends exactly what Burrow's Send would send first.
 */
import type { CodeRequest, CodeTarget } from '../../core/codegen/types';
import type { ConnectionProfile } from '../../core/profile';
import type { ResolvedRequest } from '../../core/requestFile/types';
import type { PublishDraft } from '../../protocol/publish';
import type { RpcDraft } from '../../protocol/rpc';
import { draftToRequest } from '../../core/publishDraft';
import { draftHasTemplateVars, replayableContexts, requestAt, type TemplateContext } from '../../core/templateVars';
import { callRequest, withFileBody } from './execute';

/** Where a snippet connects: the connection's host, port, TLS and user, never its password. */
export function codeTarget(profile: ConnectionProfile, vhost: string): CodeTarget {
  return { host: profile.host, port: profile.port, vhost, tls: profile.tls, username: profile.username };
}

const firstMessage = (seed?: readonly [number, number, number, number]): TemplateContext =>
  replayableContexts(seed ?? [1, 2, 3, 4])(0);

export type CodeRequestResult = { ok: true; request: CodeRequest } | { ok: false; error: string };

/** A publish form's draft (or a request file's publish) as a snippet's publish. */
export function publishCodeRequest(
  draftIn: PublishDraft,
  fileBody?: { name: string; bytes: Uint8Array },
  ctx: TemplateContext = firstMessage(),
): CodeRequestResult {
  const draft = fileBody ? withFileBody(draftIn, fileBody.name, fileBody.bytes) : draftIn;
  const r = draftHasTemplateVars(draft) ? requestAt(draft, ctx) : draftToRequest(draft, ctx.nowMs);
  if (!r.ok) return { ok: false, error: `${r.field}: ${r.error}` };
  return {
    ok: true,
    request: {
      kind: 'publish',
      exchange: r.request.exchange,
      routingKey: r.request.routingKey,
      mandatory: r.request.mandatory,
      properties: r.request.properties,
      body: fileBody ? fileBody.bytes : r.request.body,
    },
  };
}

/** An RPC form's draft (or a request file's call) as a snippet's call. */
export function callCodeRequest(
  draft: RpcDraft,
  fileBody?: Uint8Array,
  ctx: TemplateContext = firstMessage(),
): CodeRequestResult {
  const r = callRequest(draft, ctx, fileBody);
  if (!r.ok) return r;
  return {
    ok: true,
    request: {
      kind: 'call',
      exchange: r.request.exchange,
      routingKey: r.request.routingKey,
      properties: r.properties,
      body: r.request.body,
      timeoutMs: r.request.timeoutMs,
      replyMode: r.request.replyMode,
    },
  };
}

/** How an application would read the queue a peek looks at: a consumer with manual acks. */
export function consumeCodeRequest(queue: string, count = 10): CodeRequest {
  return { kind: 'consume', queue, prefetch: Math.max(1, Math.min(1000, Math.floor(count) || 1)) };
}

/**
 * Any resolved request: publish and call as they are; peek as a consumer of its queue; route as a
 * publish (mandatory, empty body) of its exchange, key and headers: what the tester asked about.
 */
export function codeRequestOf(
  resolved: ResolvedRequest,
  fileBody?: { name: string; bytes: Uint8Array },
  ctx: TemplateContext = firstMessage(),
): CodeRequestResult {
  switch (resolved.kind) {
    case 'publish':
      return publishCodeRequest(resolved.draft, fileBody, ctx);
    case 'call':
      return callCodeRequest(resolved.draft, fileBody?.bytes, ctx);
    case 'peek':
      return { ok: true, request: consumeCodeRequest(resolved.queue, resolved.count) };
    case 'route':
      return {
        ok: true,
        request: {
          kind: 'publish',
          exchange: resolved.exchange,
          routingKey: resolved.routingKey,
          mandatory: true,
          properties: Object.keys(resolved.headers).length ? { headers: resolved.headers } : {},
          body: new Uint8Array(),
        },
      };
  }
}
