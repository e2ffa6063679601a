import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "./App";
import type { Connection } from "./bindings";
import { fail, installBackend, staticListing } from "./test/backend";
import { connection, presets, uiError } from "./test/fixtures";

const demo = connection({
  id: "demo",
  name: "Demo store",
  provider: "demo",
  endpoint: "http://127.0.0.1:39123",
  pathStyle: true,
});

describe("first run", () => {
  it("welcomes with three ways in", async () => {
    installBackend({ list_connections: () => [] });
    render(<App />);
    const welcome = await screen.findByTestId("welcome");
    expect(within(welcome).getByTestId("welcome-demo")).toHaveTextContent("Try the demo store");
    expect(within(welcome).getByTestId("welcome-add-connection")).toHaveTextContent("Add a connection");
    expect(within(welcome).getByTestId("welcome-import")).toHaveTextContent("Import from AWS config");
    expect(screen.queryByTestId("sidebar")).toBeNull();
  });

  it("starts the demo and opens its sample bucket at once, with a tip", async () => {
    const user = userEvent.setup();
    let running = false;
    const calls = installBackend({
      list_connections: () => [],
      start_demo: () => {
        running = true;
        return demo;
      },
      demo_status: () => ({ connectionId: running ? "demo" : null, running }),
      list_buckets: () => ({
        buckets: [{ name: "sample-photos", createdAt: null, pinned: false }],
        canListBuckets: true,
      }),
      list_folder: staticListing({ "": [] }),
    });
    render(<App />);
    await user.click(await screen.findByTestId("welcome-demo"));
    const item = await screen.findByTestId("bucket-item");
    expect(item).toHaveAttribute("data-bucket", "sample-photos");
    expect(screen.getByTestId("connection-item")).toHaveAttribute("data-connection-name", "Demo store");
    expect(calls.filter((c) => c.cmd === "start_demo")).toHaveLength(1);
    // No "choose a bucket" pane: the sample bucket is open, marked current, with a tip.
    expect(await screen.findByText("This folder is empty")).toBeInTheDocument();
    await waitFor(() => expect(item).toHaveAttribute("aria-current", "true"));
    expect(screen.queryByTestId("no-location")).toBeNull();
    expect(screen.getByTestId("hint")).toHaveTextContent("Drop files here or click Upload");
    await user.click(within(screen.getByTestId("hint")).getByRole("button", { name: "Close this tip" }));
    expect(screen.queryByTestId("hint")).toBeNull();
  });

  it("lets the sidebar be resized with the keyboard, within limits, and remembers it", async () => {
    window.localStorage.removeItem("pail.sidebarWidth");
    installBackend({
      list_connections: () => [demo],
      demo_status: () => ({ connectionId: "demo", running: true }),
      list_buckets: () => ({ buckets: [], canListBuckets: true }),
    });
    render(<App />);
    const edge = await screen.findByRole("separator", { name: "Resize the sidebar" });
    expect(edge).toHaveAttribute("aria-valuenow", "240");
    fireEvent.keyDown(edge, { key: "ArrowRight" });
    fireEvent.keyDown(edge, { key: "ArrowRight" });
    expect(edge).toHaveAttribute("aria-valuenow", "272");
    expect(window.localStorage.getItem("pail.sidebarWidth")).toBe("272");
    for (let i = 0; i < 40; i++) fireEvent.keyDown(edge, { key: "ArrowLeft" });
    expect(edge).toHaveAttribute("aria-valuenow", "180");
    expect(screen.getByText("Demo store")).toHaveAttribute("title", "Demo store");
  });

  it("shows why the demo could not start, with a retry", async () => {
    const user = userEvent.setup();
    let tries = 0;
    installBackend({
      list_connections: () => [],
      start_demo: () => {
        tries += 1;
        return fail(uiError("internal", "The demo store couldn’t start.", "port in use"));
      },
    });
    render(<App />);
    await user.click(await screen.findByTestId("welcome-demo"));
    expect(await screen.findByText("The demo store couldn’t start.")).toBeInTheDocument();
    await user.click(screen.getByTestId("error-retry"));
    await waitFor(() => expect(tries).toBe(2));
  });

  it("adds a first connection from the welcome screen", async () => {
    const user = userEvent.setup();
    const created = connection({ id: "new", name: "Amazon S3" });
    installBackend({
      list_connections: () => [],
      list_presets: () => presets,
      create_connection: () => created,
      list_buckets: () => ({ buckets: [{ name: "b1", createdAt: null, pinned: false }], canListBuckets: true }),
    });
    render(<App />);
    await user.click(await screen.findByTestId("welcome-add-connection"));
    await user.type(await screen.findByTestId("conn-access-key"), "AKIA");
    await user.type(screen.getByTestId("conn-secret-key"), "secret");
    await user.click(screen.getByTestId("conn-save"));
    expect(await screen.findByTestId("bucket-item")).toHaveAttribute("data-bucket", "b1");
    expect(screen.queryByTestId("conn-form")).toBeNull();
  });

  it("shows a startup failure with a retry instead of a blank window", async () => {
    const user = userEvent.setup();
    let tries = 0;
    installBackend({
      list_connections: () => {
        tries += 1;
        if (tries === 1) fail(uiError("stateDb", "Pail couldn’t open its settings database.", "database is locked"));
        return [];
      },
    });
    render(<App />);
    expect(await screen.findByText("Pail couldn’t open its settings database.")).toBeInTheDocument();
    await user.click(screen.getByTestId("error-retry"));
    expect(await screen.findByTestId("welcome")).toBeInTheDocument();
  });
});

