// kyso.js: the browser client of the Kyso signing agent (API v1). One dependency-free ES
// module: vendor this file (and kyso.d.ts) into a portal. The PIN is never asked here: Kyso
// asks for it in its own window, after showing the user who asks and what is signed.
//
//   import { Kyso } from "./kyso.js";
//   const kyso = new Kyso();                       // https://127.0.0.1:8987
//   await kyso.detect();                           // throws KysoError "agent_unreachable"
//   const [cert] = await kyso.certificates({ usable: true });
//   const signed = await kyso.signPdf(pdfBlob, { certificate: cert.thumbprint, act: "approve" });

/** Where the agent listens unless told otherwise. */
export const DEFAULT_URL = "https://127.0.0.1:8987";

/** A failure, with Kyso's stable code and its message in Vietnamese and English. */
export class KysoError extends Error {
  constructor(code, messageVi, messageEn, { status = 0, detail = null, pin = null } = {}) {
    super(`${messageEn} (${code}${detail ? `: ${detail}` : ""})`);
    this.name = "KysoError";
    this.code = code;
    this.messageVi = messageVi;
    this.messageEn = messageEn;
    this.status = status;
    this.detail = detail;
    this.pin = pin;
  }
}

const UNREACHABLE = [
  "agent_unreachable",
  "Không kết nối được Kyso. Hãy kiểm tra Kyso đang chạy (biểu tượng ở khay hệ thống) và đã được cài đặt đầy đủ (chứng thư của Kyso phải được trình duyệt tin cậy).",
  "Kyso could not be reached. Check that Kyso is running (its tray icon) and fully installed (the browser must trust Kyso's certificate).",
];

function toBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (typeof data === "string") return new TextEncoder().encode(data);
  throw new TypeError("expected a Blob, ArrayBuffer, typed array or string");
}

