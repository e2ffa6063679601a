import type { ErrorCode } from "../bindings";

/** Codes where the fix is in the connection's settings: offer "Edit connection". */
export const CREDENTIAL_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "invalidAccessKeyId",
  "signatureMismatch",
  "expiredCredentials",
  "missingCredentials",
]);

export function isCredentialError(code: ErrorCode): boolean {
  return CREDENTIAL_CODES.has(code);
}
