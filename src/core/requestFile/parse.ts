/** The `.amqp` parser (types.ts describes the format). STUB: replaced by the parser work. */
import type { ParsedFile } from './types';

export function parseRequestFile(_text: string): ParsedFile {
  return { variables: [], requests: [], problems: [] };
}
