import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { ConnectionDraft, DraftProblems } from "../bindings";
import { fail, installBackend, noDraftProblems } from "../test/backend";
import { connection, presets, uiError } from "../test/fixtures";
import { ConnectionForm } from "./ConnectionForm";

async function fillAws(user: ReturnType<typeof userEvent.setup>) {
  await user.clear(screen.getByTestId("conn-name"));
  await user.type(screen.getByTestId("conn-name"), "Work");
  await user.type(screen.getByTestId("conn-access-key"), "AKIAEXAMPLE");
  await user.type(screen.getByTestId("conn-secret-key"), "wrong-secret");
}

describe("ConnectionForm", () => {
  it("shows a signature mismatch in plain words, with the details behind a toggle", async () => {
    const user = userEvent.setup();
    const calls = installBackend({
      list_presets: () => presets,
      test_connection: () =>
        fail(
          uiError(
            "signatureMismatch",
            "The secret access key is wrong for this access key ID.",
            "SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided.",
          ),
        ),
    });
    render(<ConnectionForm connection={null} onSaved={vi.fn()} onCancel={vi.fn()} />);
    await screen.findByTestId("conn-provider");
    await fillAws(user);
    await user.click(screen.getByTestId("conn-test"));

    const result = await screen.findByTestId("conn-test-result");
    await waitFor(() => expect(result).toHaveAttribute("data-status", "error"));
    expect(result).toHaveTextContent("The secret access key is wrong for this access key ID.");
    expect(result).not.toHaveTextContent("SignatureDoesNotMatch");
    await user.click(within(result).getByRole("button", { name: /details/i }));
    expect(result).toHaveTextContent("SignatureDoesNotMatch: The request signature we calculated");

    const test = calls.find((c) => c.cmd === "test_connection");
    expect(test?.args).toEqual({
      draft: {
        name: "Work",
        provider: "aws",
        endpoint: null,
        region: "us-east-1",
        pathStyle: false,
        accessKeyId: "AKIAEXAMPLE",
        secretAccessKey: "wrong-secret",
        credentialSource: { kind: "keyring" },
        pinnedBuckets: [],
        acceptPlainHttp: false,
      },
      existingId: null,
    });
  });

  it("reports a good connection with its bucket count", async () => {
    const user = userEvent.setup();
    installBackend({
      list_presets: () => presets,
      test_connection: () => ({ buckets: ["a", "b", "c"], canListBuckets: true, elapsedMs: 230 }),
    });
    render(<ConnectionForm connection={null} onSaved={vi.fn()} onCancel={vi.fn()} />);
    await screen.findByTestId("conn-provider");
    await fillAws(user);
    await user.click(screen.getByTestId("conn-test"));
    const result = await screen.findByTestId("conn-test-result");
    await waitFor(() => expect(result).toHaveAttribute("data-status", "ok"));
    expect(result).toHaveTextContent("Connected — 3 buckets");
  });

  it("asks the engine before saving and shows its problems under their fields, saving nothing", async () => {
    const user = userEvent.setup();
    const calls = installBackend({
      list_presets: () => presets,
      check_connection_draft: (): DraftProblems => ({
        ...noDraftProblems,
        name: "Give this connection a name, so you can recognise it in the sidebar.",
        accessKeyId: "Enter the access key ID.",
        secretAccessKey: "Enter the secret access key.",
      }),
    });
    render(<ConnectionForm connection={null} onSaved={vi.fn()} onCancel={vi.fn()} />);
    await screen.findByTestId("conn-provider");
    await user.clear(screen.getByTestId("conn-name"));
    // Nothing is checked (or shown) before the first Save or Test.
    expect(screen.queryByTestId("field-error")).toBeNull();
    expect(calls.map((c) => c.cmd)).toEqual(["list_presets"]);

    await user.click(screen.getByTestId("conn-save"));
    await waitFor(() => expect(screen.getAllByTestId("field-error")).toHaveLength(3));
    expect(screen.getAllByTestId("field-error").map((e) => e.textContent)).toEqual([
      "Give this connection a name, so you can recognise it in the sidebar.",
      "Enter the access key ID.",
      "Enter the secret access key.",
    ]);
    expect(screen.getByTestId("conn-name")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByTestId("conn-access-key")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByTestId("conn-region")).toHaveAttribute("aria-invalid", "false");
    expect(calls.map((c) => c.cmd)).toEqual(["list_presets", "check_connection_draft"]);
    // The engine sees what a save would send: an empty secret where one is asked for.
    expect(calls[1]?.args.draft).toMatchObject({ name: "", accessKeyId: "", secretAccessKey: "", endpoint: null });
  });

  it("checks again as the person types, once per pause, and drops an answer that comes late", async () => {
    const user = userEvent.setup();
    const nameProblem = "Give this connection a name, so you can recognise it in the sidebar.";
    // Every check waits until the test answers it, so the test decides the order answers arrive in.
    const pending: { name: string; answer: (p: DraftProblems) => void }[] = [];
    const calls = installBackend({
      list_presets: () => presets,
      check_connection_draft: (args) =>
        new Promise<DraftProblems>((resolve) =>
          pending.push({ name: (args.draft as ConnectionDraft).name, answer: resolve }),
        ),
    });
    const checks = () => calls.filter((c) => c.cmd === "check_connection_draft");
    render(<ConnectionForm connection={null} onSaved={vi.fn()} onCancel={vi.fn()} />);
    await screen.findByTestId("conn-provider");
    await user.clear(screen.getByTestId("conn-name"));
    await user.click(screen.getByTestId("conn-save"));
    await waitFor(() => expect(pending).toHaveLength(1));
    pending[0]!.answer({ ...noDraftProblems, name: nameProblem });
    expect(await screen.findByTestId("field-error")).toHaveTextContent(nameProblem);

    // A burst of keys is one question, about the name as typed at the end.
    await user.type(screen.getByTestId("conn-name"), "Wor");
    await waitFor(() => expect(pending).toHaveLength(2));
    expect(pending[1]!.name).toBe("Wor");
    // The last answer stays on screen until a fresh one arrives.
    expect(screen.getByTestId("field-error")).toHaveTextContent(nameProblem);

    await user.type(screen.getByTestId("conn-name"), "k");
    await waitFor(() => expect(pending).toHaveLength(3));
    expect(pending[2]!.name).toBe("Work");
    pending[2]!.answer(noDraftProblems);
    await waitFor(() => expect(screen.queryByTestId("field-error")).toBeNull());
    // The answer about "Wor" arrives after the one about "Work": it must not come back.
    pending[1]!.answer({ ...noDraftProblems, name: "stale answer" });
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByTestId("field-error")).toBeNull();
    expect(checks()).toHaveLength(3);
    expect(calls.some((c) => c.cmd === "create_connection")).toBe(false);
  });

  it("saves when the check itself cannot run: the save validates again in the engine", async () => {
    const user = userEvent.setup();
    const onSaved = vi.fn();
    const calls = installBackend({
      list_presets: () => presets,
      check_connection_draft: () => {
        throw new Error("bridge gone");
      },
      create_connection: (args) => connection({ name: (args.draft as ConnectionDraft).name }),
    });
    render(<ConnectionForm connection={null} onSaved={onSaved} onCancel={vi.fn()} />);
    await screen.findByTestId("conn-provider");
    await fillAws(user);
    await user.click(screen.getByTestId("conn-save"));
    await waitFor(() => expect(onSaved).toHaveBeenCalledOnce());
    expect(calls.filter((c) => c.cmd === "create_connection")).toHaveLength(1);
  });

  it("fills region, endpoint and path style from the chosen provider and shows its hint", async () => {
    const user = userEvent.setup();
    installBackend({ list_presets: () => presets });
    render(<ConnectionForm connection={null} onSaved={vi.fn()} onCancel={vi.fn()} />);
    await screen.findByTestId("conn-provider");
    expect(screen.queryByTestId("conn-endpoint")).toBeNull();
    await user.click(screen.getByTestId("conn-custom-endpoint"));
    expect(screen.getByTestId("conn-endpoint")).toBeInTheDocument();

    await user.selectOptions(screen.getByTestId("conn-provider"), "cloudflareR2");
    expect(screen.getByTestId("conn-region")).toHaveValue("auto");
    expect(screen.getByTestId("conn-endpoint")).toHaveValue("https://{accountId}.r2.cloudflarestorage.com");
    expect(screen.getByTestId("conn-path-style")).toBeChecked();
    expect(screen.getByTestId("conn-preset-hint")).toHaveTextContent("Find your account ID in the R2 dashboard.");
    expect(screen.getByTestId("conn-name")).toHaveValue("Cloudflare R2");
    expect(screen.queryByTestId("conn-custom-endpoint")).toBeNull();
  });

  it("asks for a bucket after access denied and pins it", async () => {
    const user = userEvent.setup();
    let report = false;
    const calls = installBackend({
      list_presets: () => presets,
      check_connection_draft: (args): DraftProblems => ({
        ...noDraftProblems,
        pinnedBuckets: (args.draft as ConnectionDraft).pinnedBuckets.includes("team share")
          ? "“team share” is not a valid bucket name: use only lowercase letters, digits, dots and hyphens."
          : null,
      }),
      test_connection: (args) => {
        const draft = args.draft as ConnectionDraft;
        if (draft.pinnedBuckets.length === 0)
          fail(uiError("accessDenied", "These keys aren't allowed to list buckets."));
        report = true;
        return { buckets: draft.pinnedBuckets, canListBuckets: false, elapsedMs: 10 };
      },
    });
    render(<ConnectionForm connection={null} onSaved={vi.fn()} onCancel={vi.fn()} />);
    await screen.findByTestId("conn-provider");
    await fillAws(user);
    expect(screen.queryByTestId("conn-bucket")).toBeNull();
    await user.click(screen.getByTestId("conn-test"));
    const bucket = await screen.findByTestId("conn-bucket");
    expect(screen.getByText("These keys can't list buckets. Type a bucket you can open:")).toBeInTheDocument();
    await user.type(bucket, "team share");
    await user.click(screen.getByTestId("conn-test"));
    const bucketProblem = await screen.findByTestId("field-error");
    expect(bucketProblem).toHaveTextContent("“team share” is not a valid bucket name");
    expect(bucket).toHaveAttribute("aria-invalid", "true");
    expect(calls.filter((c) => c.cmd === "test_connection")).toHaveLength(1);
    await user.clear(bucket);
    await user.type(bucket, "team-share");
    await waitFor(() => expect(screen.queryByTestId("field-error")).toBeNull());
    await user.click(screen.getByTestId("conn-test"));
    await waitFor(() => expect(screen.getByTestId("conn-test-result")).toHaveAttribute("data-status", "ok"));
    expect(report).toBe(true);
    expect(screen.getByTestId("conn-test-result")).toHaveTextContent("Connected — 1 bucket");
    const tests = calls.filter((c) => c.cmd === "test_connection");
    const last = tests[tests.length - 1];
    expect((last?.args.draft as ConnectionDraft).pinnedBuckets).toEqual(["team-share"]);
  });

  it("edits without showing or resending the secret", async () => {
    const user = userEvent.setup();
    const existing = connection({
      id: "c9",
      name: "Backups",
      provider: "minio",
      endpoint: "http://127.0.0.1:9000",
      pathStyle: true,
    });
    const onSaved = vi.fn();
    const calls = installBackend({
      list_presets: () => presets,
      update_connection: (args) => ({ ...existing, name: (args.draft as ConnectionDraft).name }),
    });
    render(<ConnectionForm connection={existing} onSaved={onSaved} onCancel={vi.fn()} />);
    const secret = await screen.findByTestId("conn-secret-key");
    expect(secret).toHaveAttribute("type", "password");
    expect(secret).toHaveValue("");
    expect(secret).toHaveAttribute("placeholder", "Unchanged — kept in your system keyring");
    expect(screen.getByTestId("conn-endpoint")).toHaveValue("http://127.0.0.1:9000");
    await user.clear(screen.getByTestId("conn-name"));
    await user.type(screen.getByTestId("conn-name"), "Nightly backups");
    await user.click(screen.getByTestId("conn-save"));
    await waitFor(() => expect(onSaved).toHaveBeenCalledOnce());
    const update = calls.find((c) => c.cmd === "update_connection");
    expect(update?.args.id).toBe("c9");
    expect((update?.args.draft as ConnectionDraft).secretAccessKey).toBeNull();
    expect((update?.args.draft as ConnectionDraft).name).toBe("Nightly backups");
  });

  it("shows a problem with the AWS profile under the profile note", async () => {
    const user = userEvent.setup();
    const existing = connection({ credentialSource: { kind: "awsProfile", profile: "" }, accessKeyId: "" });
    installBackend({
      list_presets: () => presets,
      check_connection_draft: (): DraftProblems => ({
        ...noDraftProblems,
        credentialSource: "Choose which AWS profile this connection uses.",
      }),
    });
    render(<ConnectionForm connection={existing} onSaved={vi.fn()} onCancel={vi.fn()} />);
    await screen.findByTestId("conn-profile-note");
    await user.click(screen.getByTestId("conn-save"));
    expect(await screen.findByTestId("field-error")).toHaveTextContent("Choose which AWS profile this connection uses.");
  });

  it("creates a connection and shows a save error in words", async () => {
    const user = userEvent.setup();
    const onSaved = vi.fn();
    let attempts = 0;
    installBackend({
      list_presets: () => presets,
      create_connection: (args) => {
        attempts += 1;
        if (attempts === 1)
          fail(
            uiError("keyringUnavailable", "Pail can't reach your system keyring.", "org.freedesktop.secrets not found"),
          );
        return connection({ name: (args.draft as ConnectionDraft).name });
      },
    });
    render(<ConnectionForm connection={null} onSaved={onSaved} onCancel={vi.fn()} />);
    await screen.findByTestId("conn-provider");
    await fillAws(user);
    await user.click(screen.getByTestId("conn-save"));
    expect(await screen.findByText("Pail can't reach your system keyring.")).toBeInTheDocument();
    expect(onSaved).not.toHaveBeenCalled();
    await user.click(screen.getByTestId("conn-save"));
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith(expect.objectContaining({ name: "Work" })));
  });

  it("warns once about plain http to another machine and saves only after the user accepts", async () => {
    const user = userEvent.setup();
    const onSaved = vi.fn();
    const calls = installBackend({
      list_presets: () => presets,
      create_connection: (args) => {
        const draft = args.draft as ConnectionDraft;
        if (!draft.acceptPlainHttp)
          fail(uiError("plainHttp", "http://nas.example.org:9000 is reached without encryption.", "plain http"));
        return connection({ name: draft.name, endpoint: draft.endpoint });
      },
    });
    render(<ConnectionForm connection={null} onSaved={onSaved} onCancel={vi.fn()} />);
    await screen.findByTestId("conn-provider");
    await fillAws(user);
    await user.click(screen.getByTestId("conn-custom-endpoint"));
    await user.type(screen.getByTestId("conn-endpoint"), "http://nas.example.org:9000");
    await user.click(screen.getByTestId("conn-save"));
    const warning = await screen.findByTestId("conn-plain-http-warning");
    expect(warning).toHaveTextContent("without encryption");
    expect(onSaved).not.toHaveBeenCalled();
    await user.click(within(warning).getByTestId("conn-accept-plain-http"));
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith(expect.objectContaining({ name: "Work" })));
    const saves = calls.filter((c) => c.cmd === "create_connection").map((c) => (c.args.draft as ConnectionDraft).acceptPlainHttp);
    expect(saves).toEqual([false, true]);
  });

  it("cancels", async () => {
    const user = userEvent.setup();
    const onCancel = vi.fn();
    installBackend({ list_presets: () => presets });
    render(<ConnectionForm connection={null} onSaved={vi.fn()} onCancel={onCancel} />);
    await user.click(await screen.findByTestId("conn-cancel"));
    expect(onCancel).toHaveBeenCalledOnce();
  });
});
