/** Codes for everything that can go wrong while building or running the test control plane. */
export type TestEnvErrorCode =
  | 'TESTENV_GO_MISSING'
  | 'TESTENV_BUILD_FAILED'
  | 'TESTENV_BINARY_BROKEN'
  | 'TESTENV_PROCESS_EXITED'
  | 'TESTENV_NOT_READY'
  | 'TESTENV_NO_CLUSTER'
  | 'TESTENV_COMMAND_FAILED';

/** An error from the test environment, with a code to assert on and a hint for the person reading it. */
export class TestEnvError extends Error {
  override readonly name = 'TestEnvError';

  constructor(
    readonly code: TestEnvErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(hint ? `${message}\nhint: ${hint}` : message);
  }
}
