// The embeddable widget: one <script src=".../widget.js" async> on a gemeente page.
// Everything lives in an open shadow root on one host element; the only global is window.Balie.
// Script tag attributes: data-lang="nl|en" (default: the page's <html lang>), data-position="right|left",
// data-color="#154273" (the brand colour; see Widget.svelte for the CSS custom properties), data-title.
import { mount } from 'svelte';
import Widget from './lib/components/Widget.svelte';
import { WidgetController, type WidgetApi } from './lib/state/controller.svelte.ts';
import { pickLang } from './lib/i18n/index.ts';
import { WIDGET_CSS } from './lib/styles.ts';

declare global {
  interface Window {
    Balie?: WidgetApi;
  }
}

function start(script: HTMLScriptElement | null) {
  if (window.Balie) return; // included twice: keep the first
  const dataset = script?.dataset ?? {};
  const baseUrl = new URL(script?.src ?? '/widget.js', location.href).origin;
  // A custom element name no page selector targets by accident; inline !important declarations
  // win over the page's own !important rules (set through CSSOM, so no CSP 'unsafe-inline' needed).
  const host = document.createElement('balie-widget');
  host.style.setProperty('all', 'initial', 'important');
  host.style.setProperty('display', 'block', 'important');
  const root = host.attachShadow({ mode: 'open' });
  // A constructable stylesheet, not a <style> element: allowed under a host CSP without
  // 'unsafe-inline' in style-src, and it styles nothing outside this shadow root.
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(WIDGET_CSS);
  root.adoptedStyleSheets = [sheet];
  document.body.append(host);

  const controller = new WidgetController({
    baseUrl,
    lang: pickLang(dataset.lang, document.documentElement.lang),
    position: dataset.position === 'left' ? 'left' : 'right',
    title: dataset.title,
  });
  if (dataset.color) host.style.setProperty('--balie-brand', dataset.color);
  mount(Widget, { target: root, props: { controller } });
  window.Balie = controller.api;
}

// document.currentScript is only set while this script first runs, async or not.
const script = document.currentScript as HTMLScriptElement | null;
if (document.body) start(script);
else document.addEventListener('DOMContentLoaded', () => start(script), { once: true });
