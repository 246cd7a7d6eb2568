//! `kyso-install`: sets a machine up for the Kyso agent, removes it again, and checks it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kyso_installer::layout::Layout;
use kyso_installer::manifest::Manifest;
use kyso_installer::options::{self, SetupOptions};
use kyso_installer::text::Failure;
use kyso_installer::{doctor, setup, uninstall};

#[derive(Parser)]
#[command(
    name = "kyso-install",
    version,
    about = "Cài đặt Kyso cho máy này / Sets this machine up for the Kyso signing agent"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Install under this directory instead of `/` (Linux; for tests and package staging).
    #[arg(long, global = true, default_value = "/", env = "KYSO_INSTALL_ROOT", hide = cfg!(windows))]
    root: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Make the machine's CA and certificate, trust it, write the policies, register autostart.
    /// Running it again replaces everything, CA included (that is how to renew).
    Setup {
        /// Portal origins allowed to call the agent, separated by commas; empty or absent: those
        /// of the current installation (so that renewing is `setup` alone).
        #[arg(long, default_value = "")]
        origins: String,
        /// PKCS#11 modules (absolute paths), separated by commas; empty or absent: those of the
        /// current installation, else none (the agent looks in the vendors' known locations).
        #[arg(long, default_value = "")]
        modules: String,
        /// The agent's port on 127.0.0.1 and ::1; empty or absent: the current installation's,
        /// else 8987.
        #[arg(long, default_value = "")]
        port: String,
        /// The agent program; default: `kyso-agent` beside this program.
        #[arg(long)]
        agent: Option<PathBuf>,
        /// Users to set up (Linux), separated by commas; default: every login user.
        #[arg(long)]
        users: Option<String>,
        /// Server certificate lifetime in days (at most 825).
        #[arg(long, default_value_t = kyso_installer::local_ca::DEFAULT_LEAF_LIFETIME_DAYS)]
        leaf_days: u32,
    },
    /// Remove everything setup made: trust entries, policies, autostart, files.
    Uninstall,
    /// Check the installation and explain what is wrong.
    Doctor {
        /// Print the checks as JSON, for scripts.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let layout = Layout::for_this_machine(&cli.root);
    let changes_machine = matches!(cli.command, Command::Setup { .. } | Command::Uninstall);
    if changes_machine && let Err(failure) = must_be_administrator(&layout) {
        eprintln!("Lỗi / Error: {failure}");
        return ExitCode::FAILURE;
    }
    let result = match cli.command {
        Command::Setup { origins, modules, port, agent, users, leaf_days } => {
            setup_command(&layout, &origins, &modules, &port, agent, users.as_deref(), leaf_days)
        }
        Command::Uninstall => uninstall::run(&layout).map(|removed| {
            if removed {
                println!("Đã gỡ Kyso khỏi máy này. / Kyso was removed from this machine.");
            } else {
                println!("Kyso chưa được cài đặt; không có gì để gỡ. / Kyso is not installed; nothing to remove.");
            }
            ExitCode::SUCCESS
        }),
        Command::Doctor { json } => {
            let checks = doctor::run(&layout);
            if json {
                println!("{}", serde_json::to_string_pretty(&checks).unwrap_or_default());
            } else {
                print!("{}", doctor::human(&checks));
            }
            Ok(if doctor::any_failed(&checks) { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
    };
    result.unwrap_or_else(|failure| {
        eprintln!("Lỗi / Error: {failure}");
        ExitCode::FAILURE
    })
}

fn setup_command(
    layout: &Layout,
    origins: &str,
    modules: &str,
    port: &str,
    agent: Option<PathBuf>,
    users: Option<&str>,
    leaf_days: u32,
) -> Result<ExitCode, Failure> {
    // MSI properties arrive empty when not given, also on a repair: then what is installed stays.
    let current = Manifest::read(&layout.manifest)?;
    let origins = match (origins.trim(), &current) {
        ("", Some(current)) => current.origins.clone(),
        (list, _) => options::parse_origins(list)?,
    };
    let modules = match (modules.trim(), &current) {
        ("", Some(current)) => current.modules.clone(),
        (list, _) => options::parse_modules(list)?,
    };
    let port = match (port.trim(), &current) {
        ("", Some(current)) => current.port,
        ("", None) => options::DEFAULT_PORT,
        (text, _) => options::parse_port(text)?,
    };
    let agent = agent.unwrap_or_else(default_agent);
    let options = SetupOptions {
        origins,
        modules,
        port,
        agent,
        leaf_days,
        users: users.map(|list| list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()),
    };
    let record = setup::run(layout, &options)?;
    println!(
        "Đã cài Kyso: cổng {}, cho phép {}; chứng thư hết hạn {}. / Kyso is set up: port {}, allowing {}; certificate expires {}.",
        record.port,
        record.origins.join(", "),
        record.leaf_not_after,
        record.port,
        record.origins.join(", "),
        record.leaf_not_after
    );
    Ok(ExitCode::SUCCESS)
}

/// Setup and uninstall change the whole machine: on Linux they need root (a staging root only
/// needs to be writable). On Windows, Windows itself refuses what an ordinary user may not do.
fn must_be_administrator(layout: &Layout) -> Result<(), Failure> {
    #[cfg(unix)]
    if layout.is_real_root() {
        use std::os::unix::fs::MetadataExt;
        // /proc/self belongs to the process's effective user.
        if std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() != 0) {
            return Err(Failure(kyso_installer::text::Text::new(
                "Cần quyền quản trị: hãy chạy bằng root (sudo kyso-install ...)",
                "This needs root: run it as root (sudo kyso-install ...)",
            )));
        }
    }
    let _ = layout;
    Ok(())
}

fn default_agent() -> PathBuf {
    let name = if cfg!(windows) { "kyso-agent.exe" } else { "kyso-agent" };
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(name)))
        .unwrap_or_else(|| PathBuf::from(name))
}
