//! Starting the agent in every user's desktop session: an XDG autostart entry, which GNOME,
//! KDE, Xfce, Cinnamon and MATE all read. (The agent needs the user's desktop for its windows,
//! so a system service would not do.)

use std::path::{Path, PathBuf};

use crate::layout::Layout;

/// The entry's path.
pub fn entry_path(layout: &Layout) -> PathBuf {
    layout.path("/etc/xdg/autostart/kyso-agent.desktop")
}

/// The entry's text.
pub fn entry(agent: &Path) -> String {
    format!(
        "[Desktop Entry]\n\
         Type=Application\n\
         Name=Kyso\n\
         Comment=Digital signing agent for government portals\n\
         Comment[vi]=Phần mềm ký số cho các cổng thông tin cơ quan nhà nước\n\
         Exec=\"{}\" serve\n\
         Terminal=false\n\
         NoDisplay=true\n\
         X-GNOME-Autostart-enabled=true\n",
        agent.display().to_string().replace('\\', "\\\\").replace('"', "\\\"")
    )
}
