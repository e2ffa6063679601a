import { Fragment, memo } from "react";
import { ChevronRight, Database } from "lucide-react";
import { displayName } from "../lib/format";
import { breadcrumbs } from "./location";

type Props = { bucket: string; prefix: string; onNavigate: (prefix: string) => void };

export const Breadcrumbs = memo(function Breadcrumbs({ bucket, prefix, onNavigate }: Props) {
  const crumbs = breadcrumbs(bucket, prefix);
  return (
    <nav className="breadcrumbs" data-testid="breadcrumbs" aria-label="Folder path">
      {crumbs.map((c, i) => {
        const last = i === crumbs.length - 1;
        return (
          <Fragment key={c.prefix}>
            {i > 0 && <ChevronRight size={12} className="crumb-sep" aria-hidden />}
            <button
              type="button"
              className={last ? "crumb current" : "crumb"}
              data-testid="breadcrumb"
              data-prefix={c.prefix}
              aria-current={last ? "location" : undefined}
              title={i === 0 ? `Bucket ${c.label}` : c.prefix}
              onClick={() => onNavigate(c.prefix)}
            >
              {i === 0 && <Database size={13} aria-hidden />}
              <span>{displayName(c.label)}</span>
            </button>
          </Fragment>
        );
      })}
    </nav>
  );
});
