import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { uiError } from "../test/fixtures";
import { ErrorNotice } from "./ErrorNotice";

describe("ErrorNotice", () => {
  it("shows the sentence and reveals the detail on request", async () => {
    const user = userEvent.setup();
    render(
      <ErrorNotice
        error={uiError("timeout", "The server took too long to answer.", "operation timed out after 30s")}
      />,
    );
    expect(screen.getByTestId("error-banner")).toHaveTextContent("The server took too long to answer.");
    expect(screen.queryByTestId("error-detail")).toBeNull();
    await user.click(screen.getByTestId("error-detail-toggle"));
    expect(screen.getByTestId("error-detail")).toHaveTextContent("operation timed out after 30s");
    expect(screen.getByTestId("error-detail-copy")).toBeInTheDocument();
    await user.click(screen.getByTestId("error-detail-toggle"));
    expect(screen.queryByTestId("error-detail")).toBeNull();
  });

  it("offers Edit connection only for credential problems", () => {
    const onEdit = vi.fn();
    const { rerender } = render(<ErrorNotice error={uiError("signatureMismatch")} onEditConnection={onEdit} />);
    expect(screen.getByTestId("error-edit-connection")).toBeInTheDocument();
    for (const code of ["invalidAccessKeyId", "expiredCredentials", "missingCredentials"] as const) {
      rerender(<ErrorNotice error={uiError(code)} onEditConnection={onEdit} />);
      expect(screen.getByTestId("error-edit-connection")).toBeInTheDocument();
    }
    rerender(<ErrorNotice error={uiError("endpointUnreachable")} onEditConnection={onEdit} />);
    expect(screen.queryByTestId("error-edit-connection")).toBeNull();
  });

  it("runs retry and extra actions", async () => {
    const user = userEvent.setup();
    const onRetry = vi.fn();
    const onBack = vi.fn();
    render(
      <ErrorNotice
        error={uiError("server")}
        onRetry={onRetry}
        actions={[{ label: "Go back", onClick: onBack, testId: "back" }]}
      />,
    );
    await user.click(screen.getByTestId("error-retry"));
    await user.click(screen.getByTestId("back"));
    expect(onRetry).toHaveBeenCalledOnce();
    expect(onBack).toHaveBeenCalledOnce();
  });

  it("copies message, code and detail", async () => {
    const user = userEvent.setup();
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, "clipboard", { configurable: true, value: { writeText } });
    render(<ErrorNotice error={uiError("tls", "The certificate is not trusted.", "invalid peer certificate")} />);
    await user.click(screen.getByTestId("error-detail-toggle"));
    await user.click(screen.getByTestId("error-detail-copy"));
    expect(writeText).toHaveBeenCalledWith("The certificate is not trusted.\ntls: invalid peer certificate");
    expect(await screen.findByText("Copied")).toBeInTheDocument();
  });
});
