import { describe, expect, it } from "vitest";
import { connection, presets } from "../test/fixtures";
import { noDraftProblems } from "../test/backend";
import {
  applyPreset,
  applyRegion,
  emptyValues,
  endpointShown,
  fillTemplate,
  hasProblems,
  presetFor,
  problemsFrom,
  selectablePresets,
  toDraft,
  valuesFrom,
  type FormValues,
} from "./form";

const aws = presets[0]!;
const r2 = presets[1]!;
const wasabi = presets[2]!;
const minio = presets[3]!;

function filled(over: Partial<FormValues> = {}): FormValues {
  return { ...emptyValues(aws), accessKeyId: "AKIA", secretAccessKey: "s3cret", ...over };
}

describe("presets", () => {
  it("hides the demo provider from the picker", () => {
    const withDemo = [...presets, { ...aws, provider: "demo" as const, label: "Demo" }];
    expect(selectablePresets(withDemo).map((p) => p.provider)).not.toContain("demo");
    expect(presetFor(presets, "wasabi")).toBe(wasabi);
  });

  it("fills templates with the region", () => {
    expect(fillTemplate("https://s3.{region}.wasabisys.com", "eu-central-1")).toBe(
      "https://s3.eu-central-1.wasabisys.com",
    );
    expect(fillTemplate("https://{accountId}.r2.cloudflarestorage.com", "auto")).toBe(
      "https://{accountId}.r2.cloudflarestorage.com",
    );
    expect(fillTemplate(null, "x")).toBe("");
    expect(fillTemplate("https://s3.{region}.x", " ")).toBe("https://s3.{region}.x");
  });

  it("starts from the first preset", () => {
    const v = emptyValues(aws);
    expect(v).toMatchObject({
      provider: "aws",
      name: "Amazon S3",
      region: "us-east-1",
      endpoint: "",
      pathStyle: false,
    });
  });

  it("applying a preset fills region, endpoint and path style, and follows a default name", () => {
    const v = applyPreset(emptyValues(aws), r2, aws);
    expect(v).toMatchObject({
      provider: "cloudflareR2",
      name: "Cloudflare R2",
      region: "auto",
      endpoint: "https://{accountId}.r2.cloudflarestorage.com",
      pathStyle: true,
    });
    const named = applyPreset({ ...v, name: "Photos" }, wasabi, r2);
    expect(named.name).toBe("Photos");
    expect(named.endpoint).toBe("https://s3.us-east-1.wasabisys.com");
  });

  it("a region change updates an endpoint still following the template, not a typed one", () => {
    const v = applyPreset(emptyValues(aws), wasabi, aws);
    expect(applyRegion(v, "eu-west-2", wasabi).endpoint).toBe("https://s3.eu-west-2.wasabisys.com");
    const typed = { ...v, endpoint: "https://my.proxy" };
    expect(applyRegion(typed, "eu-west-2", wasabi).endpoint).toBe("https://my.proxy");
  });

  it("shows the endpoint for AWS only on request", () => {
    expect(endpointShown(aws, { customEndpoint: false })).toBe(false);
    expect(endpointShown(aws, { customEndpoint: true })).toBe(true);
    expect(endpointShown(minio, { customEndpoint: false })).toBe(true);
    expect(endpointShown(undefined, { customEndpoint: false })).toBe(true);
  });
});

// The rules themselves (which field needs what, in which words) are the engine's and are tested
// there: crates/engine/src/connections.rs. Here: how its answer lands on the form's fields.
describe("problemsFrom", () => {
  it("has nothing to show for a clean draft", () => {
    expect(problemsFrom(noDraftProblems)).toEqual({});
    expect(hasProblems(problemsFrom(noDraftProblems))).toBe(false);
  });

  it("puts each problem on the field that shows it", () => {
    const p = problemsFrom({
      ...noDraftProblems,
      name: "n",
      endpoint: "e",
      region: "r",
      accessKeyId: "a",
      secretAccessKey: "s",
      credentialSource: "c",
      pinnedBuckets: "b",
    });
    expect(p).toEqual({
      name: "n",
      endpoint: "e",
      region: "r",
      accessKeyId: "a",
      secretAccessKey: "s",
      profile: "c",
      bucket: "b",
    });
    expect(hasProblems(p)).toBe(true);
  });
});

