//! The command line: one file per subcommand group. Parses and validates arguments at the edge,
//! calls the engine once, prints, and maps errors to one line on stderr and an exit code.

mod console;
mod credential_process;
mod doctor;
mod env;
mod import;
mod kinds;
mod mfa;
mod prompt;
mod saml;
mod serve;
mod session;
mod settings;
mod sso;
pub mod table;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use keyhop_core::{Engine, Error};

/// Exit code when the action needs an MFA code that was not given (scripts and the tray
/// react to this one).
pub const EXIT_MFA_REQUIRED: u8 = 3;
/// Exit code when an SSO connection needs a sign-in (`keyhop sso login N`).
pub const EXIT_SIGN_IN_REQUIRED: u8 = 4;
/// Exit code when the AWS tools would not read the session's profile from the credentials
/// file (the config file's assume-role, web identity or SSO keys win): nothing was written.
pub const EXIT_SHADOWED: u8 = 5;

#[derive(Parser, Debug)]
#[command(name = "keyhop", version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("KEYHOP_GIT_COMMIT"), ")"), about = "Short-lived AWS credentials for your named profiles, from the tray or the command line")]
#[command(
    after_help = "Exit codes: 0 success, 1 error, 2 usage error, 3 an MFA code is needed, 4 a sign-in is needed, 5 the profile is shadowed in the AWS config.\n\
State: $KEYHOP_HOME (default: the XDG config dir). AWS files: $AWS_SHARED_CREDENTIALS_FILE, $AWS_CONFIG_FILE.\n\
Logs: KEYHOP_LOG=info (never contains secrets)."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Add, list, start, stop, edit and remove sessions
    #[command(subcommand)]
    Session(session::SessionCommand),
    /// IAM Identity Center (AWS SSO) connections: add, sign in, sync their accounts and roles
    #[command(subcommand)]
    Sso(sso::SsoCommand),
    /// IAM Role Federated (SAML 2.0): the roles an identity provider's assertion offers
    #[command(subcommand)]
    Saml(saml::SamlCommand),
    /// Show or change the settings (the same ones as the Settings window)
    #[command(subcommand)]
    Settings(settings::SettingsCommand),
    /// Import long-term access keys
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Print a session's credentials in the AWS `credential_process` format
    CredentialProcess(credential_process::Args),
    /// Run a command with a session's credentials in its environment (the profile is not written)
    Exec(env::ExecArgs),
    /// Print a session's credentials as variables for a shell to evaluate (or as JSON)
    Export(env::ExportArgs),
    /// Sign in to the AWS console as a session, in the browser (or print the sign-in URL)
    Console(console::Args),
    /// Serve a session's credentials to SDK clients on 127.0.0.1 (the container credentials
    /// protocol), renewed before they expire, until Ctrl-C (the profile is not written)
    Serve(serve::ServeArgs),
    /// Check why an AWS tool might not get keyhop's credentials: keyring, state, AWS files,
    /// active sessions, clock, environment, tray (exit 1 when a check fails)
    Doctor(doctor::Args),
    /// Print shell completions (bash, zsh, fish, elvish, powershell)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff)
    #[command(hide = true)]
    Manpage,
    /// Run the tray icon (the default when no command is given)
    #[cfg(feature = "desktop")]
    Tray,
    /// Start keyhop's tray at login: enable, disable or show the status
    #[cfg(feature = "desktop")]
    Autostart {
        #[arg(value_enum)]
        action: AutostartAction,
    },
}

#[cfg(feature = "desktop")]
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum AutostartAction {
    Enable,
    Disable,
    Status,
}

