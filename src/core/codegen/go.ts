/** Copy as code: Go with github.com/rabbitmq/amqp091-go. */
import type { CodeRequest, CodeTarget } from './types';
import {
  DIRECT_REPLY_TO,
  PASSWORD_ENV,
  USER_ENV,
  type Node,
  bodyBase64,
  bodyText,
  headerEntries,
  linePieces,
  mustEscape,
  sentType,
  setProperties,
  u4,
} from './common';

/** A Go interpreted string literal ("…"), every character safe. */
export function goString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x80 && mustEscape(cp)) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (mustEscape(cp)) out += u4(cp);
    else out += ch;
  }
  return out + '"';
}

function goFloat(n: number, type: 'float32' | 'float64', imp: Set<string>): string {
  if (Number.isFinite(n) && !Object.is(n, -0)) return `${type}(${String(n)})`;
  imp.add('math');
  if (Number.isNaN(n)) return `${type}(math.NaN())`;
  if (Object.is(n, -0)) return `${type}(math.Copysign(0, -1))`;
  return `${type}(math.Inf(${n > 0 ? 1 : -1}))`;
}

function goValue(n: Node, imp: Set<string>, pad: string): string {
  switch (n.t) {
    case 'string':
      return goString(n.v);
    case 'bool':
      return String(n.v);
    case 'void':
      return 'nil';
    case 'bytes':
      imp.add('encoding/base64');
      return `mustBase64(${goString(bodyBase64(n.v))})`;
    case 'int8':
      // amqp091-go writes a byte with the int8 tag: a negative value is its two's complement.
      return `byte(${BigInt.asUintN(8, n.v)})`;
    case 'uint8':
    case 'int16':
      return `int16(${n.v})`;
    case 'uint16':
    case 'int32':
      return `int32(${n.v})`;
    case 'uint32':
    case 'int64':
      return `int64(${n.v})`;
    case 'timestamp':
      if (sentType('go', n).type !== 'timestamp') return `int64(${BigInt.asIntN(64, n.v)})`;
      imp.add('time');
      return `time.Unix(${n.v}, 0)`;
    case 'float':
      return goFloat(n.v, 'float32', imp);
    case 'double':
      return goFloat(n.v, 'float64', imp);
    case 'decimal':
      // Value is an int32 written as 32 bits: above 2^31-1, the same bits as a negative int32.
      return `amqp.Decimal{Scale: ${n.places}, Value: ${BigInt.asIntN(32, BigInt(n.digits))}}`;
    case 'array':
      if (n.items.length === 0) return '[]interface{}{}';
      return `[]interface{}{\n${n.items.map((x) => `${pad}\t${goValue(x, imp, pad + '\t')},${noteOf(x)}`).join('\n')}\n${pad}}`;
    case 'table':
      return goTable(n.entries, imp, pad);
  }
}

function noteOf(n: Node): string {
  const note = sentType('go', n).note;
  if (note) return ` // ${note}`;
  if (n.t === 'int8' && n.v < 0n) return ` // int8 ${n.v}`;
  return '';
}

function goTable(entries: [string, Node][], imp: Set<string>, pad: string): string {
  if (entries.length === 0) return 'amqp.Table{}';
  const lines = entries.map(([k, x]) => `${pad}\t${goString(k)}: ${goValue(x, imp, pad + '\t')},${noteOf(x)}`);
  return `amqp.Table{\n${lines.join('\n')}\n${pad}}`;
}

