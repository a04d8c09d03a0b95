//! Engine calls as iced tasks. Each runs on the runtime's worker threads and comes back as one
//! message; the keyring and file work inside them is short and blocking, so it goes through
//! `spawn_blocking` where it is not already part of an STS call.

use std::sync::Arc;

use iced::{Task, window};
use keyhop_core::Engine;
use keyhop_core::mfa_command::MfaProcessError;
use keyhop_core::secrets::LongTermKeys;
use keyhop_core::session::SessionId;
use keyhop_core::settings::Settings;
use keyhop_core::sso::Flow;
use keyhop_core::validate::{MfaCode, MfaDevice, Region, SessionAlias};

use super::message::FormRequest;
use super::{App, Connection, Failure, Message, Op, Snapshot};
use crate::saml_signin::{Mode, with_sign_in};
use std::collections::HashMap;

/// How long a sign-in started from the tray waits for the browser.
const SIGN_IN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// The tray checks key ages in the background, so it can wait longer for IAM than the CLI.
const KEY_AGE_BOUND: std::time::Duration = std::time::Duration::from_secs(20);

/// `warn_days`: the app's setting (kept current on every state change), not read again here.
fn load(engine: &Engine, warn_days: u32) -> Result<Snapshot, Failure> {
    let state = engine.read_state()?;
    let mut views = keyhop_core::SessionView::all(&state);
    keyhop_core::SessionView::add_key_ages(
        &mut views,
        &engine.key_ages(),
        warn_days,
        time::OffsetDateTime::now_utc(),
    );
    keyhop_core::SessionView::add_shadows(&mut views, engine.aws_files());
    let key_warnings = engine
        .take_key_age_warnings(warn_days)
        .into_iter()
        .filter_map(|(id, days)| {
            let alias = state.sessions.iter().find(|s| s.id == id)?.alias.to_string();
            Some((alias, days))
        })
        .collect();
    let mfa_due = engine.mfa_due_times(&state)?;
    let connections = engine.sso_list()?;
    Ok(Snapshot {
        views,
        state,
        mfa_due,
        connections,
        key_warnings,
    })
}

/// An async engine call (STS, the portal) on a blocking thread too: its keyring and file calls
/// block, and a keyring waiting on an unlock prompt must not stall the workers the windows use.
async fn off_runtime<T, F, Fut>(engine: &Arc<Engine>, f: F) -> T
where
    T: Send + 'static,
    F: FnOnce(Arc<Engine>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = T>,
{
    let e = Arc::clone(engine);
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || handle.block_on(f(e)))
        .await
        .expect("engine task does not panic")
}

/// The tray's asker for an MFA code (the order is `crate::mfa_code`'s): nobody now. A failing
/// MFA command is logged, and the start that then lacks a code fails with "MFA code needed",
/// which the app answers with its popup.
struct Popup;

impl crate::mfa_code::Ask for Popup {
    fn command_failed(&self, e: MfaProcessError) -> keyhop_core::Result<()> {
        tracing::warn!(error = %e, "the MFA command gave no code; asking instead");
        Ok(())
    }
    fn ask(&self, _root: &SessionAlias, _device: &MfaDevice) -> keyhop_core::Result<Option<MfaCode>> {
        Ok(None)
    }
}

/// The code a start from the tray goes with: its MFA command's, when one is due and set. On
/// any failure none: the start itself then says what is wrong.
fn code_for_start(engine: &Engine, id: &SessionId) -> Option<MfaCode> {
    crate::mfa_code::code(engine, id, None, &Popup)
        .map_err(|e| tracing::warn!(error = %e, "cannot tell whether an MFA code is due"))
        .ok()
        .flatten()
}

/// Profiles a user may pick in the session form (those in the credentials and config files),
/// and the ones of them that config shadows, with why (what the form says inline).
fn known_profiles(engine: &Engine) -> (Vec<String>, HashMap<String, String>) {
    let names = profile_names(engine);
    let shadowed = match keyhop_core::aws_files::shadow::Resolver::load(engine.aws_files()) {
        Ok(resolver) => names
            .iter()
            .filter_map(|p| Some((p.clone(), resolver.shadow(p)?.reason())))
            .collect(),
        Err(_) => HashMap::new(),
    };
    (names, shadowed)
}

fn profile_names(engine: &Engine) -> Vec<String> {
    let files = engine.aws_files();
    let mut out: Vec<String> = vec![];
    for (path, strip) in [(&files.credentials, false), (&files.config, true)] {
        if let Ok(Some(text)) = keyhop_core::aws_files::read_file(path) {
            for s in keyhop_core::aws_files::IniDoc::parse(&text).sections() {
                let name = if strip {
                    s.strip_prefix("profile ").unwrap_or(&s).to_owned()
                } else {
                    s
                };
                if !name.starts_with("sso-session") && !out.contains(&name) {
                    out.push(name);
                }
            }
        }
    }
    out.sort();
    out
}

