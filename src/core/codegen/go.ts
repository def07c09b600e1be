import type { CodeRequest, CodeTarget } from './types';
export function generateGo(_r: CodeRequest, _t: CodeTarget): string { return ''; }
