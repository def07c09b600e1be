import { html } from 'lit';

/**
 * The default exchange's name is '', which vscode-single-select treats as "no selection".
 * Options use RabbitMQ's own alias `amq.default` instead (no real exchange can have that
 * name: the amq. prefix is reserved).
 */
export const DEFAULT_EXCHANGE_OPTION = 'amq.default';
export const toOptionValue = (exchange: string): string => (exchange === '' ? DEFAULT_EXCHANGE_OPTION : exchange);
export const fromOptionValue = (option: string): string => (option === DEFAULT_EXCHANGE_OPTION ? '' : option);

export function exchangeOptions(exchanges: { name: string; type: string }[]) {
  return exchanges.map(
    (x) =>
      html`<vscode-option value=${toOptionValue(x.name)} description=${x.type}>${x.name === '' ? '(AMQP default)' : x.name}</vscode-option>`,
  );
}
