//! `kyso-agent settings`: the Settings window on its own, for desktops that show no tray icon
//! (Debian's GNOME without the AppIndicator extension) and for the applications menu. It works
//! on the same files and tokens as the running agent, which reads them at every request, so
//! changes apply at once there too.

use std::path::Path;
use std::time::Duration;

use crate::config;

/// Shows Settings until it is closed.
pub fn run(config_path: Option<&Path>) -> Result<(), String> {
    let config = config::load(config_path).map_err(|e| e.to_string())?;
    let lang = super::Prompting::of(&config).lang;
    crate::ui::run_beside(move |ui| {
        let runtime = super::runtime()?;
        // Settings signs nothing: the signer is there for its tokens, images and defaults.
        let prompter =
            crate::prompt::Prompter::Pinentry { program: config.prompter.clone(), timeout: config.prompt_timeout };
        let (tokens, _worker) = crate::token::TokenService::start(config.modules.clone())
            .map_err(|e| format!("cannot start the token worker: {e}"))?;
        let signer = crate::signing::Signer::new(tokens, prompter, 0)
            .with_timestamps(super::timestamp_authority(&config, config.tsa_url.clone())?)
            .with_personal_images(crate::personal_images::PersonalImages::for_this_user())
            .with_user_defaults(crate::user_defaults::UserDefaults::for_this_user(config.defaults.clone()));
        let parts = super::settings_parts(&config, &signer, lang, runtime.handle().clone());
        ui.settings(parts).map_err(|e| e.to_string())?;
        // The token calls run on this runtime: keep it until the window is closed.
        while ui.settings_showing() {
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(())
    })
}
