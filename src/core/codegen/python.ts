/** Copy as code: Python with pika (BlockingConnection, the client of the RabbitMQ tutorials). */
import type { CodeRequest, CodeTarget } from './types';
import {
  DIRECT_REPLY_TO,
  PASSWORD_ENV,
  USER_ENV,
  type Node,
  bodyBase64,
  bodyText,
  decimalString,
  floatAsDecimal,
  headerEntries,
  linePieces,
  mustEscape,
  sentType,
  setProperties,
} from './common';

/** A Python str literal ('…'), every character safe (controls, separators and quotes escaped). */
export function pyString(s: string): string {
  let out = "'";
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (mustEscape(cp))
      out += cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + "'";
}

const PY_PROPS: Record<string, string> = {
  contentType: 'content_type',
  contentEncoding: 'content_encoding',
  deliveryMode: 'delivery_mode',
  priority: 'priority',
  correlationId: 'correlation_id',
  replyTo: 'reply_to',
  expiration: 'expiration',
  messageId: 'message_id',
  timestamp: 'timestamp',
  type: 'type',
  userId: 'user_id',
  appId: 'app_id',
};

interface Imports {
  base64?: boolean;
  decimal?: boolean;
  datetime?: boolean;
  long?: boolean;
  uuid?: boolean;
  time?: boolean;
  ssl?: boolean;
}

function pyValue(n: Node, imp: Imports, pad: string): string {
  const s = sentType('python-pika', n);
  switch (n.t) {
    case 'string':
      return pyString(n.v);
    case 'bool':
      return n.v ? 'True' : 'False';
    case 'void':
      return 'None';
    case 'bytes':
      imp.base64 = true;
      return `base64.b64decode(${pyString(bodyBase64(n.v))})`;
    case 'int8':
    case 'uint8':
    case 'int16':
    case 'uint16':
    case 'int32':
      return `${n.v}`;
    case 'uint32':
    case 'int64':
      imp.long = true;
      return `long(${n.v})`;
    case 'timestamp':
      if (s.type === 'int64') {
        imp.long = true;
        return `long(${n.v})`;
      }
      imp.datetime = true;
      return `datetime.fromtimestamp(${n.v}, tz=timezone.utc)`;
    case 'float':
    case 'double': {
      const d = floatAsDecimal(n.v);
      if (d) {
        imp.decimal = true;
        return `Decimal(${pyString(decimalString(d.places, d.digits))})`;
      }
      return pyString(String(n.v));
    }
    case 'decimal':
      if (s.type === 'string') return pyString(decimalString(n.places, n.digits));
      imp.decimal = true;
      return `Decimal(${pyString(decimalString(n.places, n.digits))})`;
    case 'array':
      if (n.items.length === 0) return '[]';
      return `[\n${n.items.map((x) => entryLine(`${pad}    `, x, imp, pad + '    ')).join('\n')}\n${pad}]`;
    case 'table':
      return pyTable(n.entries, imp, pad);
  }
}

/** One entry of a dict or list: the value, a comma, and the type note if pika sends another type. */
function entryLine(prefix: string, n: Node, imp: Imports, pad: string): string {
  const note = sentType('python-pika', n).note;
  return `${prefix}${pyValue(n, imp, pad)},${note ? `  # ${note}` : ''}`;
}

function pyTable(entries: [string, Node][], imp: Imports, pad: string): string {
  if (entries.length === 0) return '{}';
  const lines = entries.map(([k, x]) => entryLine(`${pad}    ${pyString(k)}: `, x, imp, pad + '    '));
  return `{\n${lines.join('\n')}\n${pad}}`;
}

function pyBody(body: Uint8Array, imp: Imports): string {
  const text = bodyText(body);
  if (text === undefined) {
    imp.base64 = true;
    return `body = base64.b64decode(${pyString(bodyBase64(body))})`;
  }
  const pieces = linePieces(text).map(pyString);
  if (pieces.length === 1) return `body = ${pieces[0]}.encode('utf-8')`;
  return `body = (\n${pieces.map((p) => `    ${p}`).join('\n')}\n).encode('utf-8')`;
}

function pyProperties(
  props: CodeRequest & { kind: 'publish' | 'call' },
  imp: Imports,
  extra: [string, string][] = [],
): string {
  const lines: string[] = [];
  const skip = new Set(extra.map(([k]) => k));
  for (const [k, v] of setProperties(props.properties)) {
    if (skip.has(k)) continue;
    lines.push(`    ${PY_PROPS[k]}=${typeof v === 'number' ? String(v) : pyString(v)},`);
  }
  for (const [k, expr] of extra) lines.push(`    ${PY_PROPS[k]}=${expr},`);
  const headers = headerEntries(props.properties);
  if (headers) lines.push(`    headers=${pyTable(headers, imp, '    ')},`);
  return `properties = pika.BasicProperties(\n${lines.join('\n')}\n)`;
}

