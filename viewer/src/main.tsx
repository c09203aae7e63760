// Entry point: reads the boot data `mlf view` / `mlf report` put in the page and renders the app.
import { render } from 'preact';
import { App } from './app.js';
import { readBoot } from './session.js';

const root = document.getElementById('app');
if (root !== null) render(<App boot={readBoot(document)} />, root);
