export * from './steps';
export * from './state';
export * from './rollup';
export * from './eta';
export { RunProgress } from './run-progress';
export * from './weights';
export { ProgressThrottle } from './throttle';
export { stepsPickedUp, type PendingActivityFact } from './picked-up';
export * from './batch';
