export * from './chat-signatures.js';
export * from './dingtalk-robot.js';
export * from './feishu-robot.js';
export * from './json-webhook.js';
export * from './robot-endpoint.js';
export * from './wecom-robot.js';