describe("toDraft", () => {
  it("builds a trimmed draft for a new connection", () => {
    const d = toDraft(
      filled({ name: " Work ", accessKeyId: " AKIA ", secretAccessKey: " s3cret\n", bucket: "b1" }),
      "create",
      aws,
      null,
    );
    expect(d).toEqual({
      name: "Work",
      provider: "aws",
      endpoint: null,
      region: "us-east-1",
      pathStyle: false,
      accessKeyId: "AKIA",
      secretAccessKey: "s3cret",
      credentialSource: { kind: "keyring" },
      pinnedBuckets: ["b1"],
      acceptPlainHttp: false,
    });
  });

  it("sends a shown endpoint and an asked-for secret even when empty, so the engine can say so", () => {
    const d = toDraft({ ...emptyValues(minio), secretAccessKey: " " }, "create", minio, null);
    expect(d.endpoint).toBe("");
    expect(d.secretAccessKey).toBe("");
    expect(toDraft(filled({ customEndpoint: true, endpoint: " " }), "create", aws, null).endpoint).toBe("");
    expect(toDraft(filled({ endpoint: "https://hidden" }), "create", aws, null).endpoint).toBeNull();
    expect(toDraft(filled({ secretAccessKey: "" }), "edit", aws, connection()).secretAccessKey).toBeNull();
  });

  it("accepts plain http only for the endpoint the user accepted or saved before", () => {
    const v = filled({ provider: "minio", endpoint: "http://nas:9000", customEndpoint: true });
    expect(toDraft(v, "create", minio, null).acceptPlainHttp).toBe(false);
    expect(toDraft(v, "create", minio, null, "http://nas:9000").acceptPlainHttp).toBe(true);
    expect(toDraft(v, "create", minio, null, "http://other:9000").acceptPlainHttp).toBe(false);
    const saved = connection({ provider: "minio", endpoint: "http://nas:9000" });
    expect(toDraft({ ...v, endpoint: "http://nas:9000/" }, "edit", minio, saved).acceptPlainHttp).toBe(true);
    expect(toDraft({ ...v, endpoint: "http://evil:9000" }, "edit", minio, saved).acceptPlainHttp).toBe(false);
  });

  it("keeps the stored secret when editing with an empty secret, and keeps pinned buckets", () => {
    const conn = connection({
      pinnedBuckets: ["old"],
      provider: "minio",
      endpoint: "http://localhost:9000",
      pathStyle: true,
    });
    const v = valuesFrom(conn, minio);
    expect(v.secretAccessKey).toBe("");
    const d = toDraft({ ...v, bucket: "new" }, "edit", minio, conn);
    expect(d.secretAccessKey).toBeNull();
    expect(d.endpoint).toBe("http://localhost:9000");
    expect(d.pinnedBuckets).toEqual(["old", "new"]);
    expect(toDraft({ ...v, bucket: "old" }, "edit", minio, conn).pinnedBuckets).toEqual(["old"]);
  });

  it("drops a hidden AWS endpoint and keeps a custom one", () => {
    const conn = connection({ endpoint: "https://vpce.example" });
    const v = valuesFrom(conn, aws);
    expect(v.customEndpoint).toBe(true);
    expect(toDraft(v, "edit", aws, conn).endpoint).toBe("https://vpce.example");
    expect(toDraft({ ...v, customEndpoint: false }, "edit", aws, conn).endpoint).toBeNull();
  });

  it("keeps an AWS profile as the credential source", () => {
    const conn = connection({ credentialSource: { kind: "awsProfile", profile: "dev" }, accessKeyId: "" });
    const d = toDraft(valuesFrom(conn, aws), "edit", aws, conn);
    expect(d.credentialSource).toEqual({ kind: "awsProfile", profile: "dev" });
    expect(d.secretAccessKey).toBeNull();
  });
});
