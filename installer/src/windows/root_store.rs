//! The LocalMachine ROOT certificate store (crypt32): what Edge, Chrome, and Firefox with
//! `ImportEnterpriseRoots` trust on Windows.
#![allow(unsafe_code)]

use std::ptr::{null, null_mut};

use windows_sys::Win32::Foundation::GetLastError;
use windows_sys::Win32::Security::Cryptography::{
    CERT_CONTEXT, CERT_FIND_SHA1_HASH, CERT_QUERY_ENCODING_TYPE, CERT_STORE_ADD_REPLACE_EXISTING,
    CERT_STORE_CTRL_COMMIT, CERT_STORE_PROV_SYSTEM_W, CERT_SYSTEM_STORE_LOCAL_MACHINE, CRYPT_INTEGER_BLOB,
    CertAddEncodedCertificateToStore, CertCloseStore, CertControlStore, CertDeleteCertificateFromStore,
    CertEnumCertificatesInStore, CertFindCertificateInStore, CertFreeCertificateContext, CertOpenStore, HCERTSTORE,
    PKCS_7_ASN_ENCODING, X509_ASN_ENCODING,
};

use crate::text::{Failure, failure};

const ENCODING: CERT_QUERY_ENCODING_TYPE = X509_ASN_ENCODING | PKCS_7_ASN_ENCODING;

/// An open store, closed on drop.
struct Store(HCERTSTORE);

impl Drop for Store {
    fn drop(&mut self) {
        // SAFETY: the handle came from CertOpenStore and is closed once.
        unsafe { CertCloseStore(self.0, 0) };
    }
}

fn open_root() -> Result<Store, Failure> {
    let name: Vec<u16> = "ROOT".encode_utf16().chain([0]).collect();
    // SAFETY: `name` is a NUL-terminated UTF-16 string that outlives the call.
    let handle =
        unsafe { CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_LOCAL_MACHINE, name.as_ptr().cast()) };
    if handle.is_null() {
        return Err(last_error("Không mở được kho chứng thư gốc của máy", "Cannot open the machine's ROOT store"));
    }
    Ok(Store(handle))
}

/// Adds (or replaces) the certificate `der`; returns its SHA-1 thumbprint, upper-case hex.
///
/// # Errors
///
/// The store cannot be opened (not an administrator) or refuses the certificate.
pub fn add(der: &[u8]) -> Result<String, Failure> {
    let store = open_root()?;
    let length =
        u32::try_from(der.len()).map_err(|_| failure("Chứng thư quá lớn", "Certificate too large", der.len()))?;
    let mut context: *mut CERT_CONTEXT = null_mut();
    // SAFETY: `der` is valid for `length` bytes; `context` receives a context we free below.
    let added = unsafe {
        CertAddEncodedCertificateToStore(
            store.0,
            ENCODING,
            der.as_ptr(),
            length,
            CERT_STORE_ADD_REPLACE_EXISTING,
            &mut context,
        )
    };
    if added == 0 {
        return Err(last_error("Không thêm được CA vào kho chứng thư gốc", "Cannot add the CA to the ROOT store"));
    }
    // SAFETY: `context` is the one CertAddEncodedCertificateToStore returned.
    unsafe { CertFreeCertificateContext(context) };
    Ok(thumbprint(der))
}

/// Whether the store holds the certificate with this SHA-1 thumbprint.
pub fn contains(sha1_hex: &str) -> bool {
    let Ok(store) = open_root() else { return false };
    let found = find(&store, sha1_hex);
    if !found.is_null() {
        // SAFETY: a context returned by CertFindCertificateInStore, freed once.
        unsafe { CertFreeCertificateContext(found) };
    }
    !found.is_null()
}

/// Removes the certificate with this SHA-1 thumbprint; a missing one is fine.
///
/// # Errors
///
/// The store cannot be opened or refuses the deletion.
pub fn remove(sha1_hex: &str) -> Result<(), Failure> {
    let store = open_root()?;
    let found = find(&store, sha1_hex);
    if found.is_null() {
        return Ok(());
    }
    // SAFETY: `found` came from CertFindCertificateInStore; the call frees it, success or not.
    if unsafe { CertDeleteCertificateFromStore(found) } == 0 {
        return Err(last_error("Không xoá được CA khỏi kho chứng thư gốc", "Cannot remove the CA from the ROOT store"));
    }
    // Wine keeps the machine's ROOT store cached in the process and writes deletions only on a
    // commit; Windows writes at once, and a commit there does nothing more.
    // SAFETY: an open store handle; no parameter block for COMMIT.
    unsafe { CertControlStore(store.0, 0, CERT_STORE_CTRL_COMMIT, null()) };
    Ok(())
}

/// Every certificate (DER) in the machine's ROOT store.
pub fn certificates() -> Vec<Vec<u8>> {
    let Ok(store) = open_root() else { return Vec::new() };
    let mut out = Vec::new();
    let mut context: *const CERT_CONTEXT = null();
    loop {
        // SAFETY: passing the previous context frees it; a null return ends the walk.
        context = unsafe { CertEnumCertificatesInStore(store.0, context) };
        if context.is_null() {
            return out;
        }
        // SAFETY: a live context's encoded bytes, valid until the next call.
        let der = unsafe { std::slice::from_raw_parts((*context).pbCertEncoded, (*context).cbCertEncoded as usize) };
        out.push(der.to_vec());
    }
}

fn find(store: &Store, sha1_hex: &str) -> *mut CERT_CONTEXT {
    let Ok(mut hash) = hex::decode(sha1_hex) else { return null_mut() };
    let blob = CRYPT_INTEGER_BLOB { cbData: u32::try_from(hash.len()).unwrap_or(0), pbData: hash.as_mut_ptr() };
    // SAFETY: `blob` points into `hash`, both alive for the call.
    unsafe { CertFindCertificateInStore(store.0, ENCODING, 0, CERT_FIND_SHA1_HASH, (&raw const blob).cast(), null()) }
}

/// SHA-1 of the certificate, as Windows names certificates (upper-case hex).
pub fn thumbprint(der: &[u8]) -> String {
    hex::encode_upper(ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, der))
}

fn last_error(vi: &str, en: &str) -> Failure {
    // SAFETY: reads the calling thread's last-error value.
    let code = unsafe { GetLastError() };
    failure(vi, en, format!("0x{code:08x}"))
}