/// Saves the settings, then makes the autostart entry say `start_at_login`.
fn save_settings(engine: &Engine, new: &Settings, start_at_login: bool) -> Result<(), Failure> {
    new.save(engine.state_store())?;
    crate::autostart::set(start_at_login)?;
    Ok(())
}

async fn blocking<T: Send + 'static>(engine: &Arc<Engine>, f: impl FnOnce(&Engine) -> T + Send + 'static) -> T {
    let e = Arc::clone(engine);
    tokio::task::spawn_blocking(move || f(&e))
        .await
        .expect("engine task does not panic")
}

impl App {
    pub(super) fn reload(&self) -> Task<Message> {
        let e = Arc::clone(&self.engine);
        let warn_days = self.settings.key_age_warn_days;
        Task::perform(
            async move { blocking(&e, move |e| load(e, warn_days)).await },
            Message::Loaded,
        )
    }

    /// Asks IAM how old the IAM users' access keys are, where the cached answer is a day old.
    pub(super) fn check_key_ages(&self) -> Task<Message> {
        let e = Arc::clone(&self.engine);
        Task::perform(
            async move {
                off_runtime(&e, |e| async move {
                    if let Err(err) = e.check_key_ages(KEY_AGE_BOUND).await {
                        tracing::warn!(error = %err, "cannot check the access keys' ages");
                    }
                })
                .await;
            },
            |()| Message::KeyAgesChecked,
        )
    }

    /// Re-reads `settings.json` (another process, or our settings window, changed it), then
    /// the state.
    pub(super) fn load_settings(&self) -> Task<Message> {
        let e = Arc::clone(&self.engine);
        Task::perform(
            async move {
                blocking(&e, |e| {
                    Settings::load(e.state_store())
                        .map_err(|err| tracing::warn!(error = %err, "cannot read the settings; keeping them"))
                        .ok()
                        .map(Box::new)
                })
                .await
            },
            Message::SettingsLoaded,
        )
    }

    /// Reads the profiles the session form suggests, then opens it.
    pub(super) fn read_profiles(&self, request: FormRequest) -> Task<Message> {
        let e = Arc::clone(&self.engine);
        Task::perform(
            async move { blocking(&e, known_profiles).await },
            move |(profiles, shadowed)| Message::ProfilesRead(request.clone(), profiles, shadowed),
        )
    }

    /// Reads whether keyhop starts at login (the system's autostart entry), then opens the
    /// settings window.
    pub(super) fn read_autostart(&self) -> Task<Message> {
        let e = Arc::clone(&self.engine);
        Task::perform(
            async move { blocking(&e, |_| crate::autostart::is_enabled().unwrap_or(false)).await },
            Message::AutostartRead,
        )
    }

    pub(super) fn save_settings(&self, window: window::Id, new: Settings, start_at_login: bool) -> Task<Message> {
        let e = Arc::clone(&self.engine);
        Task::perform(
            async move {
                let settings = Box::new(new);
                let saved = settings.clone();
                let result = blocking(&e, move |e| save_settings(e, &saved, start_at_login)).await;
                (settings, result)
            },
            move |(settings, result)| Message::SettingsSaved {
                window,
                settings,
                result,
            },
        )
    }

    /// Start, stop or refresh one session, marking it busy meanwhile.
    pub(super) fn run_op(&mut self, session_id: SessionId, alias: String, op: Op) -> Task<Message> {
        if !self.busy.claim(&session_id) {
            return Task::none();
        }
        // The menu greys the line at the end of this update, not when the operation ends.
        self.menu_stale = true;
        let e = Arc::clone(&self.engine);
        let id = session_id.clone();
        Task::perform(
            async move {
                match op {
                    // A SAML session signs in with its window (shown only when the IdP wants the
                    // user); on a blocking thread, as the window's process may take minutes.
                    Op::Start => off_runtime(&e, move |e| async move {
                        let code = code_for_start(&e, &id);
                        with_sign_in(&e, Mode::Interactive, None, |r| e.start_with_saml(&id, code.clone(), r)).await
                    })
                    .await
                    .map(|o| o.notices),
                    // In the background the window never shows: an IdP that wants the user
                    // gets a "Sign in" notification instead (`App::done`).
                    Op::Refresh => off_runtime(&e, move |e| async move {
                        with_sign_in(&e, Mode::Silent, None, |r| e.refresh_with_saml(&id, r)).await
                    })
                    .await
                    .map(|o| o.map(|o| o.notices).unwrap_or_default()),
                    Op::Stop => blocking(&e, move |e| e.stop(&id).map(|_| vec![])).await,
                }
                .map_err(Failure::from)
            },
            move |result| Message::Done {
                session_id: session_id.clone(),
                alias: alias.clone(),
                op,
                result,
            },
        )
    }