#[cfg(feature = "desktop")]
fn autostart(action: AutostartAction) -> ExitCode {
    let result = match action {
        AutostartAction::Enable => crate::autostart::set(true).map(|()| "keyhop will start at login".to_owned()),
        AutostartAction::Disable => crate::autostart::set(false).map(|()| "keyhop will not start at login".to_owned()),
        AutostartAction::Status => crate::autostart::is_enabled().map(|on| {
            format!(
                "start at login: {} ({})",
                if on { "enabled" } else { "disabled" },
                crate::autostart::describe()
            )
        }),
    };
    match result {
        Ok(msg) => {
            println!("{msg}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("keyhop: {e}");
            ExitCode::FAILURE
        }
    }
}

impl Cli {
    pub fn parse_args() -> Self {
        Cli::parse()
    }

    /// Whether this run is the tray (which keeps Rust's SIGPIPE handling: a broken pipe to a
    /// helper process must not kill it).
    pub fn runs_tray(&self) -> bool {
        #[cfg(feature = "desktop")]
        return matches!(self.command, None | Some(Command::Tray));
        #[cfg(not(feature = "desktop"))]
        return false;
    }
}

pub fn run(cli: Cli) -> ExitCode {
    let command = match cli.command {
        #[cfg(feature = "desktop")]
        None | Some(Command::Tray) => return crate::app::run(),
        #[cfg(feature = "desktop")]
        Some(Command::Autostart { action }) => return autostart(action),
        #[cfg(not(feature = "desktop"))]
        None => {
            use clap::CommandFactory;
            let _ = Cli::command().print_help();
            return ExitCode::from(2);
        }
        Some(Command::Serve(a)) => return serve::main(a),
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "keyhop", &mut std::io::stdout());
            return ExitCode::SUCCESS;
        }
        Some(Command::Manpage) => {
            use clap::CommandFactory;
            return match clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("keyhop: cannot write the man page: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        Some(c) => c,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    let result = Engine::from_env().and_then(|engine| {
        rt.block_on(async {
            match command {
                Command::Session(c) => session::run(&engine, c).await.map(|()| ExitCode::SUCCESS),
                Command::Sso(c) => sso::run(&engine, c).await.map(|()| ExitCode::SUCCESS),
                Command::Saml(c) => saml::run(&engine, c).map(|()| ExitCode::SUCCESS),
                Command::Settings(c) => settings::run(&engine, c).map(|()| ExitCode::SUCCESS),
                Command::Import(c) => import::run(&engine, c).map(|()| ExitCode::SUCCESS),
                Command::CredentialProcess(a) => credential_process::run(&engine, a).await.map(|()| ExitCode::SUCCESS),
                Command::Exec(a) => env::exec(&engine, a).await,
                Command::Export(a) => env::export(&engine, a).await.map(|()| ExitCode::SUCCESS),
                Command::Console(a) => console::run(&engine, a).await,
                Command::Doctor(a) => Ok(doctor::run(&engine, a).await),
                #[cfg(feature = "desktop")]
                Command::Tray | Command::Autostart { .. } => unreachable!("handled above"),
                Command::Completions { .. } | Command::Manpage | Command::Serve(_) => unreachable!("handled above"),
            }
        })
    });
    match result {
        Ok(code) => code,
        Err(e) => report(&e),
    }
}

fn report(e: &Error) -> ExitCode {
    if let Error::MfaRequired { .. } = e {
        eprintln!("keyhop: {e}: pass it with --mfa-code, or run the command in a terminal to be asked for it");
        return ExitCode::from(EXIT_MFA_REQUIRED);
    }
    eprintln!("keyhop: {e}");
    if e.needs_sign_in().is_some() {
        return ExitCode::from(EXIT_SIGN_IN_REQUIRED);
    }
    if let Error::Shadowed { .. } = e {
        return ExitCode::from(EXIT_SHADOWED);
    }
    ExitCode::FAILURE
}

#[cfg(test)]
mod tests {
    /// clap's own checks (unique ids and groups, valid conflicts) run on every subcommand, not
    /// only on the one a user happens to type.
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }

    /// Every option of every subcommand says what it takes in `--help` (an empty line there
    /// leaves a user guessing what `--role-session-name` is).
    #[test]
    fn every_option_has_a_help_text() {
        use clap::CommandFactory;
        fn bare(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
            let path = format!("{path} {}", cmd.get_name());
            for arg in cmd
                .get_arguments()
                .filter(|a| a.get_long().is_some() && a.get_help().is_none())
            {
                out.push(format!("{path} --{}", arg.get_long().unwrap_or_default()));
            }
            for sub in cmd.get_subcommands() {
                bare(sub, &path, out);
            }
        }
        let mut missing = vec![];
        bare(&super::Cli::command(), "", &mut missing);
        assert!(missing.is_empty(), "options without help: {missing:#?}");
    }
}
