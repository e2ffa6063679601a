import { useCallback, useEffect, useMemo, useState } from "react";
import { Database } from "lucide-react";
import { commands, type Connection, type UiError } from "./bindings";
import { Browser } from "./browser/Browser";
import * as hist from "./browser/history";
import type { Location } from "./browser/location";
import { ConfirmDialog } from "./components/ConfirmDialog";
import { ErrorNotice } from "./components/ErrorNotice";
import { Hint } from "./components/Hint";
import { Spinner } from "./components/Spinner";
import { ToastRegion } from "./components/Toast";
import { ConnectionForm } from "./connections/ConnectionForm";
import { ImportDialog } from "./connections/ImportDialog";
import { OpenBucketDialog } from "./connections/OpenBucketDialog";
import { SidebarResizer } from "./layout/SidebarResizer";
import { loadSidebarWidth, saveSidebarWidth } from "./layout/sidebarWidth";
import { Sidebar, type View } from "./connections/Sidebar";
import { call } from "./lib/ipc";
import { SettingsView } from "./settings/SettingsView";
import { PairsStore } from "./sync/pairsStore";
import { SyncView } from "./sync/SyncView";
import { TransfersView } from "./transfers/TransfersView";
import { useTransferFeedback } from "./transfers/useTransferFeedback";
import { useTransfers } from "./transfers/useTransfers";
import { Welcome } from "./welcome/Welcome";

type Dialog =
  | { kind: "form"; connection: Connection | null }
  | { kind: "import" }
  | { kind: "remove"; connection: Connection }
  | { kind: "openBucket"; connection: Connection };

type Connections = { status: "loading" } | { status: "error"; error: UiError } | { status: "ok"; list: Connection[] };

/** The tip shown in the sample bucket the demo store opens with. */
const DEMO_HINT = "This is a sample bucket. Drop files here or click Upload to add your own.";

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function replaceOrAdd(list: Connection[], conn: Connection): Connection[] {
  const i = list.findIndex((c) => c.id === conn.id);
  if (i < 0) return [...list, conn];
  const next = list.slice();
  next[i] = conn;
  return next;
}

