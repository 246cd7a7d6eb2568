//! The Document Security Store (ISO 32000-2 12.8.4.3; ETSI EN 319 142-1 5.4.2): a revision that
//! adds the certificates, OCSP responses and CRLs that validate the file's signatures, and a
//! `/VRI` entry per signature naming its own, for PAdES B-LT. A DSS already in the file is kept
//! and added to; nothing it holds is written twice.

use std::collections::HashMap;
use std::path::Path;

use lopdf::{Dictionary, Object, ObjectId, Stream};
use sha2::{Digest, Sha256};

use super::error::PdfError;
use super::file::PdfFile;
use super::increment::deflate;
use super::objects::NewObjects;
use super::update;

/// A DSS stream larger than this (decoded) is not a certificate, response or CRL worth keeping.
const MAX_ITEM: usize = 64 << 20;

/// The validation data of one signature (or document timestamp).
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// Its `/VRI` key ([`super::EmbeddedSignature::vri_key`]).
    pub vri_key: &'a str,
    /// Certificates (DER).
    pub certs: &'a [Vec<u8>],
    /// OCSP responses (DER).
    pub ocsps: &'a [Vec<u8>],
    /// CRLs (DER).
    pub crls: &'a [Vec<u8>],
}

/// The three lists of a DSS, as object references, and what each reference holds (by SHA-256).
#[derive(Debug, Default)]
struct Lists {
    certs: Vec<Object>,
    ocsps: Vec<Object>,
    crls: Vec<Object>,
    known: HashMap<[u8; 32], ObjectId>,
}

/// Writes `input` with a new revision holding a DSS with `entries` to `destination` (which may
/// be `input`: the file is replaced atomically).
///
/// # Errors
///
/// [`PdfError`] for files that cannot be updated and I/O errors.
pub fn add(input: &Path, destination: &Path, entries: &[Entry<'_>]) -> Result<(), PdfError> {
    let file = PdfFile::open(input)?;
    if file.trailer().has(b"Encrypt") {
        return Err(PdfError::Encrypted("extending encrypted PDFs is not supported yet".into()));
    }
    let (catalog_id, mut catalog) = file.catalog()?;
    let mut objects = NewObjects::new(file.size()?);
    let (dss_id, old) = match catalog.get(b"DSS") {
        Ok(Object::Reference(id)) => match file.get(*id)? {
            Object::Dictionary(dict) => (Some(*id), dict),
            _ => (Some(*id), Dictionary::new()),
        },
        Ok(Object::Dictionary(dict)) => (None, dict.clone()),
        _ => (None, Dictionary::new()),
    };
    let mut lists = Lists::default();
    for (key, list) in [(&b"Certs"[..], &mut lists.certs), (b"OCSPs", &mut lists.ocsps), (b"CRLs", &mut lists.crls)] {
        if let Ok(items) = old.get(key).map(|a| file.resolve(a)) {
            let Object::Array(items) = items? else { continue };
            for item in items {
                if let Object::Reference(id) = item
                    && let Object::Stream(stream) = file.get(id)?
                    && let Ok(data) = file.stream_data(&stream, MAX_ITEM)
                {
                    lists.known.insert(Sha256::digest(&data).into(), id);
                }
                list.push(item);
            }
        }
    }
    let mut vri = match old.get(b"VRI").map(|v| file.resolve(v)) {
        Ok(Ok(Object::Dictionary(vri))) => vri,
        _ => Dictionary::new(),
    };
    for entry in entries {
        let mut own = Dictionary::new();
        for (key, items, list) in [
            ("Cert", entry.certs, &mut lists.certs),
            ("OCSP", entry.ocsps, &mut lists.ocsps),
            ("CRL", entry.crls, &mut lists.crls),
        ] {
            let mut references = Vec::new();
            for item in items {
                let digest: [u8; 32] = Sha256::digest(item).into();
                let id = match lists.known.get(&digest) {
                    Some(id) => *id,
                    None => {
                        let id = objects.add(stream(item)?);
                        lists.known.insert(digest, id);
                        list.push(Object::Reference(id));
                        id
                    }
                };
                references.push(Object::Reference(id));
            }
            if !references.is_empty() {
                own.set(key, Object::Array(references));
            }
        }
        own.set("Type", Object::Name(b"VRI".to_vec()));
        vri.set(entry.vri_key.as_bytes().to_vec(), Object::Dictionary(own));
    }

    let mut dss = old.clone();
    dss.set("Type", Object::Name(b"DSS".to_vec()));
    for (key, list) in [("Certs", lists.certs), ("OCSPs", lists.ocsps), ("CRLs", lists.crls)] {
        if !list.is_empty() {
            dss.set(key, Object::Array(list));
        }
    }
    if !vri.is_empty() {
        dss.set("VRI", Object::Dictionary(vri));
    }
    match dss_id {
        Some(id) => objects.set(id, dss),
        None => {
            let id = objects.add(dss);
            catalog.set("DSS", Object::Reference(id));
            objects.set(catalog_id, catalog);
        }
    }
    let written = update::write_beside(&file, objects, destination)?;
    drop(file);
    update::persist(written, destination)
}

/// The certificates, OCSP responses and CRLs a file's DSS holds (DER), in that order; empty
/// lists when it has none. Items that cannot be read are left out.
///
/// # Errors
///
/// [`PdfError::Invalid`] when the catalog cannot be read.
pub fn read(file: &PdfFile) -> Result<[Vec<Vec<u8>>; 3], PdfError> {
    let (_, catalog) = file.catalog()?;
    let mut lists: [Vec<Vec<u8>>; 3] = Default::default();
    let Some(dss) = file.dict_at(&catalog, b"DSS")? else { return Ok(lists) };
    for (key, list) in [&b"Certs"[..], b"OCSPs", b"CRLs"].into_iter().zip(lists.iter_mut()) {
        let Ok(Ok(Object::Array(items))) = dss.get(key).map(|a| file.resolve(a)) else { continue };
        for item in items {
            if let Ok(Object::Stream(stream)) = file.resolve(&item)
                && let Ok(data) = file.stream_data(&stream, MAX_ITEM)
            {
                list.push(data);
            }
        }
    }
    Ok(lists)
}

fn stream(data: &[u8]) -> Result<Stream, PdfError> {
    let mut dict = Dictionary::new();
    dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
    Ok(Stream::new(dict, deflate(data)?))
}
