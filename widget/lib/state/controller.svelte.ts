// State of one widget mount, and the public API object (window.Balie) that drives it.
import { translator, type WidgetLang } from '../i18n/index.ts';

export type WidgetEvent = 'open' | 'close';

export interface WidgetApi {
  open(): void;
  close(): void;
  on(event: WidgetEvent, listener: () => void): () => void;
}

export interface WidgetOptions {
  baseUrl: string;
  lang: WidgetLang;
  position: 'left' | 'right';
}

export class WidgetController {
  isOpen = $state(false);
  readonly options: WidgetOptions;
  readonly t: ReturnType<typeof translator>;
  private listeners = new Map<WidgetEvent, Set<() => void>>();

  constructor(options: WidgetOptions) {
    this.options = options;
    this.t = translator(options.lang);
  }

  open() {
    if (this.isOpen) return;
    this.isOpen = true;
    this.emit('open');
  }

  close() {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.emit('close');
  }

  private emit(event: WidgetEvent) {
    for (const listener of this.listeners.get(event) ?? []) listener();
  }

  /** The documented page API: window.Balie.open(), .close(), .on('open' | 'close', fn). */
  readonly api: WidgetApi = Object.freeze({
    open: () => this.open(),
    close: () => this.close(),
    on: (event: WidgetEvent, listener: () => void) => {
      const set = this.listeners.get(event) ?? new Set();
      set.add(listener);
      this.listeners.set(event, set);
      return () => set.delete(listener);
    },
  });
}
