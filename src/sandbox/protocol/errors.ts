/** An error the sandbox answers in AWS's wire shape for the protocol at hand. */
export class AwsError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = 'AwsError';
    this.code = code;
    this.status = status;
  }
}

export function invalidParameter(message: string, code = 'InvalidParameterException'): AwsError {
  return new AwsError(code, message, 400);
}
