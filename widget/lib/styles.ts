// The widget's compiled CSS. The build (vite.config.ts, cssIntoScript) replaces this placeholder
// with the Svelte components' CSS; main.ts attaches it to the shadow root as a constructable
// stylesheet, so a host page's CSP needs no 'unsafe-inline' in style-src.
export const WIDGET_CSS: string = '__BALIE_WIDGET_CSS__';
