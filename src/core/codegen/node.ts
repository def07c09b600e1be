/** Copy as code: Node.js with amqplib (promise API, confirm channels). */
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
  setProperties,
} from './common';

/** A JavaScript string literal ('…'), every character safe (controls, separators and quotes escaped). */
export function jsString(s: string): string {
  let out = "'";
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (mustEscape(cp)) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + "'";
}

/** A JS number literal that keeps -0, NaN and the infinities. */
function jsNumber(n: number): string {
  if (Object.is(n, -0)) return '-0';
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  return String(n);
}

/** A header value in amqplib's own `{ '!': type, value }` notation (exact for every AMQP type). */
function jsValue(n: Node, pad: string): string {
  switch (n.t) {
    case 'string':
      return jsString(n.v);
    case 'bool':
      return String(n.v);
    case 'void':
      return 'null';
    case 'bytes':
      return `Buffer.from(${jsString(bodyBase64(n.v))}, 'base64')`;
    case 'int8':
    case 'uint8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
      return `{ '!': '${n.t}', value: ${n.v} }`;
    case 'int64':
    case 'timestamp':
      // A string keeps all 64 bits (amqplib reads it with BigInt).
      return n.v >= BigInt(Number.MIN_SAFE_INTEGER) && n.v <= BigInt(Number.MAX_SAFE_INTEGER)
        ? `{ '!': '${n.t}', value: ${n.v} }`
        : `{ '!': '${n.t}', value: '${n.v}' }`;
    case 'float':
    case 'double':
      return `{ '!': '${n.t}', value: ${jsNumber(n.v)} }`;
    case 'decimal':
      return `{ '!': 'decimal', value: { places: ${n.places}, digits: ${n.digits} } }`;
    case 'array':
      if (n.items.length === 0) return '[]';
      return `[\n${n.items.map((x) => `${pad}  ${jsValue(x, pad + '  ')},`).join('\n')}\n${pad}]`;
    case 'table':
      return jsTable(n.entries, pad);
  }
}

function jsTable(entries: [string, Node][], pad: string): string {
  if (entries.length === 0) return '{}';
  const lines = entries.map(([k, x]) => `${pad}  ${jsKey(k)}: ${jsValue(x, pad + '  ')},`);
  return `{\n${lines.join('\n')}\n${pad}}`;
}

function jsKey(k: string): string {
  // '__proto__' as a plain key would set the prototype: always quoted and computed.
  if (k === '__proto__') return `[${jsString(k)}]`;
  return /^[A-Za-z_$][\w$]*$/.test(k) ? k : jsString(k);
}

function jsBody(body: Uint8Array): string {
  const text = bodyText(body);
  if (text === undefined) return `const body = Buffer.from(${jsString(bodyBase64(body))}, 'base64');`;
  const pieces = linePieces(text).map(jsString);
  if (pieces.length === 1) return `const body = Buffer.from(${pieces[0]}, 'utf8');`;
  return `const body = Buffer.from(\n${pieces.map((p, i) => `  ${i > 0 ? '+ ' : ''}${p}`).join('\n')},\n  'utf8',\n);`;
}

function jsOptions(request: CodeRequest & { kind: 'publish' | 'call' }, extra: string[], pad: string): string {
  const lines: string[] = [];
  const skip = new Set(extra.map((l) => l.split(':')[0]!));
  if (request.kind === 'publish') lines.push(`mandatory: ${request.mandatory},`);
  for (const [k, v] of setProperties(request.properties)) {
    if (skip.has(k)) continue;
    lines.push(`${k}: ${typeof v === 'number' ? String(v) : jsString(v)},`);
  }
  lines.push(...extra.map((l) => `${l},`));
  const headers = headerEntries(request.properties);
  if (headers) lines.push(`headers: ${jsTable(headers, pad + '  ')},`);
  return `{\n${lines.map((l) => `${pad}  ${l}`).join('\n')}\n${pad}}`;
}

