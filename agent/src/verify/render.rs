//! The verification report for people: every line in Vietnamese and English.

use std::fmt::Write;

use kyso_protocol::{
    EvidenceSource, ModificationLevel, RevocationStatus, SignatureReport, SignatureType, Verdict, VerifyResponse,
};

/// The report of `response` about the file `name`.
pub fn text(name: &str, response: &VerifyResponse) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Tài liệu / Document: {name}");
    let _ = writeln!(out, "  {} bytes, SHA-256 {}", response.size, response.sha256);
    let _ = writeln!(out, "Kết luận / Verdict: {}", verdict(response.verdict));
    if response.signatures.is_empty() {
        let _ = writeln!(out, "  Không có chữ ký nào / No signature found.");
    }
    for (index, signature) in response.signatures.iter().enumerate() {
        out.push('\n');
        write_signature(&mut out, index + 1, signature);
    }
    out
}

fn write_signature(out: &mut String, number: usize, s: &SignatureReport) {
    let kind = match s.signature_type {
        SignatureType::Signature => "Chữ ký / Signature",
        SignatureType::DocumentTimestamp => "Dấu thời gian tài liệu / Document timestamp",
    };
    let field = s.field_name.as_deref().map(|f| format!(": {f}")).unwrap_or_default();
    let sub_filter = s.sub_filter.as_deref().map(|f| format!(" ({f})")).unwrap_or_default();
    let _ = writeln!(out, "{kind} {number}{field}{sub_filter}");
    let line = |out: &mut String, label: &str, value: &str| {
        let _ = writeln!(out, "  {label:<34} {value}");
    };
    if let Some(signer) = &s.signer {
        line(out, "Người ký / Signer:", &signer.subject);
        line(out, "Cấp bởi / Issuer:", &signer.issuer);
        line(out, "Số hiệu / Serial:", &signer.serial);
        line(out, "Dấu vân tay / SHA-256:", &signer.thumbprint);
        line(out, "Hiệu lực / Valid:", &format!("{} .. {}", signer.not_before, signer.not_after));
    }
    if let Some(time) = &s.claimed_time {
        line(out, "Thời điểm ký (tự khai) / Claimed:", time);
    }
    if let Some(t) = &s.timestamp {
        let state = match (t.intact, t.trusted) {
            (true, true) => "hợp lệ / valid",
            (true, false) => "không tin cậy / not trusted",
            _ => "KHÔNG HỢP LỆ / INVALID",
        };
        line(out, "Dấu thời gian / Timestamp:", &format!("{} ({state}; TSA {})", t.time, t.tsa));
    }
    let integrity = match (s.integrity.digest_ok, s.integrity.signature_ok) {
        (true, true) => "nguyên vẹn / intact".to_owned(),
        (false, _) => "BỊ THAY ĐỔI / ALTERED".to_owned(),
        (true, false) => "CHỮ KÝ SAI / BAD SIGNATURE".to_owned(),
    };
    let detail = s.integrity.detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default();
    line(out, "Toàn vẹn / Integrity:", &format!("{integrity}{detail}"));
    if let Some(c) = &s.coverage {
        let covered = if c.whole_file {
            "toàn bộ tệp / the whole file".to_owned()
        } else {
            format!("phiên bản / revision {} of {} ({} bytes)", c.revision, c.revisions, c.signed_bytes)
        };
        line(out, "Phạm vi / Covers:", &covered);
    }
    if let Some(m) = &s.modifications {
        line(out, "Thay đổi sau khi ký / Changed after:", modification(m.level));
        for object in &m.objects {
            let _ = writeln!(out, "    {:>8}  {}  [{}]", object.object, object.what, modification(object.level));
        }
    }
    let chain = if s.chain.trusted {
        format!("tin cậy / trusted: {}", s.chain.certificates.join(" → "))
    } else {
        format!("KHÔNG TIN CẬY / NOT TRUSTED ({})", s.chain.detail.as_deref().unwrap_or("-"))
    };
    line(out, "Chuỗi chứng thư / Chain:", &chain);
    let sources: Vec<&str> = s.revocation.sources.iter().map(|source| source_name(*source)).collect();
    let revocation = match s.revocation.status {
        RevocationStatus::Good => format!("chưa bị thu hồi / not revoked ({})", sources.join(", ")),
        RevocationStatus::Revoked => {
            format!("ĐÃ BỊ THU HỒI / REVOKED ({})", s.revocation.detail.as_deref().unwrap_or("-"))
        }
        RevocationStatus::Unknown => {
            format!("không xác định / unknown ({})", s.revocation.detail.as_deref().unwrap_or("-"))
        }
        RevocationStatus::NotChecked => "chưa kiểm tra / not checked".to_owned(),
    };
    line(out, "Thu hồi / Revocation:", &revocation);
    if let Some(level) = s.level {
        line(out, "Mức / Level:", &format!("PAdES/CAdES {}", level.as_str()));
    }
    line(out, "Kết luận / Verdict:", verdict(s.verdict));
    for finding in &s.findings {
        let _ = writeln!(out, "  - {}\n    {}", finding.message_vi, finding.message_en);
    }
}

fn verdict(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Valid => "HỢP LỆ / VALID",
        Verdict::Invalid => "KHÔNG HỢP LỆ / INVALID",
        Verdict::Indeterminate => "CHƯA XÁC ĐỊNH / INDETERMINATE",
    }
}

fn modification(level: ModificationLevel) -> &'static str {
    match level {
        ModificationLevel::None => "không / none",
        ModificationLevel::Signatures => "chỉ chữ ký và dữ liệu kiểm tra / signatures and validation data only",
        ModificationLevel::FormFilling => "điền biểu mẫu / form filling",
        ModificationLevel::Annotations => "chú thích / annotations",
        ModificationLevel::Other => "NỘI DUNG KHÁC / OTHER CONTENT",
    }
}

fn source_name(source: EvidenceSource) -> &'static str {
    match source {
        EvidenceSource::EmbeddedOcsp => "OCSP trong tệp / embedded OCSP",
        EvidenceSource::EmbeddedCrl => "CRL trong tệp / embedded CRL",
        EvidenceSource::Ocsp => "OCSP",
        EvidenceSource::Crl => "CRL",
    }
}
