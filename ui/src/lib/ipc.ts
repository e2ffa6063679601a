// Thin helpers around the generated commands: a thrown exception (IPC bridge missing, a bug in
// the glue) becomes a UiError like any other, so no screen is ever left blank by a rejection.
import type { UiError } from "../bindings";

/** The shape the generated bindings resolve to for commands that can fail. */
export type Result<T, E> = { status: "ok"; data: T } | { status: "error"; error: E };

export function internalError(e: unknown): UiError {
  const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return {
    code: "internal",
    message: "Pail could not talk to its background service. Try again, or restart Pail.",
    detail,
  };
}

/** Await a Result-returning command; a thrown error becomes {status:"error", code:"internal"}. */
export async function call<T>(p: Promise<Result<T, UiError>>): Promise<Result<T, UiError>> {
  try {
    return await p;
  } catch (e) {
    return { status: "error", error: internalError(e) };
  }
}

/** Await a command that cannot fail in the backend (listPresets, demoStatus, ...). */
export async function callPlain<T>(p: Promise<T>): Promise<Result<T, UiError>> {
  try {
    return { status: "ok", data: await p };
  } catch (e) {
    return { status: "error", error: internalError(e) };
  }
}