describe("sidebar", () => {
  const work = connection({ id: "w", name: "Work" });

  it("shows a bucket listing error inline, with details and Edit connection", async () => {
    const user = userEvent.setup();
    installBackend({
      list_connections: () => [work],
      list_buckets: () =>
        fail(uiError("expiredCredentials", "These keys have expired.", "ExpiredToken: token expired at 10:00")),
      list_presets: () => presets,
    });
    render(<App />);
    await user.click(await screen.findByTestId("connection-toggle"));
    const item = screen.getByTestId("connection-item");
    expect(await within(item).findByText("These keys have expired.")).toBeInTheDocument();
    await user.click(within(item).getByTestId("error-detail-toggle"));
    expect(within(item).getByTestId("error-detail")).toHaveTextContent("ExpiredToken: token expired at 10:00");
    await user.click(within(item).getByTestId("error-edit-connection"));
    expect(await screen.findByTestId("conn-form")).toBeInTheDocument();
  });

  it("opens a bucket by name when the keys can't list buckets", async () => {
    const user = userEvent.setup();
    let pinned: string[] = ["first"];
    const calls = installBackend({
      list_connections: () => [work],
      list_buckets: () => ({
        buckets: pinned.map((name) => ({ name, createdAt: null, pinned: true })),
        canListBuckets: false,
      }),
      add_bucket: (args): Connection => {
        if (args.bucket === "nope") fail(uiError("noSuchBucket", "There is no bucket called “nope”."));
        pinned = [...pinned, args.bucket as string];
        return { ...work, pinnedBuckets: pinned };
      },
      list_folder: staticListing({}),
    });
    render(<App />);
    await user.click(await screen.findByTestId("connection-toggle"));
    expect(await screen.findByTestId("bucket-item")).toHaveAttribute("data-bucket", "first");
    await user.click(screen.getByTestId("open-bucket-by-name"));
    const input = await screen.findByTestId("open-bucket-input");
    await user.type(input, "nope");
    await user.click(screen.getByTestId("open-bucket-confirm"));
    expect(await screen.findByText("There is no bucket called “nope”.")).toBeInTheDocument();
    await user.clear(input);
    await user.type(input, "team-share");
    await user.click(screen.getByTestId("open-bucket-confirm"));
    await waitFor(() => expect(screen.queryByTestId("open-bucket-dialog")).toBeNull());
    await waitFor(() =>
      expect(screen.getAllByTestId("bucket-item").map((b) => b.getAttribute("data-bucket"))).toEqual([
        "first",
        "team-share",
      ]),
    );
    expect(await screen.findByTestId("browser")).toBeInTheDocument();
    expect(calls.filter((c) => c.cmd === "add_bucket").map((c) => c.args)).toEqual([
      { connectionId: "w", bucket: "nope" },
      { connectionId: "w", bucket: "team-share" },
    ]);
  });

  it("renames inline from the ⋯ menu", async () => {
    const user = userEvent.setup();
    const calls = installBackend({
      list_connections: () => [work],
      rename_connection: (args) => ({ ...work, name: args.name as string }),
    });
    render(<App />);
    await user.click(await screen.findByTestId("connection-menu-button"));
    await user.click(within(screen.getByTestId("connection-menu")).getByTestId("connection-rename"));
    const input = screen.getByTestId("connection-rename-input");
    await user.clear(input);
    await user.type(input, "Office{Enter}");
    await waitFor(() =>
      expect(screen.getByTestId("connection-item")).toHaveAttribute("data-connection-name", "Office"),
    );
    expect(calls.filter((c) => c.cmd === "rename_connection").map((c) => c.args)).toEqual([
      { id: "w", name: "Office" },
    ]);
  });

  it("removes a connection after a confirmation that mentions the keyring", async () => {
    const user = userEvent.setup();
    const calls = installBackend({
      list_connections: () => [work, connection({ id: "x", name: "Other" })],
      delete_connection: () => null,
    });
    render(<App />);
    const item = (await screen.findAllByTestId("connection-item"))[0]!;
    fireEvent.contextMenu(within(item).getByTestId("connection-toggle"));
    await user.click(within(screen.getByTestId("connection-menu")).getByTestId("connection-remove"));
    const dialog = screen.getByTestId("confirm-dialog");
    expect(dialog).toHaveTextContent("delete its secret key from your system keyring");
    await user.click(within(dialog).getByTestId("confirm-remove"));
    await waitFor(() => expect(screen.getAllByTestId("connection-item")).toHaveLength(1));
    expect(screen.getByTestId("connection-item")).toHaveAttribute("data-connection-name", "Other");
    expect(calls.filter((c) => c.cmd === "delete_connection").map((c) => c.args)).toEqual([{ id: "w" }]);
  });

  it("opens the connection form for Edit", async () => {
    const user = userEvent.setup();
    installBackend({ list_connections: () => [work], list_presets: () => presets });
    render(<App />);
    await user.click(await screen.findByTestId("connection-menu-button"));
    await user.click(within(screen.getByTestId("connection-menu")).getByTestId("connection-edit"));
    expect(await screen.findByTestId("conn-name")).toHaveValue("Work");
    expect(screen.getByTestId("conn-access-key")).toHaveValue("AKIAEXAMPLE");
  });

  it("imports AWS profiles, with already imported ones disabled", async () => {
    const user = userEvent.setup();
    const calls = installBackend({
      list_connections: () => [work],
      discover_aws_profiles: () => [
        { name: "default", region: "eu-west-1", endpoint: null, kind: "staticKeys", alreadyImported: true },
        { name: "dev", region: null, endpoint: null, kind: "sso", alreadyImported: false },
        { name: "ci", region: "us-east-2", endpoint: null, kind: "credentialProcess", alreadyImported: false },
      ],
      import_aws_profiles: (args) =>
        (args.names as string[]).map((n) =>
          connection({ id: `p-${n}`, name: n, credentialSource: { kind: "awsProfile", profile: n } }),
        ),
      list_buckets: () => ({ buckets: [], canListBuckets: true }),
    });
    render(<App />);
    await user.click(await screen.findByTestId("import-aws"));
    const dialog = await screen.findByTestId("import-dialog");
    const boxes = await within(dialog).findAllByTestId("import-profile");
    expect(boxes.map((b) => b.getAttribute("data-profile"))).toEqual(["default", "dev", "ci"]);
    expect(boxes[0]).toBeDisabled();
    expect(dialog).toHaveTextContent("Single sign-on (SSO) · no region set");
    expect(dialog).toHaveTextContent("Credential helper program · us-east-2");
    await user.click(boxes[2]!);
    await user.click(within(dialog).getByTestId("import-confirm"));
    await waitFor(() => expect(screen.queryByTestId("import-dialog")).toBeNull());
    expect(calls.find((c) => c.cmd === "import_aws_profiles")?.args).toEqual({ names: ["dev"] });
    expect(screen.getAllByTestId("connection-item").map((c) => c.getAttribute("data-connection-name"))).toEqual([
      "Work",
      "dev",
    ]);
  });
});
