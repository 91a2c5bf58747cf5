/**
 * Libraries never write to stdout/stderr (DESIGN.md §3.9); they report progress and warnings as events
 * to an optional sink that the CLI (or an embedding program) renders.
 */
export type TollgateEvent =
  | { type: 'warning'; message: string; code?: string; path?: string; layer?: number }
  | { type: 'debug'; message: string }
  | { type: 'layer-start'; index: number; total: number; digest?: string; size?: number; cached: boolean }
  | { type: 'layer-progress'; index: number; bytes: number; size?: number }
  | { type: 'layer-done'; index: number; cached: boolean; files: number }
  | { type: 'http-retry'; url: string; attempt: number; delayMs: number; reason: string };

export type EventSink = (event: TollgateEvent) => void;

export const silentSink: EventSink = () => {};
