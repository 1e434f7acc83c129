/** Thrown when the cluster's services do not come up: which one failed, with what they printed last. */
export class ClusterStartError extends Error {
  constructor(
    message: string,
    readonly output: string,
    options?: { cause?: unknown },
  ) {
    super(output ? `${message}\n${output}` : message, options);
    this.name = 'ClusterStartError';
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
