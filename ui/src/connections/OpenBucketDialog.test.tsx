import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { fail, installBackend } from "../test/backend";
import { connection, uiError } from "../test/fixtures";
import { OpenBucketDialog } from "./OpenBucketDialog";

describe("OpenBucketDialog", () => {
  it("shows the engine's refusal of a bucket name under the field, and opens a good one", async () => {
    const user = userEvent.setup();
    const work = connection({ id: "w", name: "Work" });
    const onOpened = vi.fn();
    const calls = installBackend({
      add_bucket: (args) => {
        if (args.bucket === "My Bucket")
          fail(uiError("invalidInput", "“My Bucket” is not a valid bucket name: use only lowercase letters."));
        return { ...work, pinnedBuckets: [args.bucket as string] };
      },
    });
    render(<OpenBucketDialog connection={work} onOpened={onOpened} onCancel={vi.fn()} />);
    const input = screen.getByTestId("open-bucket-input");
    await user.type(input, " My Bucket ");
    await user.click(screen.getByTestId("open-bucket-confirm"));
    expect(await screen.findByTestId("field-error")).toHaveTextContent("“My Bucket” is not a valid bucket name");
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(onOpened).not.toHaveBeenCalled();

    await user.clear(input);
    await user.type(input, "team-share");
    await user.click(screen.getByTestId("open-bucket-confirm"));
    await waitFor(() => expect(onOpened).toHaveBeenCalledWith(expect.objectContaining({ id: "w" }), "team-share"));
    expect(calls.map((c) => c.args.bucket)).toEqual(["My Bucket", "team-share"]);
  });
});
