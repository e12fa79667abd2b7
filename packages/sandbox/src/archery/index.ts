export * from './archery-refusal.js';
export * from './archery-seed.js';
export * from './archery-simulator.js';
export type { ArcherySimStatus } from './archery-work-order-book.js';