const GO_FIELDS: Record<string, string> = {
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

function goPublishing(
  request: CodeRequest & { kind: 'publish' | 'call' },
  imp: Set<string>,
  extra: [string, string][],
): string {
  const lines: string[] = [];
  const skip = new Set(extra.map(([k]) => k));
  for (const [k, v] of setProperties(request.properties)) {
    if (skip.has(k)) continue;
    let value: string;
    if (k === 'timestamp') {
      imp.add('time');
      value = `time.Unix(${v}, 0)`;
    } else value = typeof v === 'number' ? String(v) : goString(v);
    // amqp091-go leaves out empty strings and zero numbers (the broker then sees no property).
    const dropped = v === '' || v === 0 ? ' // amqp091-go does not send an empty or zero property' : '';
    lines.push(`\t${GO_FIELDS[k]}: ${value},${dropped}`);
  }
  for (const [k, expr] of extra) lines.push(`\t${GO_FIELDS[k]}: ${expr},`);
  const headers = headerEntries(request.properties);
  if (headers) lines.push(`\tHeaders: ${goTable(headers, imp, '\t')},`);
  lines.push('\tBody: body,');
  return `msg := amqp.Publishing{\n${lines.join('\n')}\n}`;
}

function goBody(body: Uint8Array, imp: Set<string>): string {
  const text = bodyText(body);
  if (text === undefined) {
    imp.add('encoding/base64');
    return `body := mustBase64(${goString(bodyBase64(body))})`;
  }
  const pieces = linePieces(text).map(goString);
  if (pieces.length === 1) return `body := []byte(${pieces[0]})`;
  return `body := []byte(${pieces.map((p, i) => (i > 0 ? `\t${p}` : p)).join(' +\n')})`;
}

function goConnect(target: CodeTarget, imp: Set<string>): string {
  imp.add('os');
  imp.add('log');
  if (target.tls) imp.add('crypto/tls');
  return [
    `user := os.Getenv("${USER_ENV}")`,
    'if user == "" {',
    `\tuser = ${goString(target.username)}`,
    '}',
    `password, ok := os.LookupEnv("${PASSWORD_ENV}") // never in the code`,
    'if !ok {',
    `\tlog.Fatal("Set ${PASSWORD_ENV}")`,
    '}',
    `conn, err := amqp.DialConfig(${goString(`${target.tls ? 'amqps' : 'amqp'}://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}/`)}, amqp.Config{`,
    '\tSASL:  []amqp.Authentication{&amqp.PlainAuth{Username: user, Password: password}},',
    `\tVhost: ${goString(target.vhost)},`,
    ...(target.tls ? [`\tTLSClientConfig: &tls.Config{ServerName: ${goString(target.host)}},`] : []),
    '})',
    'if err != nil {',
    '\tlog.Fatalf("connect: %v", err)',
    '}',
    'defer conn.Close()',
    'ch, err := conn.Channel()',
    'if err != nil {',
    '\tlog.Fatalf("channel: %v", err)',
    '}',
    'defer ch.Close()',
  ].join('\n');
}

const BASE64_HELPER = [
  '',
  'func mustBase64(s string) []byte {',
  '\tb, err := base64.StdEncoding.DecodeString(s)',
  '\tif err != nil {',
  '\t\tpanic(err)',
  '\t}',
  '\treturn b',
  '}',
];

function goMain(body: string[], imp: Set<string>): string {
  const std = [...imp].sort();
  return [
    '// go get github.com/rabbitmq/amqp091-go',
    'package main',
    '',
    'import (',
    ...std.map((i) => `\t"${i}"`),
    '',
    '\tamqp "github.com/rabbitmq/amqp091-go"',
    ')',
    '',
    'func main() {',
    ...body.map((l) => (l === '' ? l : l.replace(/^/gm, '\t'))),
    '}',
    ...(imp.has('encoding/base64') ? BASE64_HELPER : []),
    '',
  ].join('\n');
}

export function generateGo(request: CodeRequest, target: CodeTarget): string {
  const imp = new Set<string>();
  const connect = goConnect(target, imp);
  if (request.kind === 'publish') {
    imp.add('context');
    imp.add('time');
    const body = goBody(request.body, imp);
    const msg = goPublishing(request, imp, []);
    return goMain(
      [
        connect,
        'if err := ch.Confirm(false); err != nil { // publisher confirms',
        '\tlog.Fatalf("confirm mode: %v", err)',
        '}',
        ...(request.mandatory ? ['returns := ch.NotifyReturn(make(chan amqp.Return, 1))'] : []),
        body,
        msg,
        'ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)',
        'defer cancel()',
        ...(request.exchange === '' ? ['// "" is the default exchange: the routing key is a queue name'] : []),
        `confirmation, err := ch.PublishWithDeferredConfirmWithContext(ctx, ${goString(request.exchange)}, ${goString(request.routingKey)}, ${request.mandatory}, false, msg)`,
        'if err != nil {',
        '\tlog.Fatalf("publish: %v", err)',
        '}',
        'acked, err := confirmation.WaitContext(ctx)',
        'if err != nil {',
        '\tlog.Fatalf("no confirm: %v", err)',
        '}',
        ...(request.mandatory
          ? ['select {', 'case r := <-returns:', '\tlog.Printf("returned: %s", r.ReplyText)', 'default:', '}']
          : []),
        'if !acked {',
        '\tlog.Fatal("nacked by the broker")',
        '}',
        'log.Print("confirmed")',
      ],
      imp,
    );
  }
  if (request.kind === 'consume') {
    return goMain(
      [
        connect,
        `if err := ch.Qos(${request.prefetch}, 0, false); err != nil {`,
        '\tlog.Fatalf("qos: %v", err)',
        '}',
        `deliveries, err := ch.Consume(${goString(request.queue)}, "", false, false, false, false, nil)`,
        'if err != nil {',
        '\tlog.Fatalf("consume: %v", err)',
        '}',
        'for d := range deliveries {',
        '\tlog.Printf("received %s %v %s", d.RoutingKey, d.Headers, d.Body)',
        '\tif err := d.Ack(false); err != nil {',
        '\t\tlog.Printf("ack: %v", err)',
        '\t}',
        '}',
      ],
      imp,
    );
  }
  imp.add('context');
  imp.add('time');
  const direct = request.replyMode === 'direct-reply-to';
  const corr = request.properties.correlationId;
  if (corr === undefined) imp.add('crypto/rand').add('encoding/hex');
  const body = goBody(request.body, imp);
  const msg = goPublishing(request, imp, [
    ['replyTo', 'replyQueue'],
    ['correlationId', 'correlationID'],
  ]);
  return goMain(
    [
      connect,
      direct
        ? `replyQueue := "${DIRECT_REPLY_TO}" // direct reply-to: no queue to declare`
        : [
            'q, err := ch.QueueDeclare("", false, true, true, false, nil) // exclusive, auto-delete',
            'if err != nil {',
            '\tlog.Fatalf("reply queue: %v", err)',
            '}',
            'replyQueue := q.Name',
          ].join('\n'),
      ...(corr === undefined
        ? ['id := make([]byte, 16)', '_, _ = rand.Read(id)', 'correlationID := hex.EncodeToString(id)']
        : [`correlationID := ${goString(corr)}`]),
      'replies, err := ch.Consume(replyQueue, "", true, false, false, false, nil)',
      'if err != nil {',
      '\tlog.Fatalf("consume replies: %v", err)',
      '}',
      body,
      msg,
      `ctx, cancel := context.WithTimeout(context.Background(), ${request.timeoutMs}*time.Millisecond)`,
      'defer cancel()',
      `if err := ch.PublishWithContext(ctx, ${goString(request.exchange)}, ${goString(request.routingKey)}, false, false, msg); err != nil {`,
      '\tlog.Fatalf("publish: %v", err)',
      '}',
      'for {',
      '\tselect {',
      '\tcase d := <-replies:',
      '\t\tif d.CorrelationId == correlationID {',
      '\t\t\tlog.Printf("reply %s", d.Body)',
      '\t\t\treturn',
      '\t\t}',
      '\tcase <-ctx.Done():',
      `\t\tlog.Fatal("no reply within ${request.timeoutMs} ms")`,
      '\t}',
      '}',
    ],
    imp,
  );
}
