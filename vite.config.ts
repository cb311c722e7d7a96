// Builds the two browser bundles and configures the test runner.
//   vite build --mode inbox   → dist/inbox/  (the agents' single-page app, served at /)
//   vite build --mode widget  → dist/widget/widget.js (one embeddable file, served at /widget.js)
import { defineConfig, type Plugin } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

/** The placeholder widget/lib/styles.ts exports; the build puts the widget's CSS in its place. */
const WIDGET_CSS_PLACEHOLDER = '__BALIE_WIDGET_CSS__';

/** Replaces a quoted placeholder string in the bundle's chunks; fails the build when it is missing. */
function replacePlaceholder(bundle: Record<string, { type: string; code?: string }>, placeholder: string, value: string): boolean {
  const pattern = new RegExp(`(["'\`])${placeholder}\\1`);
  let placed = false;
  for (const item of Object.values(bundle)) {
    if (item.type !== 'chunk' || !item.code || !pattern.test(item.code)) continue;
    item.code = item.code.replace(pattern, () => JSON.stringify(value));
    placed = true;
  }
  return placed;
}

/**
 * Moves the widget's compiled CSS into its script as a string, which main.ts attaches to the shadow
 * root as a constructable stylesheet. A <style> element would need 'unsafe-inline' in the host
 * page's style-src; a separate .css file would be a second request and a second CSP source.
 */
function cssIntoScript(): Plugin {
  return {
    name: 'balie:widget-css-into-script',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const sheets = Object.values(bundle).filter((item) => item.type === 'asset' && item.fileName.endsWith('.css'));
      const css = sheets.map((sheet) => (sheet.type === 'asset' ? String(sheet.source) : '')).join('\n');
      if (!replacePlaceholder(bundle, WIDGET_CSS_PLACEHOLDER, css)) this.error('the widget CSS placeholder is missing from the bundle');
      for (const sheet of sheets) delete bundle[sheet.fileName];
    },
  };
}

export default defineConfig(({ mode }) => {
  const widget = mode === 'widget';
  return {
    plugins: [
      svelte({
        configFile: false,
        // The widget lives in a shadow root: its CSS travels inside the script (cssIntoScript)
        // and is adopted by that root, never added to the host page's <head>. It also must not
        // put Svelte's version marker (window.__svelte) on someone else's page.
        compilerOptions: widget ? { css: 'external', discloseVersion: false } : {},
      }),
      ...(widget ? [cssIntoScript()] : []),
    ],
    root: widget ? 'widget' : 'inbox',
    publicDir: false,
    build: widget
      ? {
          outDir: '../dist/widget',
          emptyOutDir: true,
          target: 'es2022',
          lib: {
            entry: 'main.ts',
            formats: ['iife'],
            name: 'BalieWidget',
            fileName: () => 'widget.js',
          },
        }
      : {
          outDir: '../dist/inbox',
          emptyOutDir: true,
          target: 'es2022',
        },
    test: {
      root: '.',
      // Vitest's default on this two-core machine is one file at a time, and most of the suite
      // waits on real servers (PostgreSQL, Dovecot, SMTP, Chromium) rather than computing: three
      // files side by side. Tests wait on progress, not fixed sleeps, so they hold under the load.
      maxWorkers: 3,
      projects: [
        {
          // Pure code: no PostgreSQL is started for these.
          extends: true,
          test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/**/*.int.test.ts', 'test/**/*.e2e.test.ts', 'test/**/*.latency.test.ts'] },
        },
        {
          // One real PostgreSQL for the run (shared with e2e); each file clones its own database.
          extends: true,
          test: {
            name: 'integration',
            include: ['test/**/*.int.test.ts'],
            globalSetup: ['test/support/global-setup.ts'],
            testTimeout: 60_000,
            hookTimeout: 120_000,
          },
        },
        {
          // Answer times an issue demands, run after the rest with nothing beside them (scripts/test.mjs).
          extends: true,
          test: {
            name: 'latency',
            include: ['test/**/*.latency.test.ts'],
            globalSetup: ['test/support/global-setup.ts'],
            fileParallelism: false,
            testTimeout: 600_000,
            hookTimeout: 180_000,
          },
        },
        {
          extends: true,
          test: {
            name: 'e2e',
            include: ['test/**/*.e2e.test.ts'],
            globalSetup: ['test/support/global-setup.ts'],
            testTimeout: 120_000,
            hookTimeout: 120_000,
          },
        },
      ],
    },
  };
});
