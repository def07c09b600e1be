/** Copy as code: one entry point for every language (one generator per file in this folder). */
import { generateDotnet } from './dotnet';
import { generateGo } from './go';
import { generateJava } from './java';
import { generateNode } from './node';
import { generatePython } from './python';
import type { CodeLanguage, CodeRequest, CodeTarget, GeneratedCode } from './types';

export { sentType, toNode, PASSWORD_ENV, USER_ENV } from './common';

const LANGUAGE_IDS: Readonly<Record<CodeLanguage, string>> = {
  'python-pika': 'python',
  'node-amqplib': 'javascript',
  java: 'java',
  go: 'go',
  dotnet: 'csharp',
};

const INSTALL: Readonly<Record<CodeLanguage, string>> = {
  'python-pika': 'pip install pika',
  'node-amqplib': 'npm install amqplib',
  java: 'com.rabbitmq:amqp-client:5.+ (Maven / Gradle)',
  go: 'go get github.com/rabbitmq/amqp091-go',
  dotnet: 'dotnet add package RabbitMQ.Client --version 7.*',
};

const GENERATORS: Readonly<Record<CodeLanguage, (r: CodeRequest, t: CodeTarget) => string>> = {
  'python-pika': generatePython,
  'node-amqplib': generateNode,
  java: generateJava,
  go: generateGo,
  dotnet: generateDotnet,
};

/**
 * A publish, consume or RPC-call snippet for the language: a whole program that connects to
 * `target` (user from RABBITMQ_USER, password only from RABBITMQ_PASSWORD), with every property
 * and typed header of the request. Throws an Error for headers that cannot be sent at all.
 */
export function generateCode(language: CodeLanguage, request: CodeRequest, target: CodeTarget): GeneratedCode {
  const generate = GENERATORS[language];
  if (!generate) throw new Error(`Unknown language '${String(language)}'`);
  return { language, languageId: LANGUAGE_IDS[language], code: generate(request, target), install: INSTALL[language] };
}
