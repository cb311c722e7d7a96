// Builds the two browser bundles and configures the test runner.
//   vite build --mode inbox   → dist/inbox/  (the agents' single-page app, served at /)
//   vite build --mode widget  → dist/widget/widget.js (one embeddable file, served at /widget.js)
import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig(({ mode }) => {
  const widget = mode === 'widget';
  return {
    plugins: [
      svelte({
        configFile: false,
        // The widget lives in a shadow root: its CSS must travel inside the script and be
        // attached to that root, never to the host page's <head>. It also must not put
        // Svelte's version marker (window.__svelte) on someone else's page.
        compilerOptions: widget ? { css: 'injected', discloseVersion: false } : {},
      }),
    ],
    root: widget ? 'widget' : 'inbox',
    publicDir: false,
    build: widget
      ? {
          outDir: '../dist/widget',
          emptyOutDir: true,
          target: 'es2020',
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
      globalSetup: ['test/support/global-setup.ts'],
      projects: [
        {
          extends: true,
          test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/**/*.int.test.ts', 'test/**/*.e2e.test.ts'] },
        },
        {
          extends: true,
          test: { name: 'integration', include: ['test/**/*.int.test.ts'], testTimeout: 30_000, hookTimeout: 60_000 },
        },
        {
          extends: true,
          test: { name: 'e2e', include: ['test/**/*.e2e.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
        },
      ],
    },
  };
});
