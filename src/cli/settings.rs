//! `keyhop settings list|get|set`: every setting the Settings window has. Start at login is read
//! from (and written to) the system's autostart entry, as the window does.

use clap::Subcommand;
use keyhop_core::settings::{Settings, SettingsError, parse_bool};
use keyhop_core::{Engine, Error, Result};

#[derive(Subcommand, Debug)]
pub enum SettingsCommand {
    /// Every setting and its value
    List {
        /// As JSON
        #[arg(long)]
        json: bool,
    },
    /// One setting's value
    Get {
        /// The setting's name, as `settings list` shows it
        key: String,
        /// As JSON
        #[arg(long)]
        json: bool,
    },
    /// Change one setting
    Set { key: String, value: String },
}

const START_AT_LOGIN: &str = "start-at-login";

fn invalid(e: SettingsError) -> Error {
    Error::Settings(e)
}

#[cfg(feature = "desktop")]
fn start_at_login() -> Result<serde_json::Value> {
    crate::autostart::is_enabled()
        .map(serde_json::Value::Bool)
        .map_err(|e| invalid(SettingsError::Invalid(e.to_string())))
}

#[cfg(not(feature = "desktop"))]
#[allow(clippy::unnecessary_wraps)] // the desktop build's twin can fail
fn start_at_login() -> Result<serde_json::Value> {
    // A build without the tray has nothing to start at login.
    Ok(serde_json::Value::Bool(false))
}

fn set_start_at_login(on: bool) -> Result<()> {
    #[cfg(feature = "desktop")]
    return crate::autostart::set(on).map_err(|e| invalid(SettingsError::Invalid(e.to_string())));
    #[cfg(not(feature = "desktop"))]
    return Err(invalid(SettingsError::Invalid(format!(
        "this keyhop was built without the tray, so there is nothing to start at login (asked: {on})"
    ))));
}

fn all(s: &Settings) -> Result<serde_json::Map<String, serde_json::Value>> {
    let mut map = serde_json::Map::new();
    map.insert(START_AT_LOGIN.to_owned(), start_at_login()?);
    for key in Settings::KEYS {
        map.insert(key.to_owned(), s.get(key).map_err(invalid)?);
    }
    Ok(map)
}

fn show(v: &serde_json::Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

pub fn run(engine: &Engine, cmd: SettingsCommand) -> Result<()> {
    let store = engine.state_store();
    let mut settings = Settings::load(store).map_err(invalid)?;
    match cmd {
        SettingsCommand::List { json } => {
            let map = all(&settings)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&map).expect("settings serialise"));
            } else {
                for (k, v) in &map {
                    println!("{k} = {}", show(v));
                }
            }
        }
        SettingsCommand::Get { key, json } => {
            let v = if key == START_AT_LOGIN {
                start_at_login()?
            } else {
                settings.get(&key).map_err(invalid)?
            };
            println!("{}", if json { v.to_string() } else { show(&v) });
        }
        SettingsCommand::Set { key, value } => {
            if key == START_AT_LOGIN {
                set_start_at_login(parse_bool(&value).map_err(invalid)?)?;
            } else {
                settings.set(&key, &value).map_err(invalid)?;
                settings.save(store).map_err(invalid)?;
            }
            let now = if key == START_AT_LOGIN {
                start_at_login()?
            } else {
                settings.get(&key).map_err(invalid)?
            };
            println!("{key} = {}", show(&now));
        }
    }
    Ok(())
}
