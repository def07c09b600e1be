/** Copy as code: one entry point for every language. STUB: replaced by the code generation work. */
import type { CodeLanguage, CodeRequest, CodeTarget, GeneratedCode } from './types';

export function generateCode(language: CodeLanguage, _request: CodeRequest, _target: CodeTarget): GeneratedCode {
  return { language, languageId: 'plaintext', code: '// not implemented', install: '' };
}
