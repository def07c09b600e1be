import * as vscode from 'vscode';
import { generateCode } from '../../core/codegen';
import {
  CODE_LANGUAGES,
  CODE_LANGUAGE_LABELS,
  type CodeLanguage,
  type CodeRequest,
  type CodeTarget,
} from '../../core/codegen/types';
import { pick } from '../../commands/ui';
import type { PanelServices } from '../../panels/services';
import type { PanelTarget } from '../../protocol/common';
import { codeTarget } from './codeRequest';

const LAST_LANGUAGE = 'burrow.copyAsCode.language';

/**
 * Copy as code: asks for the language (the last one used first), generates the snippet, puts it on
 * the clipboard and says so. Returns the sentence shown, for panels that repeat it in their banner.
 * The snippet never holds a password (it reads RABBITMQ_PASSWORD).
 */
export async function copyAsCode(
  memento: vscode.Memento,
  request: CodeRequest,
  target: CodeTarget,
  what: string,
): Promise<string> {
  const last = memento.get<CodeLanguage>(LAST_LANGUAGE);
  const ordered = [...CODE_LANGUAGES].sort((a, b) => Number(b === last) - Number(a === last));
  const chosen = await pick(
    ordered.map((language) => ({ label: CODE_LANGUAGE_LABELS[language], language })),
    { title: `Burrow: copy ${what} as code`, placeHolder: 'Language and client library' },
  );
  await memento.update(LAST_LANGUAGE, chosen.language);
  const code = generateCode(chosen.language, request, target);
  await vscode.env.clipboard.writeText(code.code);
  const text = `Copied ${what} as ${CODE_LANGUAGE_LABELS[chosen.language]} to the clipboard${code.install ? ` (needs: ${code.install})` : ''}. It reads the password from RABBITMQ_PASSWORD.`;
  void vscode.window.showInformationMessage(`Burrow: ${text}`);
  return text;
}

/** Copy as code for a panel (publish, RPC, peek): its connection's host, port, TLS and user; the language asked. */
export function panelCopyAsCode(
  services: PanelServices,
  target: PanelTarget,
  request: CodeRequest,
  what: string,
): Promise<string> {
  const profile = services.store.get(target.profileId);
  if (!profile) throw new Error(`The connection ${target.profileName} no longer exists.`);
  return copyAsCode(services.context.globalState, request, codeTarget(profile, target.vhost), what);
}
