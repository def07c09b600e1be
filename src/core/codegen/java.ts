/** Copy as code: Java with amqp-client 5.x (com.rabbitmq.client). */
import type { CodeRequest, CodeTarget } from './types';
import {
  DIRECT_REPLY_TO,
  PASSWORD_ENV,
  USER_ENV,
  type Node,
  bodyBase64,
  bodyText,
  decimalString,
  headerEntries,
  linePieces,
  mustEscape,
  sentType,
  setProperties,
  u4,
} from './common';

/**
 * A Java string literal ("…"). Java reads \uXXXX escapes before anything else, so a line break,
 * a quote or a backslash must never be written as one: those use \n, \r, \", \\ and octal.
 */
export function javaString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20) out += `\\${cp.toString(8).padStart(3, '0')}`;
    else if (mustEscape(cp)) out += u4(cp);
    else out += ch;
  }
  return out + '"';
}

function javaDouble(n: number, suffix: 'd' | 'f'): string {
  const type = suffix === 'd' ? 'Double' : 'Float';
  if (Number.isNaN(n)) return `${type}.NaN`;
  if (n === Infinity) return `${type}.POSITIVE_INFINITY`;
  if (n === -Infinity) return `${type}.NEGATIVE_INFINITY`;
  if (Object.is(n, -0)) return `-0.0${suffix}`;
  return `${String(n)}${suffix}`;
}

interface Ctx {
  /** Needs the `table(…)` helper for nested tables. */
  table?: boolean;
  base64?: boolean;
  uuid?: boolean;
}

function javaValue(n: Node, ctx: Ctx, pad: string): string {
  const s = sentType('java', n);
  switch (n.t) {
    case 'string':
      return javaString(n.v);
    case 'bool':
      return String(n.v);
    case 'void':
      return 'null';
    case 'bytes':
      ctx.base64 = true;
      return `Base64.getDecoder().decode(${javaString(bodyBase64(n.v))})`;
    case 'int8':
      return `(byte) ${n.v}`;
    case 'int16':
      return `(short) ${n.v}`;
    case 'uint8':
      return `(short) ${n.v}`;
    case 'int32':
      return n.v === -2147483648n ? 'Integer.MIN_VALUE' : `${n.v}`;
    case 'uint16':
      return `${n.v}`;
    case 'uint32':
    case 'int64':
      return n.v === -9223372036854775808n ? 'Long.MIN_VALUE' : `${n.v}L`;
    case 'timestamp':
      return s.type === 'timestamp' ? `new Date(${n.v}L * 1000)` : `${BigInt.asIntN(64, n.v)}L`;
    case 'float':
      return javaDouble(n.v, 'f');
    case 'double':
      return javaDouble(n.v, 'd');
    case 'decimal':
      return s.type === 'string'
        ? javaString(decimalString(n.places, n.digits))
        : `new BigDecimal(${javaString(decimalString(n.places, n.digits))})`;
    case 'array':
      if (n.items.length === 0) return 'new ArrayList<Object>()';
      // One null item alone would be taken for the varargs array itself.
      if (n.items.length === 1 && n.items[0]!.t === 'void') return 'Arrays.asList((Object) null)';
      return `Arrays.<Object>asList(\n${n.items.map((x, i) => `${pad}    ${javaValue(x, ctx, pad + '    ')}${i < n.items.length - 1 ? ',' : ''}${noteOf(x)}`).join('\n')}\n${pad})`;
    case 'table':
      ctx.table = true;
      if (n.entries.length === 0) return 'table()';
      return `table(\n${n.entries.map(([k, x], i) => `${pad}    ${javaString(k)}, ${javaValue(x, ctx, pad + '    ')}${i < n.entries.length - 1 ? ',' : ''}${noteOf(x)}`).join('\n')}\n${pad})`;
  }
}

function noteOf(n: Node): string {
  const note = sentType('java', n).note;
  return note ? ` // ${note}` : '';
}

const BUILDER: Record<string, string> = {
  contentType: 'contentType',
  contentEncoding: 'contentEncoding',
  deliveryMode: 'deliveryMode',
  priority: 'priority',
  correlationId: 'correlationId',
  replyTo: 'replyTo',
  expiration: 'expiration',
  messageId: 'messageId',
  timestamp: 'timestamp',
  type: 'type',
  userId: 'userId',
  appId: 'appId',
};

