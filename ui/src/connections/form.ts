// The connection form's logic without React: presets, endpoint templates, validation, drafts.
import type { Connection, ConnectionDraft, CredentialSource, Provider, ProviderPreset } from "../bindings";

export type FormValues = {
  provider: Provider;
  name: string;
  /** Shown for AWS only when this is on; other providers always show the endpoint. */
  customEndpoint: boolean;
  endpoint: string;
  region: string;
  pathStyle: boolean;
  accessKeyId: string;
  secretAccessKey: string;
  /** A bucket to pin, for keys that can't list buckets. */
  bucket: string;
};

export type Field = "name" | "endpoint" | "region" | "accessKeyId" | "secretAccessKey" | "bucket";
export type Problems = Partial<Record<Field, string>>;

/** The providers a person can pick in the form (the demo store is set up by "Try the demo"). */
export function selectablePresets(presets: readonly ProviderPreset[]): ProviderPreset[] {
  return presets.filter((p) => p.provider !== "demo");
}

export function presetFor(presets: readonly ProviderPreset[], provider: Provider): ProviderPreset | undefined {
  return presets.find((p) => p.provider === provider);
}

/** Put the region into a template like "https://s3.{region}.wasabisys.com"; {accountId} stays for the person. */
export function fillTemplate(template: string | null, region: string): string {
  if (template === null) return "";
  const r = region.trim();
  return r === "" ? template : template.split("{region}").join(r);
}

/** Whether the endpoint field is shown: always when the provider needs one, for AWS only on request. */
export function endpointShown(preset: ProviderPreset | undefined, values: Pick<FormValues, "customEndpoint">): boolean {
  if (!preset) return true;
  return preset.endpointRequired || preset.endpointTemplate !== null || values.customEndpoint;
}

function endpointRequired(preset: ProviderPreset | undefined, values: FormValues): boolean {
  if (!preset) return true;
  return preset.endpointRequired || (values.customEndpoint && preset.endpointTemplate === null);
}

export function emptyValues(preset: ProviderPreset | undefined): FormValues {
  const region = preset?.defaultRegion ?? "";
  return {
    provider: preset?.provider ?? "other",
    name: preset?.label ?? "",
    customEndpoint: false,
    endpoint: fillTemplate(preset?.endpointTemplate ?? null, region),
    region,
    pathStyle: preset?.pathStyle ?? false,
    accessKeyId: "",
    secretAccessKey: "",
    bucket: "",
  };
}

/** Values for editing a saved connection. The secret is never known to the UI: it stays empty. */
export function valuesFrom(conn: Connection, preset: ProviderPreset | undefined): FormValues {
  const endpoint = conn.endpoint ?? "";
  return {
    provider: conn.provider,
    name: conn.name,
    customEndpoint:
      endpoint !== "" && preset !== undefined && !preset.endpointRequired && preset.endpointTemplate === null,
    endpoint,
    region: conn.region,
    pathStyle: conn.pathStyle,
    accessKeyId: conn.accessKeyId,
    secretAccessKey: "",
    bucket: "",
  };
}

/**
 * Picking another provider fills its region, endpoint template and addressing style. A name the
 * person typed is kept; a name that was just the old provider's label follows the new one.
 */
export function applyPreset(
  values: FormValues,
  next: ProviderPreset,
  previous: ProviderPreset | undefined,
): FormValues {
  const nameWasDefault = values.name.trim() === "" || values.name === previous?.label;
  return {
    ...values,
    provider: next.provider,
    name: nameWasDefault ? next.label : values.name,
    customEndpoint: false,
    region: next.defaultRegion,
    endpoint: fillTemplate(next.endpointTemplate, next.defaultRegion),
    pathStyle: next.pathStyle,
  };
}

/** Changing the region also updates an endpoint that was still the template's. */
export function applyRegion(values: FormValues, region: string, preset: ProviderPreset | undefined): FormValues {
  const template = preset?.endpointTemplate ?? null;
  const untouched = template !== null && values.endpoint === fillTemplate(template, values.region);
  return { ...values, region, endpoint: untouched ? fillTemplate(template, region) : values.endpoint };
}