function base64(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function fromBase64(text) {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

function query(options) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || value === null) continue;
    params.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** A client of the agent at `url`. */
export class Kyso {
  constructor(url = DEFAULT_URL) {
    this.url = url.replace(/\/+$/, "");
  }

  async #fetch(path, init = {}) {
    const headers = { ...(init.headers || {}) };
    if (init.method === "POST") headers["X-Kyso-Request"] = "1";
    let response;
    try {
      response = await fetch(this.url + path, { ...init, headers, mode: "cors", credentials: "omit" });
    } catch (cause) {
      throw new KysoError(...UNREACHABLE, { detail: String(cause) });
    }
    if (response.ok) return response;
    const body = await response.json().catch(() => null);
    const error = body && body.error;
    if (error) {
      throw new KysoError(error.code, error.message_vi, error.message_en, {
        status: response.status,
        detail: error.detail || null,
        pin: error.pin || null,
      });
    }
    throw new KysoError("http_error", `Lỗi HTTP ${response.status}`, `HTTP error ${response.status}`, {
      status: response.status,
    });
  }

  async #json(path, body) {
    const init = body === undefined ? {} : {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    };
    return (await this.#fetch(path, init)).json();
  }

  /** The agent's status (version, tokens present, the origin it saw); throws when unreachable. */
  async detect() {
    const status = await this.#json("/v1/status");
    return { version: status.version, apiVersion: status.api_version, tokensPresent: status.tokens_present, origin: status.origin };
  }

  /** The certificates on the present tokens; `usable: true` keeps those that can sign now. */
  async certificates({ usable = false } = {}) {
    const { certificates } = await this.#json("/v1/certificates");
    return usable ? certificates.filter((c) => c.status === "valid" && c.signature_algorithms.length > 0) : certificates;
  }

  /**
   * Signs one PDF (a Blob or bytes), sent raw: the answer is the signed PDF as a Blob with
   * what was made. Options are those of `POST /v1/sign/pdf` (certificate, act, level, page,
   * rect, field, anchor, doc_number, issued_date, reference, copy_form, comment, reason,
   * location, document_name, signature_algorithm, digest_algorithm), and `image` (a Blob or
   * bytes: the handwritten signature or seal, PNG or JPEG; the PDF then travels in JSON).
   */
  async signPdf(pdf, options) {
    if (options.image !== undefined) {
      const { image, ...rest } = options;
      const bytes = async (data) => (data instanceof Blob ? new Uint8Array(await data.arrayBuffer()) : toBytes(data));
      const answer = await this.#json("/v1/sign/pdf", {
        ...rest,
        pdf_base64: base64(await bytes(pdf)),
        image_base64: base64(await bytes(image)),
      });
      return {
        pdf: new Blob([fromBase64(answer.pdf_base64)], { type: "application/pdf" }),
        fieldName: answer.field_name,
        certificate: answer.certificate,
        signatureAlgorithm: answer.signature_algorithm,
        level: answer.level,
        timestampTime: answer.timestamp_time || null,
      };
    }
    const body = pdf instanceof Blob ? pdf : new Blob([toBytes(pdf)], { type: "application/pdf" });
    const { rect, ...rest } = options;
    const response = await this.#fetch(`/v1/sign/pdf${query({ ...rest, rect })}`, {
      method: "POST",
      headers: { "Content-Type": "application/pdf" },
      body,
    });
    const header = (name) => response.headers.get(name);
    return {
      pdf: new Blob([await response.arrayBuffer()], { type: "application/pdf" }),
      fieldName: decodeURIComponent(header("X-Kyso-Field") || ""),
      certificate: header("X-Kyso-Certificate"),
      signatureAlgorithm: header("X-Kyso-Signature-Algorithm"),
      level: header("X-Kyso-Level"),
      timestampTime: header("X-Kyso-Timestamp-Time"),
    };
  }

  /**
   * Signs a PDF the agent downloads from `pdf_url` and, with `upload_url`, uploads to the
   * portal (both on an allowed origin); `url_auth` carries the portal session. Answers
   * `POST /v1/sign/pdf`'s JSON.
   */
  async signPdfByUrl(options) {
    return this.#json("/v1/sign/pdf", options);
  }

  /**
   * Signs several PDFs after one consent and one PIN entry. `documents` are
   * `{ pdf (Blob or bytes) | pdf_url, document_name, page, rect, field, upload_url }`; the
   * answer has one result per document, with `pdf` as a Blob when it came back.
   */
  async signPdfs(documents, options) {
    const list = [];
    for (const document of documents) {
      const { pdf, ...rest } = document;
      if (pdf !== undefined) {
        const bytes = pdf instanceof Blob ? new Uint8Array(await pdf.arrayBuffer()) : toBytes(pdf);
        rest.pdf_base64 = base64(bytes);
      }
      list.push(rest);
    }
    const answer = await this.#json("/v1/sign/pdf", { ...options, documents: list });
    for (const result of answer.results) {
      if (result.pdf_base64) result.pdf = new Blob([fromBase64(result.pdf_base64)], { type: "application/pdf" });
    }
    return answer;
  }

  /**
   * A detached CMS signature (CAdES) over `content` (Blob, bytes or text), or over a digest
   * computed by the portal (`{ digest, digest_algorithm }`). Answers the signature's bytes
   * (`signature`, DER, a .p7s) with what was made.
   */
  async signDetached(content, options) {
    let body;
    if (content && content.digest !== undefined) {
      body = { ...options, digest_base64: base64(toBytes(content.digest)), digest_algorithm: content.digest_algorithm };
    } else {
      const bytes = content instanceof Blob ? new Uint8Array(await content.arrayBuffer()) : toBytes(content);
      body = { ...options, content_base64: base64(bytes) };
    }
    const answer = await this.#json("/v1/sign/detached", body);
    return { ...answer, signature: fromBase64(answer.signature_base64) };
  }

  /**
   * Verifies a PDF (Blob or bytes), or a detached signature with its content
   * (`{ signature, content }`). Answers `POST /v1/verify`'s report: `verdict` and each
   * signature's integrity, changes after it, chain, revocation, timestamp and level.
   */
  async verify(input) {
    if (input && input.signature !== undefined) {
      const content = input.content instanceof Blob ? new Uint8Array(await input.content.arrayBuffer()) : toBytes(input.content);
      return this.#json("/v1/verify", { signature_base64: base64(toBytes(input.signature)), content_base64: base64(content) });
    }
    const body = input instanceof Blob ? input : new Blob([toBytes(input)], { type: "application/pdf" });
    return (await this.#fetch("/v1/verify", { method: "POST", headers: { "Content-Type": "application/pdf" }, body })).json();
  }
}