function javaProperties(
  request: CodeRequest & { kind: 'publish' | 'call' },
  ctx: Ctx,
  extra: [string, string][],
): string {
  const lines: string[] = [];
  const headers = headerEntries(request.properties);
  const out: string[] = [];
  if (headers) {
    out.push('Map<String, Object> headers = new LinkedHashMap<>();');
    for (const [k, x] of headers) out.push(`headers.put(${javaString(k)}, ${javaValue(x, ctx, '')});${noteOf(x)}`);
  }
  const skip = new Set(extra.map(([k]) => k));
  for (const [k, v] of setProperties(request.properties)) {
    if (skip.has(k)) continue;
    let value: string;
    if (k === 'timestamp') value = `new Date(${v}L * 1000)`;
    else value = typeof v === 'number' ? String(v) : javaString(v);
    lines.push(`.${BUILDER[k]}(${value})`);
  }
  for (const [k, expr] of extra) lines.push(`.${BUILDER[k]}(${expr})`);
  if (headers) lines.push('.headers(headers)');
  out.push('AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder()');
  out.push(...lines.map((l) => `        ${l}`));
  out.push('        .build();');
  return out.join('\n');
}

function javaBody(body: Uint8Array, ctx: Ctx): string {
  const text = bodyText(body);
  if (text === undefined) {
    ctx.base64 = true;
    return `byte[] body = Base64.getDecoder().decode(${javaString(bodyBase64(body))});`;
  }
  const pieces = linePieces(text).map(javaString);
  if (pieces.length === 1) return `byte[] body = ${pieces[0]}.getBytes(StandardCharsets.UTF_8);`;
  return `byte[] body = (${pieces.map((p, i) => `${i > 0 ? '        + ' : ''}${p}`).join('\n')})\n        .getBytes(StandardCharsets.UTF_8);`;
}

function javaConnect(target: CodeTarget): string {
  return [
    'ConnectionFactory factory = new ConnectionFactory();',
    `factory.setHost(${javaString(target.host)});`,
    `factory.setPort(${target.port});`,
    `factory.setVirtualHost(${javaString(target.vhost)});`,
    `factory.setUsername(System.getenv().getOrDefault("${USER_ENV}", ${javaString(target.username)}));`,
    `String password = System.getenv("${PASSWORD_ENV}"); // never in the code`,
    `if (password == null) throw new IllegalStateException("Set ${PASSWORD_ENV}");`,
    'factory.setPassword(password);',
    ...(target.tls
      ? ['factory.useSslProtocol(SSLContext.getDefault());', 'factory.enableHostnameVerification();']
      : []),
  ].join('\n');
}

const TABLE_HELPER = [
  '',
  '    /** A nested table (field table) from name, value pairs, in order. */',
  '    private static Map<String, Object> table(Object... nameValues) {',
  '        Map<String, Object> t = new LinkedHashMap<>();',
  '        for (int i = 0; i < nameValues.length; i += 2) t.put((String) nameValues[i], nameValues[i + 1]);',
  '        return t;',
  '    }',
];

function javaClass(name: string, body: string[], ctx: Ctx, target: CodeTarget, imports: string[]): string {
  const imp = new Set(['com.rabbitmq.client.*', ...imports]);
  if (ctx.base64) imp.add('java.util.Base64');
  if (target.tls) imp.add('javax.net.ssl.SSLContext');
  const code = body.join('\n');
  if (/\bBigDecimal\b/.test(code)) imp.add('java.math.BigDecimal');
  if (/\bnew Date\b/.test(code)) imp.add('java.util.Date');
  if (/\bArrays\./.test(code)) imp.add('java.util.Arrays');
  if (/\bArrayList\b/.test(code)) imp.add('java.util.ArrayList');
  if (/\bLinkedHashMap\b/.test(code) || ctx.table) {
    imp.add('java.util.LinkedHashMap');
    imp.add('java.util.Map');
  }
  if (/StandardCharsets/.test(code)) imp.add('java.nio.charset.StandardCharsets');
  const sorted = [...imp].sort((a, b) => a.localeCompare(b));
  return [
    '// Maven: com.rabbitmq:amqp-client:5.+',
    ...sorted.map((i) => `import ${i};`),
    '',
    `public class ${name} {`,
    '    public static void main(String[] args) throws Exception {',
    ...body.map((l) => (l === '' ? l : l.replace(/^/gm, '        '))),
    '    }',
    ...(ctx.table ? TABLE_HELPER : []),
    '}',
    '',
  ].join('\n');
}

