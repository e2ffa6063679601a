import { LoaderCircle } from "lucide-react";

export function Spinner({ size = 14, label }: { size?: number; label?: string }) {
  return (
    <span className="spinner" role="status">
      <LoaderCircle size={size} className="spin" aria-hidden />
      {label && <span>{label}</span>}
    </span>
  );
}