    /// Signs in to the AWS console as an active session, in the browser. The URL (a bearer
    /// credential) goes from the engine to the browser's opener and nowhere else.
    pub(super) fn open_console(&self, id: SessionId) -> Task<Message> {
        let Some(alias) = self.sessions().iter().find(|s| s.id == id).map(|s| s.alias.to_string()) else {
            return Task::none();
        };
        let e = Arc::clone(&self.engine);
        Task::perform(
            async move {
                // A SAML session out of credentials signs in first (its window, if the IdP asks).
                let url = off_runtime(&e, move |e| async move {
                    with_sign_in(&e, Mode::Interactive, None, |r| e.console_url(&id, None, None, None, r)).await
                })
                .await?;
                tokio::task::spawn_blocking(move || crate::browser::open(url.expose()))
                    .await
                    .expect("the opener does not panic")
                    .map_err(|err| Failure::Browser(Arc::new(err)))
            },
            move |result| Message::ConsoleOpened {
                alias: alias.clone(),
                result,
            },
        )
    }

    pub(super) fn start_with_code(&mut self, window: window::Id, id: SessionId, code: String) -> Task<Message> {
        let e = Arc::clone(&self.engine);
        Task::perform(
            async move {
                let code = MfaCode::parse(&code).map_err(Failure::from)?;
                off_runtime(&e, move |e| async move { e.start(&id, Some(code)).await })
                    .await
                    .map(|o| o.notices)
                    .map_err(Failure::from)
            },
            move |result| Message::MfaDone { window, result },
        )
    }

    pub(super) fn save(&self, window: window::Id, output: crate::window::form::Output) -> Task<Message> {
        use crate::window::form::Output;
        let e = Arc::clone(&self.engine);
        Task::perform(
            async move {
                blocking(&e, move |e| match output {
                    Output::Add(n) => e.add(n).map(drop),
                    Output::Edit { id, edit } => e.edit(&id, edit).map(drop),
                })
                .await
                .map_err(Failure::from)
            },
            move |result| Message::Saved { window, result },
        )
    }

    pub(super) fn pin(&self, list: window::Id, id: SessionId, pinned: bool) -> Task<Message> {
        let e = Arc::clone(&self.engine);
        Task::perform(
            async move {
                blocking(&e, move |e| e.set_pinned(&id, pinned).map(drop))
                    .await
                    .map_err(Failure::from)
            },
            move |result| Message::Saved { window: list, result },
        )
    }

    /// Rotates an IAM user's access key (IAM calls: on the blocking pool like every engine call).
    pub(super) fn rotate(&self, id: SessionId) -> Task<Message> {
        let Some(alias) = self.sessions().iter().find(|s| s.id == id).map(|s| s.alias.to_string()) else {
            return Task::none();
        };
        let e = Arc::clone(&self.engine);
        Task::perform(
            async move {
                off_runtime(&e, move |e| async move { e.rotate(&id).await })
                    .await
                    .map(|out| {
                        format!(
                            "{} is in the keyring and works; {} is deactivated and deleted.",
                            out.new_key, out.old_key
                        )
                    })
                    .map_err(Failure::from)
            },
            move |result| Message::Rotated {
                alias: alias.clone(),
                result,
            },
        )
    }

    pub(super) fn remove(&self, list: window::Id, id: SessionId) -> Task<Message> {
        let e = Arc::clone(&self.engine);
        Task::perform(
            async move {
                blocking(&e, move |e| e.remove(&id).map(drop))
                    .await
                    .map_err(Failure::from)
            },
            move |result| Message::Saved { window: list, result },
        )
    }

    /// Signs in to `connection` in the browser; the app then starts what waited for it.
    pub(super) fn sign_in_task(&self, connection: Connection) -> Task<Message> {
        let e = Arc::clone(&self.engine);
        let name = connection.name.clone();
        Task::perform(
            async move {
                off_runtime(&e, move |e| async move {
                    e.sso_login(name.as_str(), Flow::AuthorizationCode, SIGN_IN_TIMEOUT, |p| {
                        if let Err(err) = crate::browser::open(&p.url) {
                            tracing::warn!(error = %err, "cannot open the browser for the sign-in");
                        }
                    })
                    .await
                })
                .await
                .map(drop)
                .map_err(Failure::from)
            },
            move |result| Message::SignedIn {
                connection: connection.clone(),
                result,
            },
        )
    }

