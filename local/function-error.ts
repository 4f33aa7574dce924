/** A function that threw, as the local system reports it: its `errorMessage` decides what API Gateway makes of it. */
export class FunctionError extends Error {
  constructor(readonly functionId: string, readonly errorName: string, readonly errorMessage: string) {
    super(`${functionId} threw ${errorName}: ${errorMessage}`);
  }
}
