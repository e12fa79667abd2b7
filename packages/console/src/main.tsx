/** The console's entry point: render the app into #app. */
import { render } from 'preact';
import { App } from './app.js';
import { initialLanguage } from './i18n/language.js';
import './styles.css';

const root = document.getElementById('app');
if (root !== null) render(<App initialLanguage={initialLanguage()} />, root);
