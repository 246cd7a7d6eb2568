//! The token worker thread: owns the PKCS#11 modules and runs jobs one at a time.

use std::path::PathBuf;
use std::sync::mpsc::Receiver;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};

use super::inventory::{self, LoadedModule};
use super::{Job, modules, pin_change, signer};

/// Loads the modules, then serves jobs until told to stop (or every sender is gone), then
/// finalises the modules.
pub fn run(configured: Vec<PathBuf>, inbox: Receiver<Job>) {
    let paths = if configured.is_empty() { modules::probe() } else { configured };
    let loaded: Vec<LoadedModule> = paths.into_iter().filter_map(load).collect();
    if loaded.is_empty() {
        tracing::warn!("no PKCS#11 module loaded: no token can be used");
    }
    while let Ok(job) = inbox.recv() {
        // A reply that cannot be delivered means the request was abandoned: nothing to do.
        match job {
            Job::Stop => break,
            Job::Present(reply) => {
                let present = loaded.iter().any(|m| m.context.get_slots_with_token().is_ok_and(|s| !s.is_empty()));
                let _ = reply.send(Ok(present));
            }
            Job::Certificates(reply) => {
                let _ = reply.send(Ok(inventory::certificates(&loaded)));
            }
            Job::Describe(thumbprint, reply) => {
                let _ = reply.send(inventory::describe(&loaded, thumbprint));
            }
            Job::Sign(job, reply) => {
                let _ = reply.send(signer::sign(&loaded, &job));
            }
            Job::ChangePin(change, reply) => {
                let _ = reply.send(pin_change::change(&loaded, &change.target, &change.old, &change.new));
            }
        }
    }
    for module in loaded {
        if let Err(error) = module.context.finalize() {
            tracing::debug!(%error, "finalize");
        }
    }
}

fn load(path: PathBuf) -> Option<LoadedModule> {
    let context = match Pkcs11::new(&path) {
        Ok(context) => context,
        Err(error) => {
            tracing::warn!(module = %path.display(), %error, "cannot load PKCS#11 module");
            return None;
        }
    };
    // The worker is the only caller, but modules may start threads of their own.
    if let Err(error) = context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        tracing::warn!(module = %path.display(), %error, "cannot initialise PKCS#11 module");
        return None;
    }
    tracing::info!(module = %path.display(), "loaded PKCS#11 module");
    Some(LoadedModule { path, context })
}
