// Which bucket folder the add-pair flow's picker stands for: pure, so the rules are tested alone.

/** Where the picker is: the folder listed, the row selected in it, and a new name being typed. */
export type PickerState = { at: string; selected: string | null; newName: string | null };

/** The folder above `prefix` ("a/b/" → "a/"), or null at the top of the bucket. */
export function parentPrefix(prefix: string): string | null {
  return prefix === "" ? null : prefix.replace(/[^/]*\/$/, "");
}

/**
 * The bucket folder the pair would sync with: a name being typed wins (so it is not lost when
 * Next comes before Create), then the selected row, then the folder being listed.
 */
export function chosenPrefix({ at, selected, newName }: PickerState): string {
  const typed = (newName ?? "").trim().replace(/^\/+|\/+$/g, "");
  if (typed !== "") return `${at}${typed}/`;
  return selected ?? at;
}
