/** The webview side of the host ↔ webview protocol. */

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

export function post<T extends { type: string }>(message: T): void {
  api.postMessage(message);
}

export function onMessage<T extends { type: string }>(handler: (message: T) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    const data = event.data as unknown;
    if (data && typeof data === 'object' && typeof (data as { type?: unknown }).type === 'string') handler(data as T);
  });
}

/** Persisted UI state (survives hiding the panel and VS Code restarts via the panel serializer): check it before use. */
export function getState(): unknown {
  return api.getState();
}

export function setState<S>(state: S): void {
  api.setState(state);
}

/** Tells the host the script is listening; the host answers with the panel's full state. */
export function ready(): void {
  api.postMessage({ type: 'ready' });
}
