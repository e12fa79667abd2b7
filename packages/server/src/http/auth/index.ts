export * from './event-permissions.js';
export * from './install-people-auth.js';
export * from './jira-sign-in.js';
export * from './people-auth.js';
export * from './person.js';
export * from './person-token-book.js';
export * from './session-cookies.js';
export * from './session-store.js';
