/** Copy as code: C# with RabbitMQ.Client 7 (async API, top-level statements). */
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

/** A C# regular string literal ("…"); \x is never used (its length is variable), \u always 4 digits. */
export function csString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\0') out += '\\0';
    else if (mustEscape(cp) || cp === 0x85) out += u4(cp);
    else out += ch;
  }
  return out + '"';
}

function csFloat(n: number, type: 'float' | 'double'): string {
  const T = type === 'float' ? 'float' : 'double';
  if (Number.isNaN(n)) return `${T}.NaN`;
  if (n === Infinity) return `${T}.PositiveInfinity`;
  if (n === -Infinity) return `${T}.NegativeInfinity`;
  const s = Object.is(n, -0) ? '-0.0' : String(n).replace('e+', 'e');
  return `${s}${type === 'float' ? 'f' : 'd'}`;
}

function csValue(n: Node, pad: string): string {
  const s = sentType('dotnet', n);
  switch (n.t) {
    case 'string':
      return csString(n.v);
    case 'bool':
      return String(n.v);
    case 'void':
      return 'null';
    case 'bytes':
      // A byte[] alone would be sent as a long string (S): BinaryTableValue is the byte array (x).
      return `new BinaryTableValue(Convert.FromBase64String(${csString(bodyBase64(n.v))}))`;
    case 'int8':
      return `(sbyte)${n.v}`;
    case 'uint8':
      return `(byte)${n.v}`;
    case 'int16':
      return `(short)${n.v}`;
    case 'uint16':
      return `(ushort)${n.v}`;
    case 'int32':
      return n.v === -2147483648n ? 'int.MinValue' : `${n.v}`;
    case 'uint32':
      return `${n.v}u`;
    case 'int64':
      return n.v === -9223372036854775808n ? 'long.MinValue' : `${n.v}L`;
    case 'timestamp':
      return s.type === 'timestamp' ? `new AmqpTimestamp(${n.v})` : `${BigInt.asIntN(64, n.v)}L`;
    case 'float':
      return csFloat(n.v, 'float');
    case 'double':
      return csFloat(n.v, 'double');
    case 'decimal':
      // A C# decimal literal keeps its trailing zeros (its scale): 123.40m has 2 places.
      return s.type === 'string'
        ? csString(decimalString(n.places, n.digits))
        : `${decimalString(n.places, n.digits)}m`;
    case 'array':
      if (n.items.length === 0) return 'new List<object?>()';
      return `new List<object?>\n${pad}{\n${n.items.map((x) => `${pad}    ${csValue(x, pad + '    ')},${noteOf(x)}`).join('\n')}\n${pad}}`;
    case 'table':
      return csTable(n.entries, pad);
  }
}

function noteOf(n: Node): string {
  const note = sentType('dotnet', n).note;
  return note ? ` // ${note}` : '';
}

function csTable(entries: [string, Node][], pad: string): string {
  if (entries.length === 0) return 'new Dictionary<string, object?>()';
  const lines = entries.map(([k, x]) => `${pad}    [${csString(k)}] = ${csValue(x, pad + '    ')},${noteOf(x)}`);
  return `new Dictionary<string, object?>\n${pad}{\n${lines.join('\n')}\n${pad}}`;
}

const CS_PROPS: Record<string, string> = {
  contentType: 'ContentType',
  contentEncoding: 'ContentEncoding',
  deliveryMode: 'DeliveryMode',
  priority: 'Priority',
  correlationId: 'CorrelationId',
  replyTo: 'ReplyTo',
  expiration: 'Expiration',
  messageId: 'MessageId',
  timestamp: 'Timestamp',
  type: 'Type',
  userId: 'UserId',
  appId: 'AppId',
};

function csProperties(request: CodeRequest & { kind: 'publish' | 'call' }, extra: [string, string][]): string {
  const lines: string[] = [];
  const skip = new Set(extra.map(([k]) => k));
  for (const [k, v] of setProperties(request.properties)) {
    if (skip.has(k)) continue;
    let value: string;
    if (k === 'timestamp') value = `new AmqpTimestamp(${v})`;
    else if (k === 'deliveryMode')
      value = v === 2 ? 'DeliveryModes.Persistent' : v === 1 ? 'DeliveryModes.Transient' : `(DeliveryModes)${v}`;
    else if (k === 'priority') value = `(byte)${v}`;
    else value = typeof v === 'number' ? String(v) : csString(v);
    lines.push(`    ${CS_PROPS[k]} = ${value},`);
  }
  for (const [k, expr] of extra) lines.push(`    ${CS_PROPS[k]} = ${expr},`);
  const headers = headerEntries(request.properties);
  if (headers) lines.push(`    Headers = ${csTable(headers, '    ')},`);
  return `var properties = new BasicProperties\n{\n${lines.join('\n')}\n};`;
}

function csBody(body: Uint8Array): string {
  const text = bodyText(body);
  if (text === undefined) return `byte[] body = Convert.FromBase64String(${csString(bodyBase64(body))});`;
  const pieces = linePieces(text).map(csString);
  if (pieces.length === 1) return `byte[] body = Encoding.UTF8.GetBytes(${pieces[0]});`;
  return `byte[] body = Encoding.UTF8.GetBytes(\n${pieces.map((p, i) => `    ${i > 0 ? '+ ' : ''}${p}`).join('\n')});`;
}

