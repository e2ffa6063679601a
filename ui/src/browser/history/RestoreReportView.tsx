import type { RestoreReport } from "../../bindings";
import { plural } from "../../lib/format";

/** What a restore did, in words: counts, then each file left alone or failed with the reason. */
export function RestoreReportView({ report, undoHint }: { report: RestoreReport; undoHint: boolean }) {
  const done = report.restored.length + report.removed.length;
  const parts: string[] = [];
  if (report.restored.length > 0) parts.push(`brought back ${plural(report.restored.length, "file")}`);
  if (report.removed.length > 0) parts.push(`removed ${plural(report.removed.length, "file")} added since`);
  const problems = [...report.left, ...report.failed];
  return (
    <div className="restore-report" data-testid="restore-report" data-restored={report.restored.length} data-removed={report.removed.length}>
      <p>{done === 0 ? "Nothing needed to change." : `Done: ${parts.join(", ")}.`}</p>
      {undoHint && done > 0 && (
        <p className="muted">Nothing was deleted for good: this restore is one more moment in the history, and can be undone the same way.</p>
      )}
      {problems.length > 0 && (
        <>
          <p className="notice warn">{plural(problems.length, "file was", "files were")} left as they are:</p>
          <ul className="restore-problems" data-testid="restore-problems">
            {problems.map((p) => (
              <li key={p.key}>
                <strong>{p.key}</strong> — {p.reason}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