export function App() {
  const [conns, setConns] = useState<Connections>({ status: "loading" });
  const [loadAttempt, setLoadAttempt] = useState(0);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [history, setHistory] = useState<hist.History>(hist.emptyHistory);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [bucketsVersion, setBucketsVersion] = useState<Readonly<Record<string, number>>>({});
  const [view, setView] = useState<View>("browser");
  const [pairs] = useState(() => new PairsStore());
  const transfers = useTransfers();
  const [sidebarWidth, setSidebarWidth] = useState(() => loadSidebarWidth(storage(), window.innerWidth));
  // A tip for one bucket, shown while that bucket is open.
  const [hint, setHint] = useState<{ connectionId: string; bucket: string; text: string } | null>(null);

  useEffect(() => {
    let live = true;
    void call(commands.listConnections()).then((r) => {
      if (!live) return;
      setConns(r.status === "ok" ? { status: "ok", list: r.data } : { status: "error", error: r.error });
    });
    return () => {
      live = false;
    };
  }, [loadAttempt]);

  const list = useMemo(() => (conns.status === "ok" ? conns.list : []), [conns]);
  const location = hist.current(history);
  const feedback = useTransferFeedback(transfers.list, transfers.ready, view === "browser" ? location : null);

  const updateList = useCallback((f: (l: Connection[]) => Connection[]) => {
    setConns((c) => (c.status === "ok" ? { status: "ok", list: f(c.list) } : c));
  }, []);

  const expand = useCallback((id: string) => setExpanded((s) => new Set(s).add(id)), []);
  const bumpBuckets = useCallback((id: string) => setBucketsVersion((v) => ({ ...v, [id]: (v[id] ?? 0) + 1 })), []);
  const navigate = useCallback((loc: Location) => {
    setView("browser");
    setHistory((h) => hist.visit(h, loc));
  }, []);

  const actions = useMemo(
    () => ({
      onToggle: (id: string) =>
        setExpanded((s) => {
          const next = new Set(s);
          if (next.has(id)) next.delete(id);
          else next.add(id);
          return next;
        }),
      onOpenBucket: (conn: Connection, bucket: string) => navigate({ connectionId: conn.id, bucket, prefix: "" }),
      onEdit: (conn: Connection) => setDialog({ kind: "form", connection: conn }),
      onRemove: (conn: Connection) => setDialog({ kind: "remove", connection: conn }),
      onRenamed: (conn: Connection) => updateList((l) => replaceOrAdd(l, conn)),
      onOpenByName: (conn: Connection) => setDialog({ kind: "openBucket", connection: conn }),
    }),
    [navigate, updateList],
  );

  const onAdd = useCallback(() => setDialog({ kind: "form", connection: null }), []);
  const onImport = useCallback(() => setDialog({ kind: "import" }), []);
  const closeDialog = useCallback(() => setDialog(null), []);

  function onSaved(conn: Connection) {
    updateList((l) => replaceOrAdd(l, conn));
    expand(conn.id);
    bumpBuckets(conn.id);
    setDialog(null);
  }

  function onImported(imported: Connection[]) {
    updateList((l) => imported.reduce(replaceOrAdd, l));
    if (imported[0]) expand(imported[0].id);
    setDialog(null);
  }

  async function remove(conn: Connection): Promise<UiError | null> {
    const r = await call(commands.deleteConnection(conn.id));
    if (r.status === "error") return r.error;
    updateList((l) => l.filter((c) => c.id !== conn.id));
    setHistory((h) => hist.forget(h, (loc) => loc.connectionId === conn.id));
    setExpanded((s) => {
      const next = new Set(s);
      next.delete(conn.id);
      return next;
    });
    setDialog(null);
    return null;
  }

  function editConnectionById(id: string) {
    const conn = list.find((c) => c.id === id);
    if (conn && conn.provider !== "demo") setDialog({ kind: "form", connection: conn });
  }

  /** A toast's Show: the folder its uploads went into, with them selected, or the Transfers view. */
  function showToast(id: number) {
    const toast = feedback.toast;
    feedback.dismiss(id);
    if (toast?.id !== id) return;
    if (toast.show.kind === "folder") {
      navigate(toast.show.location);
      feedback.showFolder(toast.show.location, toast.show.keys);
    } else {
      setView("transfers");
    }
  }

  let main;
  if (conns.status === "loading") {
    main = (
      <main className="center-screen">
        <Spinner label="Starting Pail…" />
      </main>
    );
  } else if (conns.status === "error") {
    main = (
      <main className="center-screen">
        <div className="center-card">
          <ErrorNotice
            error={conns.error}
            onRetry={() => {
              setConns({ status: "loading" });
              setLoadAttempt((a) => a + 1);
            }}
          />
        </div>
      </main>
    );
  } else if (list.length === 0) {
    main = (
      <Welcome
        onAdd={onAdd}
        onImport={onImport}
        onDemoReady={(conn) => {
          updateList((l) => replaceOrAdd(l, conn));
          expand(conn.id);
          // Straight into the sample bucket: an empty "choose a bucket" pane is a dead end.
          void call(commands.listBuckets(conn.id)).then((r) => {
            const first = r.status === "ok" ? r.data.buckets[0] : undefined;
            if (!first) return;
            navigate({ connectionId: conn.id, bucket: first.name, prefix: "" });
            setHint({ connectionId: conn.id, bucket: first.name, text: DEMO_HINT });
          });
        }}
      />
    );
  } else {
    main = (
      <div className="layout" style={{ "--sidebar-w": `${sidebarWidth}px` } as React.CSSProperties}>
        <Sidebar
          connections={list}
          expanded={expanded}
          bucketsVersion={bucketsVersion}
          current={view === "browser" ? location : null}
          onAdd={onAdd}
          onImport={onImport}
          view={view}
          onView={setView}
          pairs={pairs}
          transfers={transfers.list.totals}
          {...actions}
        />
        <SidebarResizer
          width={sidebarWidth}
          onResize={(w) => {
            setSidebarWidth(w);
            saveSidebarWidth(storage(), w);
          }}
        />
        {view === "transfers" ? (
          <TransfersView list={transfers.list} />
        ) : view === "sync" ? (
          <SyncView store={pairs} connections={list} />
        ) : view === "settings" ? (
          <SettingsView />
        ) : location ? (
          <Browser
            location={location}
            revision={bucketsVersion[location.connectionId] ?? 0}
            canBack={hist.canGoBack(history)}
            canForward={hist.canGoForward(history)}
            onBack={() => setHistory(hist.back)}
            onForward={() => setHistory(hist.forward)}
            onNavigate={navigate}
            onEditConnection={editConnectionById}
            onLeaveBucket={() => setHistory(hist.emptyHistory)}
            transfersDone={transfers.list.totals.done}
            reveal={feedback.reveal}
            onUploadTo={feedback.uploadTo}
          />
        ) : (
          <main className="center-screen" data-testid="no-location">
            <div className="pick-bucket">
              <Database size={40} strokeWidth={1.2} aria-hidden />
              <p>Choose a bucket on the left to see its files.</p>
            </div>
          </main>
        )}
      </div>
    );
  }

  const showHint =
    hint !== null &&
    view === "browser" &&
    location?.connectionId === hint.connectionId &&
    location.bucket === hint.bucket;

  return (
    <>
      {main}
      {showHint && <Hint text={hint.text} onDismiss={() => setHint(null)} />}
      <ToastRegion toast={feedback.toast} onShow={showToast} onClose={feedback.dismiss} raised={showHint} />
      {dialog?.kind === "form" && (
        <ConnectionForm connection={dialog.connection} onSaved={onSaved} onCancel={closeDialog} />
      )}
      {dialog?.kind === "import" && <ImportDialog onImported={onImported} onCancel={closeDialog} />}
      {dialog?.kind === "openBucket" && (
        <OpenBucketDialog
          connection={dialog.connection}
          onCancel={closeDialog}
          onOpened={(conn, bucket) => {
            updateList((l) => replaceOrAdd(l, conn));
            bumpBuckets(conn.id);
            setDialog(null);
            navigate({ connectionId: conn.id, bucket, prefix: "" });
          }}
        />
      )}
      {dialog?.kind === "remove" && (
        <ConfirmDialog
          title={`Remove “${dialog.connection.name}”?`}
          confirmLabel="Remove"
          confirmTestId="confirm-remove"
          danger
          onConfirm={() => remove(dialog.connection)}
          onCancel={closeDialog}
        >
          {dialog.connection.credentialSource.kind === "keyring" ? (
            <p>
              Pail will forget this connection and delete its secret key from your system keyring. The files in your
              buckets are not touched.
            </p>
          ) : (
            <p>
              Pail will forget this connection. Your AWS profile “{dialog.connection.credentialSource.profile}” and the
              files in your buckets are not touched.
            </p>
          )}
        </ConfirmDialog>
      )}
    </>
  );
}
