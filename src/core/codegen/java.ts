import type { CodeRequest, CodeTarget } from './types';
export function generateJava(_r: CodeRequest, _t: CodeTarget): string { return ''; }
