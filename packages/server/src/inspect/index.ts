export * from './inspector-socket.js';
export * from './release-inspection.js';
export * from './release-inspector.js';