function pyConnect(target: CodeTarget, imp: Imports): string {
  const tls = target.tls
    ? `\n    ssl_options=pika.SSLOptions(ssl.create_default_context(), ${pyString(target.host)}),`
    : '';
  if (target.tls) imp.ssl = true;
  return [
    'credentials = pika.PlainCredentials(',
    `    os.environ.get('${USER_ENV}', ${pyString(target.username)}),`,
    `    os.environ['${PASSWORD_ENV}'],  # never in the code`,
    ')',
    'connection = pika.BlockingConnection(pika.ConnectionParameters(',
    `    host=${pyString(target.host)},`,
    `    port=${target.port},`,
    `    virtual_host=${pyString(target.vhost)},`,
    `    credentials=credentials,${tls}`,
    '))',
    'channel = connection.channel()',
  ].join('\n');
}

function pyImports(imp: Imports): string {
  const std = ['import os'];
  if (imp.base64) std.push('import base64');
  if (imp.ssl) std.push('import ssl');
  if (imp.time) std.push('import time');
  if (imp.uuid) std.push('import uuid');
  if (imp.datetime) std.push('from datetime import datetime, timezone');
  if (imp.decimal) std.push('from decimal import Decimal');
  // isort's order: plain imports, then from-imports, each sorted.
  std.sort((a, b) => Number(a.startsWith('from')) - Number(b.startsWith('from')) || a.localeCompare(b));
  const third = ['import pika'];
  if (imp.long) third.push('from pika.compat import long  # an int sent as int64 (a plain int is an int32)');
  return `${std.join('\n')}\n\n${third.join('\n')}`;
}

export function generatePython(request: CodeRequest, target: CodeTarget): string {
  const imp: Imports = {};
  const parts: string[] = [];
  const connect = pyConnect(target, imp);
  if (request.kind === 'publish') {
    const props = pyProperties(request, imp);
    const body = pyBody(request.body, imp);
    parts.push(
      connect,
      "channel.confirm_delivery()  # publisher confirms: basic_publish waits for the broker's ack",
      '',
      props,
      body,
      '',
      'try:',
      '    channel.basic_publish(',
      `        exchange=${pyString(request.exchange)},${request.exchange === '' ? '  # the default exchange: the routing key is a queue name' : ''}`,
      `        routing_key=${pyString(request.routingKey)},`,
      '        body=body,',
      '        properties=properties,',
      `        mandatory=${request.mandatory ? 'True' : 'False'},`,
      '    )',
      "    print('confirmed')",
      ...(request.mandatory
        ? ['except pika.exceptions.UnroutableError:', "    print('returned: no queue is bound for this routing key')"]
        : []),
      'except pika.exceptions.NackError:',
      "    print('nacked by the broker')",
      'finally:',
      '    connection.close()',
    );
  } else if (request.kind === 'consume') {
    parts.push(
      connect,
      `channel.basic_qos(prefetch_count=${request.prefetch})`,
      '',
      '',
      'def on_message(ch, method, properties, body):',
      "    print(f'received {method.routing_key!r} {properties.headers} {body!r}', flush=True)",
      '    ch.basic_ack(delivery_tag=method.delivery_tag)',
      '',
      '',
      `channel.basic_consume(queue=${pyString(request.queue)}, on_message_callback=on_message)`,
      'try:',
      '    channel.start_consuming()',
      'except KeyboardInterrupt:',
      '    channel.stop_consuming()',
      'connection.close()',
    );
  } else {
    imp.time = true;
    const corr = request.properties.correlationId;
    if (corr === undefined) imp.uuid = true;
    const direct = request.replyMode === 'direct-reply-to';
    const props = pyProperties(request, imp, [
      ['replyTo', 'reply_queue'],
      ['correlationId', 'correlation_id'],
    ]);
    const body = pyBody(request.body, imp);
    const seconds = request.timeoutMs / 1000;
    parts.push(
      connect,
      direct
        ? `reply_queue = '${DIRECT_REPLY_TO}'  # direct reply-to: no queue to declare`
        : "reply_queue = channel.queue_declare(queue='', exclusive=True).method.queue",
      `correlation_id = ${corr === undefined ? 'str(uuid.uuid4())' : pyString(corr)}`,
      'reply = None',
      '',
      '',
      'def on_reply(ch, method, properties, body):',
      '    global reply',
      '    if properties.correlation_id == correlation_id:',
      '        reply = (properties, body)',
      '',
      '',
      'channel.basic_consume(queue=reply_queue, on_message_callback=on_reply, auto_ack=True)',
      '',
      props,
      body,
      `channel.basic_publish(exchange=${pyString(request.exchange)}, routing_key=${pyString(request.routingKey)}, body=body, properties=properties)`,
      '',
      `deadline = time.monotonic() + ${seconds}`,
      'while reply is None and time.monotonic() < deadline:',
      '    connection.process_data_events(time_limit=0.1)',
      'connection.close()',
      'if reply is None:',
      `    raise SystemExit('no reply within ${seconds} s')`,
      "print(f'reply {reply[1]!r}')",
    );
  }
  return `# pip install pika\n${pyImports(imp)}\n\n${parts.join('\n')}\n`;
}