function jsConnect(target: CodeTarget): string {
  return [
    `if (!process.env.${PASSWORD_ENV}) throw new Error('Set ${PASSWORD_ENV} (the password is never in the code)');`,
    'const connection = await amqp.connect(',
    '  {',
    `    protocol: '${target.tls ? 'amqps' : 'amqp'}',`,
    `    hostname: ${jsString(target.host)},`,
    `    port: ${target.port},`,
    `    vhost: ${jsString(target.vhost)},`,
    `    username: process.env.${USER_ENV} ?? ${jsString(target.username)},`,
    `    password: process.env.${PASSWORD_ENV},`,
    '  },',
    target.tls ? `  { servername: ${jsString(target.host)} },` : '',
    ');',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

function wrap(lines: string[]): string {
  return [
    '// npm install amqplib',
    "const amqp = require('amqplib');",
    ...(lines.some((l) => l.includes('randomUUID')) ? ["const { randomUUID } = require('node:crypto');"] : []),
    '',
    'async function main() {',
    ...lines.map((l) => (l === '' ? l : l.replace(/^/gm, '  '))),
    '}',
    '',
    'main().catch((err) => {',
    '  console.error(err);',
    '  process.exitCode = 1;',
    '});',
    '',
  ].join('\n');
}

export function generateNode(request: CodeRequest, target: CodeTarget): string {
  const connect = jsConnect(target);
  if (request.kind === 'publish') {
    return wrap([
      connect,
      'try {',
      '  const channel = await connection.createConfirmChannel();',
      ...(request.mandatory
        ? ["  channel.on('return', (msg) => console.log(`returned: ${msg.fields.replyText}`));"]
        : []),
      indentJs(jsBody(request.body), '  '),
      ...(request.exchange === '' ? ["  // '' is the default exchange: the routing key is a queue name"] : []),
      '  await new Promise((resolve, reject) => {',
      `    channel.publish(${jsString(request.exchange)}, ${jsString(request.routingKey)}, body, ${jsOptions(request, [], '    ')}, (err) => (err ? reject(err) : resolve()));`,
      '  });',
      "  console.log('confirmed'); // a nack rejects the promise above",
      '} finally {',
      '  await connection.close();',
      '}',
    ]);
  }
  if (request.kind === 'consume') {
    return wrap([
      connect,
      'const channel = await connection.createChannel();',
      `await channel.prefetch(${request.prefetch});`,
      `await channel.consume(${jsString(request.queue)}, (msg) => {`,
      '  if (msg === null) return; // cancelled by the broker',
      '  console.log(`received ${msg.fields.routingKey} ${JSON.stringify(msg.properties.headers)} ${msg.content}`);',
      '  channel.ack(msg);',
      '});',
      "process.once('SIGINT', () => connection.close());",
    ]);
  }
  const direct = request.replyMode === 'direct-reply-to';
  const corr = request.properties.correlationId;
  return wrap([
    connect,
    'try {',
    '  const channel = await connection.createChannel();',
    direct
      ? `  const replyQueue = '${DIRECT_REPLY_TO}'; // direct reply-to: no queue to declare`
      : "  const { queue: replyQueue } = await channel.assertQueue('', { exclusive: true });",
    `  const correlationId = ${corr === undefined ? 'randomUUID()' : jsString(corr)};`,
    '  let onReply;',
    '  const reply = new Promise((resolve, reject) => {',
    `    const timer = setTimeout(() => reject(new Error('no reply within ${request.timeoutMs} ms')), ${request.timeoutMs});`,
    '    onReply = (msg) => {',
    '      if (msg?.properties.correlationId !== correlationId) return;',
    '      clearTimeout(timer);',
    '      resolve(msg);',
    '    };',
    '  });',
    '  await channel.consume(replyQueue, (msg) => onReply(msg), { noAck: true });',
    indentJs(jsBody(request.body), '  '),
    `  channel.publish(${jsString(request.exchange)}, ${jsString(request.routingKey)}, body, ${jsOptions(request, ['replyTo: replyQueue', 'correlationId'], '  ')});`,
    '  const msg = await reply;',
    '  console.log(`reply ${msg.content}`);',
    '} finally {',
    '  await connection.close();',
    '}',
  ]);
}

function indentJs(block: string, pad: string): string {
  return block
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}
