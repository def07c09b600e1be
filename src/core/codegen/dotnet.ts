import type { CodeRequest, CodeTarget } from './types';
export function generateDotnet(_r: CodeRequest, _t: CodeTarget): string { return ''; }
