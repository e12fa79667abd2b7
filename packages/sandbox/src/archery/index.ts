export type { ArcheryCheckMatch, ArcheryCheckVerdict } from './archery-check-rules.js';
export * from './archery-refusal.js';
export * from './archery-seed.js';
export type { ArcherySimState } from './archery-sim-state.js';
export * from './archery-simulator.js';
export type { ArcheryReviewRow } from './archery-sql-review.js';
export type { ArcherySimStatus } from './archery-work-order-book.js';
export { defaultReviewEngineFailure } from './archery-work-order-book.js';
