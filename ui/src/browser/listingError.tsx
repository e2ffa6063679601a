import type { ReactNode } from "react";
import type { UiError } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";

/** The folder view's own props: retry is a refresh. */
type Handlers = {
  onRefresh: () => void;
  onEditConnection: () => void;
  /** A bucket that no longer exists is left: back where we came from, or closed. */
  canBack: boolean;
  onBack: () => void;
  onLeaveBucket: () => void;
};

/**
 * Where the listing's error goes: with nothing listed (or the bucket gone) it is the whole story
 * (`errorOnly`), shown large in place of the list; otherwise above the rows that did arrive.
 */
export function listingError(
  error: UiError | null,
  listed: number,
  h: Handlers,
): { errorOnly: boolean; notice: ReactNode } {
  const bucketGone = error?.code === "noSuchBucket";
  const errorOnly = error !== null && (bucketGone || listed === 0);
  const notice = error && (
    <div className={errorOnly ? "list-error big" : "list-error"}>
      <ErrorNotice
        error={error}
        onRetry={h.onRefresh}
        onEditConnection={h.onEditConnection}
        actions={
          bucketGone
            ? [
                h.canBack
                  ? { label: "Go back", onClick: h.onBack, testId: "error-go-back" }
                  : { label: "Close this bucket", onClick: h.onLeaveBucket, testId: "error-leave-bucket" },
              ]
            : []
        }
      />
    </div>
  );
  return { errorOnly, notice };
}