/** Why a bucket name can't be right, in plain words, or null. */
export function bucketNameProblem(name: string, required: boolean): string | null {
  const b = name.trim();
  if (b === "") return required ? "Type the bucket’s name." : null;
  if (/[\s/\\]/.test(b)) return "A bucket name can’t contain spaces or slashes.";
  if (b.length < 3 || b.length > 63) return "A bucket name is 3 to 63 characters long.";
  return null;
}

function endpointProblem(endpoint: string): string | null {
  const placeholder = /\{(\w+)\}/.exec(endpoint);
  if (placeholder) {
    const what = placeholder[1] === "accountId" ? "your account ID" : `your ${placeholder[1]}`;
    return `Replace ${placeholder[0]} in the endpoint with ${what}.`;
  }
  if (!/^https?:\/\//i.test(endpoint)) {
    return "The endpoint must start with https:// (or http:// for a server on your own network).";
  }
  try {
    const url = new URL(endpoint);
    if (url.hostname === "") throw new Error("no host");
  } catch {
    return "This endpoint isn’t a valid web address.";
  }
  return null;
}

export type Mode = "create" | "edit";

/** Client-side checks before testing or saving; every message is a plain sentence. */
export function validate(
  values: FormValues,
  mode: Mode,
  preset: ProviderPreset | undefined,
  source: CredentialSource,
): Problems {
  const problems: Problems = {};
  if (values.name.trim() === "") problems.name = "Give this connection a name.";
  if (endpointShown(preset, values)) {
    const endpoint = values.endpoint.trim();
    if (endpoint === "") {
      if (endpointRequired(preset, values))
        problems.endpoint = "Enter the endpoint address, for example https://s3.example.com.";
    } else {
      const p = endpointProblem(endpoint);
      if (p) problems.endpoint = p;
    }
  }
  if (values.region.trim() === "") problems.region = "Enter a region, for example us-east-1.";
  if (source.kind === "keyring") {
    if (values.accessKeyId.trim() === "") problems.accessKeyId = "Enter the access key ID.";
    if (mode === "create" && values.secretAccessKey.trim() === "") {
      problems.secretAccessKey = "Enter the secret access key.";
    }
  }
  const b = bucketNameProblem(values.bucket, false);
  if (b) problems.bucket = b;
  return problems;
}

export function hasProblems(p: Problems): boolean {
  return Object.keys(p).length > 0;
}

/** What the backend gets. An empty secret when editing means "keep the stored one" (null). */
export function toDraft(
  values: FormValues,
  mode: Mode,
  preset: ProviderPreset | undefined,
  original: Connection | null,
  acceptedPlainHttp: string | null = null,
): ConnectionDraft {
  const endpoint = endpointShown(preset, values) ? values.endpoint.trim() : "";
  // The backend warns once about plain http to another machine: accepted in this form, or when
  // the connection was saved with this endpoint before.
  const same = (a: string | null | undefined) => (a ?? "").replace(/\/+$/, "") === endpoint.replace(/\/+$/, "");
  const acceptPlainHttp = endpoint !== "" && (same(acceptedPlainHttp) || same(original?.endpoint));
  const secret = values.secretAccessKey.trim();
  const pinned = [...(original?.pinnedBuckets ?? [])];
  const bucket = values.bucket.trim();
  if (bucket !== "" && !pinned.includes(bucket)) pinned.push(bucket);
  const source: CredentialSource = original?.credentialSource ?? { kind: "keyring" };
  return {
    name: values.name.trim(),
    provider: values.provider,
    endpoint: endpoint === "" ? null : endpoint,
    region: values.region.trim(),
    pathStyle: values.pathStyle,
    accessKeyId: values.accessKeyId.trim(),
    secretAccessKey: secret === "" && (mode === "edit" || source.kind !== "keyring") ? null : secret,
    credentialSource: source,
    pinnedBuckets: pinned,
    acceptPlainHttp,
  };
}
