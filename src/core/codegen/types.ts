/**
 * "Copy as code": what a snippet is generated from. Shared by the generators (one file per
 * language in this folder), the request files (src/requestFiles/) and the publish, RPC and peek
 * panels. No `vscode` import.
 *
 * Snippets never carry a password: they read it from an environment variable (RABBITMQ_PASSWORD),
 * and the user name from RABBITMQ_USER with the connection's user as the default.
 */
import type { MessageProperties } from '../message';

export const CODE_LANGUAGES = ['python-pika', 'node-amqplib', 'java', 'go', 'dotnet'] as const;
export type CodeLanguage = (typeof CODE_LANGUAGES)[number];

export const CODE_LANGUAGE_LABELS: Readonly<Record<CodeLanguage, string>> = {
  'python-pika': 'Python (pika)',
  'node-amqplib': 'Node.js (amqplib)',
  java: 'Java (amqp-client)',
  go: 'Go (amqp091-go)',
  dotnet: '.NET (RabbitMQ.Client 7)',
};

/** Where the snippet connects. Never a password. */
export interface CodeTarget {
  host: string;
  port: number;
  vhost: string;
  tls: boolean;
  username: string;
}

/**
 * What to generate. `properties.headers` holds typed field values (src/core/fieldTypes.ts
 * FieldValue: int64 as `{ '!': 'int64', value: '5' }` etc.); each generator writes them with the
 * client library's own types so the message on the wire is the same as Burrow's publish of it.
 */
export type CodeRequest =
  | {
      kind: 'publish';
      exchange: string;
      routingKey: string;
      mandatory: boolean;
      properties: MessageProperties;
      body: Uint8Array;
    }
  | {
      kind: 'call';
      exchange: string;
      routingKey: string;
      properties: MessageProperties;
      body: Uint8Array;
      timeoutMs: number;
      replyMode: 'direct-reply-to' | 'callback-queue';
    }
  | {
      /** A consumer with manual acks (what a peek's queue would be read with in the application). */
      kind: 'consume';
      queue: string;
      prefetch: number;
    };

export interface GeneratedCode {
  language: CodeLanguage;
  /** VS Code language id for an untitled editor: python, javascript, java, go, csharp. */
  languageId: string;
  code: string;
  /** What the snippet needs installed, e.g. `pip install pika`. */
  install: string;
}
