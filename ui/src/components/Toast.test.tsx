import { act, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ToastRegion } from "./Toast";

const toast = { id: 1, text: "Uploaded 3 items", failed: false };

describe("ToastRegion", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("is a polite live region that is there before any message, and never takes the focus", () => {
    const before = document.createElement("button");
    document.body.append(before);
    before.focus();
    const { rerender } = render(<ToastRegion toast={null} onShow={() => {}} onClose={() => {}} />);
    const region = screen.getByTestId("toast-region");
    expect(region).toHaveAttribute("role", "status");
    expect(region).toHaveAttribute("aria-live", "polite");
    expect(region).toBeEmptyDOMElement();
    rerender(<ToastRegion toast={toast} onShow={() => {}} onClose={() => {}} />);
    expect(screen.getByTestId("toast")).toHaveTextContent("Uploaded 3 items");
    expect(region).toContainElement(screen.getByTestId("toast"));
    expect(before).toHaveFocus();
    before.remove();
  });

  it("goes away by itself after about six seconds, but not while the pointer is on it", () => {
    const onClose = vi.fn();
    render(<ToastRegion toast={toast} onShow={() => {}} onClose={onClose} />);
    act(() => vi.advanceTimersByTime(5000));
    fireEvent.mouseEnter(screen.getByTestId("toast"));
    act(() => vi.advanceTimersByTime(10_000));
    expect(onClose).not.toHaveBeenCalled();
    fireEvent.mouseLeave(screen.getByTestId("toast"));
    act(() => vi.advanceTimersByTime(5900));
    expect(onClose).not.toHaveBeenCalled();
    act(() => vi.advanceTimersByTime(200));
    expect(onClose).toHaveBeenCalledWith(1);
  });

  it("gives the keyboard back to where it was when closed from inside", () => {
    const list = document.createElement("div");
    list.tabIndex = 0;
    document.body.append(list);
    list.focus();
    const onClose = vi.fn();
    render(<ToastRegion toast={toast} onShow={() => {}} onClose={onClose} />);
    act(() => screen.getByTestId("toast-close").focus());
    fireEvent.click(screen.getByTestId("toast-close"));
    expect(onClose).toHaveBeenCalledWith(1);
    expect(list).toHaveFocus();
    list.remove();
  });

  it("stays while the focus is in it, and closes with its button or Escape", () => {
    const onClose = vi.fn();
    const onShow = vi.fn();
    const { rerender } = render(<ToastRegion toast={toast} onShow={onShow} onClose={onClose} />);
    act(() => screen.getByTestId("toast-show").focus());
    act(() => vi.advanceTimersByTime(20_000));
    expect(onClose).not.toHaveBeenCalled();
    fireEvent.click(screen.getByTestId("toast-show"));
    expect(onShow).toHaveBeenCalledWith(1);
    fireEvent.keyDown(screen.getByTestId("toast-show"), { key: "Escape" });
    expect(onClose).toHaveBeenLastCalledWith(1);
    // A new message starts its own time, whatever held the last one.
    rerender(<ToastRegion toast={{ id: 2, text: "2 of 5 uploads failed", failed: true }} onShow={onShow} onClose={onClose} />);
    expect(screen.getByTestId("toast")).toHaveClass("failed");
    fireEvent.click(screen.getByTestId("toast-close"));
    expect(onClose).toHaveBeenLastCalledWith(2);
  });
});
