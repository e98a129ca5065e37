/** The console bundle's entry (built by scripts/build-console.mjs into dist/console/app.js): draws the app into #app. */
import { html, render } from 'htm/preact';
import { ConsoleApp } from './console-app.js';

const root = document.getElementById('app');
if (root !== null) render(html`<${ConsoleApp} />`, root);
