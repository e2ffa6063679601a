// The connection form's logic without React: presets, endpoint templates, drafts. The rules a
// draft must meet live in the engine only (check_connection_draft); problemsFrom puts its answer
// on the form's fields.
import type {
  Connection,
  ConnectionDraft,
  CredentialSource,
  DraftProblems,
  Provider,
  ProviderPreset,
} from "../bindings";

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

export type Field = "name" | "endpoint" | "region" | "accessKeyId" | "secretAccessKey" | "profile" | "bucket";
/** A sentence for each field that needs fixing, from the engine. */
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

export type Mode = "create" | "edit";

/**
 * The engine's answer put on the form's fields: the credential source is the AWS profile note,
 * and the pinned buckets' problem belongs to the bucket field (the only one the form adds).
 */
export function problemsFrom(p: DraftProblems): Problems {
  const byField: [Field, string | null][] = [
    ["name", p.name],
    ["endpoint", p.endpoint],
    ["region", p.region],
    ["accessKeyId", p.accessKeyId],
    ["secretAccessKey", p.secretAccessKey],
    ["profile", p.credentialSource],
    ["bucket", p.pinnedBuckets],
  ];
  const problems: Problems = {};
  for (const [field, problem] of byField) if (problem !== null) problems[field] = problem;
  return problems;
}

export function hasProblems(p: Problems): boolean {
  return Object.keys(p).length > 0;
}

/**
 * What the backend gets. An empty secret when editing means "keep the stored one" (null); a
 * shown endpoint, and a secret the form asks for, go as typed even when empty, so the engine can
 * say they are missing.
 */
export function toDraft(
  values: FormValues,
  mode: Mode,
  preset: ProviderPreset | undefined,
  original: Connection | null,
  acceptedPlainHttp: string | null = null,
): ConnectionDraft {
  const shown = endpointShown(preset, values);
  const endpoint = shown ? values.endpoint.trim() : "";
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
    endpoint: shown ? endpoint : null,
    region: values.region.trim(),
    pathStyle: values.pathStyle,
    accessKeyId: values.accessKeyId.trim(),
    secretAccessKey: secret === "" && (mode === "edit" || source.kind !== "keyring") ? null : secret,
    credentialSource: source,
    pinnedBuckets: pinned,
    acceptPlainHttp,
  };
}
