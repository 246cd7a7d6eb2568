// Type declarations of kyso.js (API v1). The wire names are those of the Rust crate
// kyso-protocol, whose docs have worked examples.

export declare const DEFAULT_URL: string;

export type SigningAct = "approve" | "issue" | "copy" | "appendix" | "incoming" | "comment" | "plain";
export type SignatureLevel = "B-B" | "B-T" | "B-LT" | "B-LTA";
export type SignatureAlgorithm = "rsa-pss" | "rsa-pkcs1" | "ecdsa";
export type DigestAlgorithm = "sha256" | "sha384" | "sha512";
export type Verdict = "valid" | "invalid" | "indeterminate";

export declare class KysoError extends Error {
  /** Kyso's stable code (`user_cancelled`, `pin_incorrect`, `origin_not_allowed`, ...), or
   * `agent_unreachable` when Kyso is not running or its certificate is not trusted. */
  readonly code: string;
  readonly messageVi: string;
  readonly messageEn: string;
  /** The HTTP status (0 when unreachable). */
  readonly status: number;
  readonly detail: string | null;
  readonly pin: { count_low: boolean; final_try: boolean } | null;
}

export interface Status {
  version: string;
  apiVersion: number;
  tokensPresent: boolean;
  origin: string | null;
}

export interface Certificate {
  thumbprint: string;
  subject: string;
  issuer: string;
  serial: string;
  not_before: string;
  not_after: string;
  key: { type: "rsa" | "ec"; bits: number };
  key_usage: string[];
  status: "valid" | "expired" | "not_yet_valid" | "not_for_signing";
  signature_algorithms: SignatureAlgorithm[];
  der_base64: string;
  token: { label: string; serial: string; manufacturer: string; model: string; slot_id: number };
}

export interface PdfOptions {
  certificate: string;
  /** Absent with no field, anchor or rect: the user's (or policy's) act for this portal, else invisible. */
  act?: SigningAct;
  /** Absent: the user's (or policy's) default level for the certificate, else "B-B". */
  level?: SignatureLevel;
  page?: number;
  rect?: [number, number, number, number];
  field?: string;
  anchor?: string;
  field_name?: string;
  doc_number?: string;
  issued_date?: string;
  reference?: string;
  copy_form?: string;
  comment?: string;
  reason?: string;
  location?: string;
  document_name?: string;
  signature_algorithm?: SignatureAlgorithm;
  digest_algorithm?: DigestAlgorithm;
  /** The handwritten signature (approve) or seal (issue), PNG or JPEG. */
  image?: Blob | ArrayBuffer | Uint8Array;
}

export interface SignedPdf {
  pdf: Blob;
  fieldName: string;
  certificate: string | null;
  signatureAlgorithm: string | null;
  level: string | null;
  timestampTime: string | null;
}

export interface UrlAuth {
  bearer?: string;
  cookie?: string;
}

export interface ByUrlOptions extends Omit<PdfOptions, "image"> {
  /** The handwritten signature or seal, PNG or JPEG, base64. */
  image_base64?: string;
  pdf_url: string;
  upload_url?: string;
  upload_field?: string;
  url_auth?: UrlAuth;
}

export interface BatchDocument {
  pdf?: Blob | ArrayBuffer | Uint8Array;
  pdf_url?: string;
  upload_url?: string;
  document_name?: string;
  page?: number;
  rect?: [number, number, number, number];
  field?: string;
  anchor?: string;
}

export interface BatchResult {
  document_name: string;
  pdf?: Blob;
  upload?: { url: string; status: number; response: unknown };
  field_name?: string;
  timestamp_time?: string;
  error?: { code: string; message_vi: string; message_en: string; detail?: string };
}

export interface DetachedResult {
  signature: Uint8Array;
  certificate: string;
  signature_algorithm: SignatureAlgorithm;
  digest_algorithm: DigestAlgorithm;
  level: SignatureLevel;
  timestamp_time?: string;
}

export interface VerifyReport {
  verdict: Verdict;
  size: number;
  sha256: string;
  signatures: Array<{
    field_name?: string;
    type: "signature" | "document_timestamp";
    signer?: { subject: string; issuer: string; serial: string; thumbprint: string };
    claimed_time?: string;
    timestamp?: { time: string; intact: boolean; trusted: boolean; tsa: string };
    integrity: { digest_ok: boolean; signature_ok: boolean; detail?: string };
    coverage?: { whole_file: boolean; revision: number; revisions: number; signed_bytes: number };
    modifications?: { level: "none" | "signatures" | "form_filling" | "annotations" | "other"; objects: Array<{ object: string; what: string; level: string }> };
    chain: { trusted: boolean; certificates: string[]; checked_at: string; detail?: string };
    revocation: { status: "good" | "revoked" | "unknown" | "not_checked"; sources: string[]; detail?: string };
    level?: SignatureLevel;
    verdict: Verdict;
    findings: Array<{ code: string; message_vi: string; message_en: string }>;
  }>;
}

export declare class Kyso {
  constructor(url?: string);
  readonly url: string;
  detect(): Promise<Status>;
  certificates(options?: { usable?: boolean }): Promise<Certificate[]>;
  signPdf(pdf: Blob | ArrayBuffer | Uint8Array, options: PdfOptions): Promise<SignedPdf>;
  signPdfByUrl(options: ByUrlOptions): Promise<Record<string, unknown>>;
  signPdfs(
    documents: BatchDocument[],
    options: Omit<PdfOptions, "page" | "rect" | "field" | "anchor"> & { upload_url?: string; url_auth?: UrlAuth },
  ): Promise<{ certificate: string; level: SignatureLevel; results: BatchResult[] }>;
  signDetached(
    content: Blob | ArrayBuffer | Uint8Array | string | { digest: Uint8Array; digest_algorithm: DigestAlgorithm },
    /** `level` absent: the certificate's default level (B-LT and B-LTA give B-T), else "B-B". */
    options: { certificate: string; level?: "B-B" | "B-T"; signature_algorithm?: SignatureAlgorithm; document_name?: string },
  ): Promise<DetachedResult>;
  verify(input: Blob | ArrayBuffer | Uint8Array | { signature: Uint8Array; content: Blob | ArrayBuffer | Uint8Array | string }): Promise<VerifyReport>;
}