/** The class name of each snippet (a Java file must be named after it). */
export const JAVA_CLASS = { publish: 'Publish', consume: 'Consume', call: 'RpcCall' } as const;

export function generateJava(request: CodeRequest, target: CodeTarget): string {
  const ctx: Ctx = {};
  const connect = javaConnect(target);
  if (request.kind === 'publish') {
    const props = javaProperties(request, ctx, []);
    const body = javaBody(request.body, ctx);
    return javaClass(
      JAVA_CLASS.publish,
      [
        connect,
        'try (Connection connection = factory.newConnection(); Channel channel = connection.createChannel()) {',
        '    channel.confirmSelect(); // publisher confirms',
        ...(request.mandatory
          ? ['    channel.addReturnListener(r -> System.out.println("returned: " + r.getReplyText()));']
          : []),
        props.replace(/^/gm, '    '),
        body.replace(/^/gm, '    '),
        `    channel.basicPublish(${javaString(request.exchange)}, ${javaString(request.routingKey)}, ${request.mandatory}, properties, body);${request.exchange === '' ? ' // the default exchange' : ''}`,
        '    channel.waitForConfirmsOrDie(5_000); // throws if nacked or not confirmed in time',
        '    System.out.println("confirmed");',
        '}',
      ],
      ctx,
      target,
      [],
    );
  }
  if (request.kind === 'consume') {
    return javaClass(
      JAVA_CLASS.consume,
      [
        connect,
        'Connection connection = factory.newConnection();',
        'Channel channel = connection.createChannel();',
        `channel.basicQos(${request.prefetch});`,
        'DeliverCallback onMessage = (consumerTag, delivery) -> {',
        '    System.out.println("received " + delivery.getEnvelope().getRoutingKey() + " "',
        '            + new String(delivery.getBody(), StandardCharsets.UTF_8));',
        '    channel.basicAck(delivery.getEnvelope().getDeliveryTag(), false);',
        '};',
        `channel.basicConsume(${javaString(request.queue)}, false, onMessage, consumerTag -> {});`,
        '// the connection keeps the program running; close it to stop',
      ],
      ctx,
      target,
      [],
    );
  }
  const direct = request.replyMode === 'direct-reply-to';
  const corr = request.properties.correlationId;
  const props = javaProperties(request, ctx, [
    ['replyTo', 'replyQueue'],
    ['correlationId', 'correlationId'],
  ]);
  const body = javaBody(request.body, ctx);
  return javaClass(
    JAVA_CLASS.call,
    [
      connect,
      'try (Connection connection = factory.newConnection(); Channel channel = connection.createChannel()) {',
      direct
        ? `    String replyQueue = "${DIRECT_REPLY_TO}"; // direct reply-to: no queue to declare`
        : '    String replyQueue = channel.queueDeclare().getQueue(); // exclusive, auto-delete',
      `    String correlationId = ${corr === undefined ? 'UUID.randomUUID().toString()' : javaString(corr)};`,
      '    CompletableFuture<Delivery> reply = new CompletableFuture<>();',
      '    channel.basicConsume(replyQueue, true, (consumerTag, delivery) -> {',
      '        if (correlationId.equals(delivery.getProperties().getCorrelationId())) reply.complete(delivery);',
      '    }, consumerTag -> {});',
      props.replace(/^/gm, '    '),
      body.replace(/^/gm, '    '),
      `    channel.basicPublish(${javaString(request.exchange)}, ${javaString(request.routingKey)}, properties, body);`,
      `    Delivery delivery = reply.get(${request.timeoutMs}, TimeUnit.MILLISECONDS); // TimeoutException if none`,
      '    System.out.println("reply " + new String(delivery.getBody(), StandardCharsets.UTF_8));',
      '}',
    ],
    ctx,
    target,
    [
      ...(corr === undefined ? ['java.util.UUID'] : []),
      'java.util.concurrent.CompletableFuture',
      'java.util.concurrent.TimeUnit',
    ],
  );
}
