/** Which optional columns the file list shows; remembered across starts. */

const STORAGE_CLASS_KEY = "pail.columns.storageClass";

/** Whether the Storage class column is shown: off unless the user turned it on. */
export function loadShowStorageClass(storage: Pick<Storage, "getItem"> | null): boolean {
  return storage?.getItem(STORAGE_CLASS_KEY) === "shown";
}

/** Remembers the Storage class column's choice. */
export function saveShowStorageClass(storage: Pick<Storage, "setItem"> | null, shown: boolean): void {
  try {
    storage?.setItem(STORAGE_CLASS_KEY, shown ? "shown" : "hidden");
  } catch {
    // Storage refused: the choice lasts until the window closes.
  }
}

/** The browser's local storage, or null where it cannot be used. */
export function localStore(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