    /// Turns the connection's accounts and roles into sessions.
    pub(super) fn sync_task(&self, connection: Connection) -> Task<Message> {
        let e = Arc::clone(&self.engine);
        let name = connection.name.clone();
        Task::perform(
            async move {
                let r = off_runtime(&e, move |e| async move { e.sso_sync(name.as_str(), false).await }).await?;
                Ok(format!(
                    "{} session(s) added, {} removed{}",
                    r.added.len(),
                    r.removed.len(),
                    if r.kept.is_empty() {
                        String::new()
                    } else {
                        format!(", {} kept (others assume from them)", r.kept.len())
                    }
                ))
            },
            move |result| Message::Synced {
                connection: connection.clone(),
                result,
            },
        )
    }

    pub(super) fn add_connection(
        &self,
        window: window::Id,
        c: crate::window::sso_form::NewConnection,
    ) -> Task<Message> {
        let e = Arc::clone(&self.engine);
        Task::perform(
            async move {
                blocking(&e, move |e| {
                    e.sso_add(c.name, c.start_url, c.region, c.default_region)
                        .map(|c| Connection::from(&c))
                })
                .await
                .map_err(Failure::from)
            },
            move |result| Message::SsoAdded { window, result },
        )
    }

    /// "Import CSV…": the system's file dialog, then the key pair of the file chosen. The secret
    /// goes from the file into the form's secret field only (the keyring when saved).
    pub(super) fn pick_csv(&self, window: window::Id) -> Task<Message> {
        Task::perform(
            async move {
                let file = rfd::AsyncFileDialog::new()
                    .set_title("Import access key CSV")
                    .add_filter("Access key CSV", &["csv", "CSV"])
                    .pick_file()
                    .await?;
                let (name, path) = (file.file_name(), file.path().to_owned());
                let keys = tokio::task::spawn_blocking(move || keyhop_core::import::read_access_key_csv(&path))
                    .await
                    .expect("reading a file does not panic")
                    .map_err(|e| e.to_string());
                Some((name, keys))
            },
            move |read| Message::Form(window, crate::window::form::Msg::CsvRead(read)),
        )
    }

    /// "Find my MFA device": the devices IAM lists for the keys typed into the form.
    pub(super) fn find_mfa_devices(&self, window: window::Id, region: Region, keys: LongTermKeys) -> Task<Message> {
        let e = Arc::clone(&self.engine);
        Task::perform(
            async move {
                off_runtime(&e, move |e| async move { e.mfa_devices(&region, &keys).await })
                    .await
                    .map(|found| found.iter().map(ToString::to_string).collect())
                    .map_err(|err| format!("cannot list the MFA devices: {err}"))
            },
            move |found| Message::Form(window, crate::window::form::Msg::MfaFound(found)),
        )
    }

    /// "Find roles": signs in at the IdP (its window shows when the IdP wants the user) and lists
    /// the roles of the assertion. The assertion goes no further than this task.
    pub(super) fn find_saml_roles(&self, window: window::Id, idp: keyhop_core::saml::IdpUrl) -> Task<Message> {
        let e = Arc::clone(&self.engine);
        Task::perform(
            async move {
                blocking(&e, move |e| {
                    let response = crate::saml_signin::sign_in(e.state_store().dir(), &idp, Mode::Interactive)?;
                    keyhop_core::saml::SamlAssertion::read(response, time::OffsetDateTime::now_utc())
                })
                .await
                .map(|assertion| assertion.roles)
                .map_err(|err| format!("cannot list the roles: {err}"))
            },
            move |found| Message::Form(window, crate::window::form::Msg::RolesFound(found)),
        )
    }

    /// Fills the edit form's access key id from the keyring.
    pub(super) fn load_key_id(&self, window: window::Id, id: SessionId) -> Task<Message> {
        let e = Arc::clone(&self.engine);
        Task::perform(
            async move { blocking(&e, move |e| e.stored_access_key_id(&id).ok().flatten()).await },
            move |id| Message::Form(window, crate::window::form::Msg::StoredKeyId(id)),
        )
    }

    pub(super) fn check_overwrites(&self) -> Task<Message> {
        let e = Arc::clone(&self.engine);
        Task::perform(
            async move {
                blocking(&e, |e| {
                    e.overwritten_profiles()
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(s, key)| (s.id, s.alias.to_string(), s.profile.to_string(), key))
                        .collect()
                })
                .await
            },
            Message::Overwritten,
        )
    }

    /// Stops every active session (quit with "stop all on quit"), then exits.
    pub(super) fn stop_all_and_quit(&self) -> Task<Message> {
        let e = Arc::clone(&self.engine);
        let active: Vec<(SessionId, String)> = self
            .sessions()
            .iter()
            .filter(|s| s.is_active())
            .map(|s| (s.id.clone(), s.alias.to_string()))
            .collect();
        Task::perform(
            async move {
                blocking(&e, move |e| {
                    for (id, a) in active {
                        if let Err(err) = e.stop(&id) {
                            tracing::warn!(alias = %a, error = %err, "cannot stop a session on quit");
                        }
                    }
                })
                .await;
            },
            |()| Message::QuitDone,
        )
    }
}
