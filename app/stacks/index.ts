export * from './baseline-stack';
export * from './network-stack';
export * from './data-stack';
export * from './identity-stack';
export * from './api-stack';
