export * from './catalog';
export * from './database';
export * from './migrator';
export type * from './schema';
export * from './open';
export * from './batches';
export * from './paging';
