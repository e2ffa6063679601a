// Copy text to the clipboard. navigator.clipboard needs a secure context, which a webview's custom
// scheme may not be; fall back to the old execCommand route.

export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && typeof navigator.clipboard.writeText === "function") {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through
  }
  try {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    return ok;
  } catch {
    return false;
  }
}

/**
 * Copies text that is still being made (a link being signed). WebKit lets a page write the
 * clipboard only while it handles the click, so where ClipboardItem exists the promise is handed
 * over at once and the text follows; elsewhere the text is copied once it is there.
 */
export async function copyTextLater(text: Promise<string>): Promise<boolean> {
  if (typeof ClipboardItem !== "undefined" && typeof navigator.clipboard?.write === "function") {
    try {
      const blob = text.then((t) => new Blob([t], { type: "text/plain" }));
      await navigator.clipboard.write([new ClipboardItem({ "text/plain": blob })]);
      return true;
    } catch {
      // fall through
    }
  }
  try {
    return await copyText(await text);
  } catch {
    return false;
  }
}
