import { runExample } from './run-example.js';

runExample();
