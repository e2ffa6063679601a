import { afterEach, describe, expect, it, vi } from "vitest";
import { copyText, copyTextLater } from "./clipboard";

function setClipboard(value: unknown) {
  Object.defineProperty(navigator, "clipboard", { configurable: true, value });
}

afterEach(() => {
  vi.unstubAllGlobals();
  setClipboard(undefined);
});

describe("copyTextLater", () => {
  it("hands the clipboard a promise at once where ClipboardItem exists (WebKit needs the click)", async () => {
    const items: { data: Record<string, Promise<Blob>> }[] = [];
    vi.stubGlobal(
      "ClipboardItem",
      class {
        constructor(public data: Record<string, Promise<Blob>>) {
          items.push(this);
        }
      },
    );
    const write = vi.fn().mockResolvedValue(undefined);
    setClipboard({ write, writeText: vi.fn() });
    let resolve: (s: string) => void = () => {};
    const done = copyTextLater(new Promise<string>((r) => (resolve = r)));
    // Written before the text exists.
    expect(write).toHaveBeenCalledTimes(1);
    resolve("https://example/link");
    expect(await done).toBe(true);
    const blob = await items[0]!.data["text/plain"]!;
    expect(blob.type).toBe("text/plain");
    expect(blob.size).toBe("https://example/link".length);
  });

  it("copies the text once it is there without ClipboardItem, and says false when it never comes", async () => {
    const writeText = vi.fn().mockResolvedValue(undefined);
    setClipboard({ writeText });
    expect(await copyTextLater(Promise.resolve("abc"))).toBe(true);
    expect(writeText).toHaveBeenCalledWith("abc");
    expect(await copyTextLater(Promise.reject(new Error("no link")))).toBe(false);
  });

  it("falls back to execCommand when the clipboard API refuses", async () => {
    setClipboard({ writeText: vi.fn().mockRejectedValue(new Error("denied")) });
    document.execCommand = vi.fn().mockReturnValue(true);
    expect(await copyText("x")).toBe(true);
    expect(document.execCommand).toHaveBeenCalledWith("copy");
  });
});
