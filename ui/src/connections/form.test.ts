import { describe, expect, it } from "vitest";
import { connection, presets } from "../test/fixtures";
import {
  applyPreset,
  applyRegion,
  bucketNameProblem,
  emptyValues,
  endpointShown,
  fillTemplate,
  hasProblems,
  presetFor,
  selectablePresets,
  toDraft,
  validate,
  valuesFrom,
  type FormValues,
} from "./form";

const aws = presets[0]!;
const r2 = presets[1]!;
const wasabi = presets[2]!;
const minio = presets[3]!;
const keyring = { kind: "keyring" } as const;

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

describe("validate", () => {
  it("accepts a complete AWS form", () => {
    expect(validate(filled(), "create", aws, keyring)).toEqual({});
  });

  it("names every missing field in plain words", () => {
    const p = validate({ ...emptyValues(minio), name: "", region: "" }, "create", minio, keyring);
    expect(p).toEqual({
      name: "Give this connection a name.",
      endpoint: "Enter the endpoint address, for example https://s3.example.com.",
      region: "Enter a region, for example us-east-1.",
      accessKeyId: "Enter the access key ID.",
      secretAccessKey: "Enter the secret access key.",
    });
    expect(hasProblems(p)).toBe(true);
  });

  it("does not need the secret when editing", () => {
    expect(validate(filled({ secretAccessKey: "" }), "edit", aws, keyring)).toEqual({});
  });

  it("does not need keys for an AWS profile", () => {
    const v = filled({ accessKeyId: "", secretAccessKey: "" });
    expect(validate(v, "edit", aws, { kind: "awsProfile", profile: "dev" })).toEqual({});
  });

  it("explains endpoint mistakes", () => {
    const v = applyPreset(filled(), r2, aws);
    expect(validate(v, "create", r2, keyring).endpoint).toBe(
      "Replace {accountId} in the endpoint with your account ID.",
    );
    expect(validate({ ...v, endpoint: "s3.example.com" }, "create", r2, keyring).endpoint).toMatch(
      /must start with https:\/\//,
    );
    expect(validate({ ...v, endpoint: "https://" }, "create", r2, keyring).endpoint).toBe(
      "This endpoint isn’t a valid web address.",
    );
    expect(validate({ ...v, endpoint: "http://127.0.0.1:9000" }, "create", r2, keyring).endpoint).toBeUndefined();
  });

  it("requires a custom AWS endpoint once asked for", () => {
    expect(validate(filled({ customEndpoint: true }), "create", aws, keyring).endpoint).toBeDefined();
    expect(
      validate(filled({ customEndpoint: true, endpoint: "https://vpce.example" }), "create", aws, keyring),
    ).toEqual({});
  });

  it("checks an optional bucket name", () => {
    expect(validate(filled({ bucket: "my bucket" }), "create", aws, keyring).bucket).toBeDefined();
    expect(bucketNameProblem("", false)).toBeNull();
    expect(bucketNameProblem("", true)).toBe("Type the bucket’s name.");
    expect(bucketNameProblem("a/b", false)).toMatch(/slashes/);
    expect(bucketNameProblem("ab", false)).toMatch(/3 to 63/);
    expect(bucketNameProblem("photos", true)).toBeNull();
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
