/**
 * `.amqp` request files: the shapes shared by the parser (parse.ts), the variable resolver
 * (variables.ts), the pure diagnostics (diagnostics.ts), the code generators (../codegen/) and the
 * VS Code layer (src/requestFiles/). No `vscode` import: positions are 0-based line/character
 * pairs, as VS Code's, so the editor layer maps them one to one.
 *
 * The format (README, "Request files"):
 *
 *   # comments start with # or //
 *   @host = orders            file variable; {{host}} anywhere below (and in bodies)
 *   @connection = localhost   file default connection (a Burrow connection name)
 *   @vhost = /                file default vhost
 *
 *   ### Critical kernel log         (### starts a request; the rest of the line names it)
 *   PUBLISH topic_logs kern.critical
 *   content-type: application/json
 *   delivery-mode: 2
 *   header x-retries:int32 = 3      typed header, the `name:type=value` syntax of binding arguments
 *   header trace = {{$uuid}}
 *   repeat: 10
 *
 *   {"msg": "disk full", "n": {{$i}}}
 *
 *   ### Fibonacci
 *   CALL "" rpc_queue
 *   timeout: 5s
 *
 *   10
 *
 *   ### What is waiting
 *   PEEK task_queue 10
 *
 *   ### Where does it go
 *   ROUTE topic_logs kern.info
 */
import type { PublishDraft } from '../../protocol/publish';
import type { RpcDraft } from '../../protocol/rpc';
import type { FieldTable } from '../fieldTypes';

/** 0-based, as VS Code's Position. */
export interface Pos {
  line: number;
  character: number;
}

export interface Span {
  start: Pos;
  end: Pos;
}

/** A piece of source text and where it is (before variables are filled in). */
export interface Located<T = string> {
  value: T;
  span: Span;
}

export type RequestKind = 'publish' | 'call' | 'peek' | 'route';

/** `@name = value` at the top level of the file. `connection` and `vhost` are also the file defaults. */
export interface FileVariable {
  name: Located;
  value: Located;
}

/** A `name: value` line after the request line (a property, an option, or `header …`). */
export interface FieldLine {
  /** Lower-cased name as written: `content-type`, `repeat`, `header`… */
  name: Located;
  value: Located;
  span: Span;
}

/** A `header name[:type] = value` line; the value keeps `{{…}}` until it is resolved. */
export interface HeaderLine {
  name: Located;
  /** The AMQP type named after the colon (src/core/fieldTypes.ts FIELD_TYPES), if any. */
  type?: Located;
  value: Located;
  span: Span;
}

export type BodySource =
  | { kind: 'none' }
  /** Inline text after the blank line, up to the next `###` (trailing blank lines dropped). */
  | { kind: 'inline'; text: Located }
  /** `< ./path`: a file's bytes, the path relative to the request file. */
  | { kind: 'file'; path: Located };

export interface ParsedRequest {
  kind: RequestKind;
  /** The text after `###`, or `request N` (1-based) when there is none. */
  name: string;
  /** The whole block, `###` line included (folding, CodeLens range). */
  span: Span;
  /** The `PUBLISH …` / `CALL …` / `PEEK …` / `ROUTE …` line. */
  requestLine: Span;
  /**
   * PUBLISH, CALL, ROUTE: the exchange (`""` or `(default)` is the default exchange);
   * PEEK: the queue.
   */
  target: Located;
  /** PUBLISH, CALL, ROUTE: the routing key (may be empty); PEEK: unused. */
  routingKey?: Located;
  /** PEEK: how many messages (default 10). */
  count?: Located;
  fields: FieldLine[];
  headers: HeaderLine[];
  body: BodySource;
}

export type Severity = 'error' | 'warning' | 'information';

export interface RequestProblem {
  span: Span;
  severity: Severity;
  message: string;
  /** Stable code for tests and quick fixes: 'syntax', 'json', 'header-type', 'unknown-variable', … */
  code: string;
}

export interface ParsedFile {
  variables: FileVariable[];
  requests: ParsedRequest[];
  /** Syntax problems found while parsing (unknown field names, bad request lines…). */
  problems: RequestProblem[];
}

/** What resolving needs besides the file: the environment and the defaults of the editor. */
export interface ResolveContext {
  /** Environment variables for `{{$env NAME}}` / `{{$processEnv NAME}}` (process.env in the extension). */
  env: Readonly<Record<string, string | undefined>>;
  /** Used when neither the file (`@connection`, `@vhost`) nor the request (`connection:`, `vhost:`) says. */
  defaultConnection?: string;
  defaultVhost?: string;
  /** Missing environment variables are not problems (editor diagnostics without an environment). */
  lenientEnv?: boolean;
  /** CALL without `timeout:` (burrow.rpc.timeoutMs); default 5000. */
  defaultTimeoutMs?: number;
  /** PUBLISH without delivery-mode/persistent (the publish form's default); default 2. */
  defaultDeliveryMode?: 1 | 2;
}

interface ResolvedBase {
  request: ParsedRequest;
  /** A Burrow connection name; undefined: the runner asks (or uses the only one). */
  connection?: string;
  vhost: string;
}

/**
 * A request with its file variables (`{{name}}`) and `{{$env …}}` filled in. Per-message dynamic
 * values (`{{$uuid}}`, `{{$i}}`, `{{$randomInt 1 100}}`, `{{$timestamp}}`…) stay in the draft: the
 * runner expands them per message with src/core/templateVars.ts (as "Publish N times" does).
 */
export type ResolvedRequest =
  | (ResolvedBase & {
      kind: 'publish';
      /** PublishDraft; a `< file` body is left to the runner. */
      draft: PublishDraft;
      /** `< ./file`: the path as written, relative to the request file. */
      bodyFile?: string;
      repeat: number;
    })
  | (ResolvedBase & {
      kind: 'call';
      draft: RpcDraft;
      bodyFile?: string;
      repeat: number;
    })
  | (ResolvedBase & { kind: 'peek'; queue: string; count: number })
  | (ResolvedBase & {
      kind: 'route';
      exchange: string;
      routingKey: string;
      headers: FieldTable;
    });

export type ResolveResult =
  /** warnings: problems that do not stop the request (a body a PEEK ignores…). */
  { ok: true; value: ResolvedRequest; warnings?: RequestProblem[] } | { ok: false; problems: RequestProblem[] };