function csConnect(target: CodeTarget, confirms: boolean): string {
  return [
    'var factory = new ConnectionFactory',
    '{',
    `    HostName = ${csString(target.host)},`,
    `    Port = ${target.port},`,
    `    VirtualHost = ${csString(target.vhost)},`,
    `    UserName = Environment.GetEnvironmentVariable("${USER_ENV}") ?? ${csString(target.username)},`,
    `    Password = Environment.GetEnvironmentVariable("${PASSWORD_ENV}") // never in the code`,
    `        ?? throw new InvalidOperationException("Set ${PASSWORD_ENV}"),`,
    ...(target.tls ? [`    Ssl = new SslOption { Enabled = true, ServerName = ${csString(target.host)} },`] : []),
    '};',
    'await using var connection = await factory.CreateConnectionAsync();',
    confirms
      ? [
          '// Publisher confirms, tracked: BasicPublishAsync returns once the broker has confirmed.',
          'await using var channel = await connection.CreateChannelAsync(',
          '    new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));',
        ].join('\n')
      : 'await using var channel = await connection.CreateChannelAsync();',
  ].join('\n');
}

function program(lines: string[]): string {
  const code = lines.join('\n');
  const usings = ['using RabbitMQ.Client;'];
  if (/\bEncoding\./.test(code)) usings.unshift('using System.Text;');
  if (/AsyncEventingBasicConsumer/.test(code)) usings.push('using RabbitMQ.Client.Events;');
  if (/PublishException/.test(code)) usings.push('using RabbitMQ.Client.Exceptions;');
  return `// dotnet add package RabbitMQ.Client --version 7.*\n${usings.join('\n')}\n\n${code}\n`;
}

export function generateDotnet(request: CodeRequest, target: CodeTarget): string {
  if (request.kind === 'publish') {
    return program([
      csConnect(target, true),
      ...(request.mandatory
        ? [
            'channel.BasicReturnAsync += (_, e) =>',
            '{',
            '    Console.WriteLine($"returned: {e.ReplyText}");',
            '    return Task.CompletedTask;',
            '};',
          ]
        : []),
      '',
      csProperties(request, []),
      csBody(request.body),
      '',
      'try',
      '{',
      `    await channel.BasicPublishAsync(exchange: ${csString(request.exchange)}, routingKey: ${csString(request.routingKey)},${request.exchange === '' ? ' // the default exchange' : ''}`,
      `        mandatory: ${request.mandatory}, basicProperties: properties, body: body);`,
      '    Console.WriteLine("confirmed");',
      '}',
      'catch (PublishException e)',
      '{',
      '    Console.WriteLine(e.IsReturn ? "returned" : "nacked by the broker");',
      '}',
    ]);
  }
  if (request.kind === 'consume') {
    return program([
      csConnect(target, false),
      `await channel.BasicQosAsync(prefetchSize: 0, prefetchCount: ${request.prefetch}, global: false);`,
      'var consumer = new AsyncEventingBasicConsumer(channel);',
      'consumer.ReceivedAsync += async (_, e) =>',
      '{',
      '    Console.WriteLine($"received {e.RoutingKey} {Encoding.UTF8.GetString(e.Body.Span)}");',
      '    await channel.BasicAckAsync(e.DeliveryTag, multiple: false);',
      '};',
      `await channel.BasicConsumeAsync(${csString(request.queue)}, autoAck: false, consumer: consumer);`,
      'Console.WriteLine("Consuming; press Enter to stop");',
      'Console.ReadLine();',
    ]);
  }
  const direct = request.replyMode === 'direct-reply-to';
  const corr = request.properties.correlationId;
  return program([
    csConnect(target, false),
    direct
      ? `string replyQueue = "${DIRECT_REPLY_TO}"; // direct reply-to: no queue to declare`
      : 'string replyQueue = (await channel.QueueDeclareAsync()).QueueName; // exclusive, auto-delete',
    `string correlationId = ${corr === undefined ? 'Guid.NewGuid().ToString()' : csString(corr)};`,
    'var reply = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);',
    'var consumer = new AsyncEventingBasicConsumer(channel);',
    'consumer.ReceivedAsync += (_, e) =>',
    '{',
    '    if (e.BasicProperties.CorrelationId == correlationId) reply.TrySetResult(e.Body.ToArray());',
    '    return Task.CompletedTask;',
    '};',
    'await channel.BasicConsumeAsync(replyQueue, autoAck: true, consumer: consumer);',
    '',
    csProperties(request, [
      ['replyTo', 'replyQueue'],
      ['correlationId', 'correlationId'],
    ]),
    csBody(request.body),
    `await channel.BasicPublishAsync(exchange: ${csString(request.exchange)}, routingKey: ${csString(request.routingKey)},`,
    '    mandatory: false, basicProperties: properties, body: body);',
    `byte[] replyBody = await reply.Task.WaitAsync(TimeSpan.FromMilliseconds(${request.timeoutMs})); // TimeoutException if none`,
    'Console.WriteLine($"reply {Encoding.UTF8.GetString(replyBody)}");',
  ]);
}
