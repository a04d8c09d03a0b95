//! Settings: start at login, notification lead time, refresh margin, default region, default
//! GetSessionToken duration, stop all sessions on quit, the access key age that asks for rotation.

use iced::widget::{checkbox, column, container, pick_list, scrollable};
use iced::{Element, Length};
use keyhop_core::regions;
use keyhop_core::settings::{Appearance, Settings};
use keyhop_core::validate::{Region, SessionDuration};

use super::theme::styles;
use super::widgets::{actions, banner, field, input, page, title};

#[derive(Debug, Clone)]
pub struct SettingsForm {
    pub start_at_login: bool,
    pub stop_all_on_quit: bool,
    pub lead: String,
    pub margin: String,
    pub region: String,
    pub duration_hours: String,
    pub key_age_days: String,
    pub appearance: Appearance,
    pub error: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Msg {
    StartAtLogin(bool),
    StopAllOnQuit(bool),
    Lead(String),
    Margin(String),
    Region(String),
    DurationHours(String),
    KeyAgeDays(String),
    Appearance(Appearance),
    Save,
    Cancel,
}

pub enum Effect {
    None,
    /// The settings, and whether keyhop starts at login (the system's autostart entry).
    Save(Settings, bool),
    Cancel,
}

impl SettingsForm {
    /// `start_at_login`: what the system's autostart entry says now.
    pub fn new(s: &Settings, start_at_login: bool) -> Self {
        Self {
            start_at_login,
            stop_all_on_quit: s.stop_all_on_quit,
            lead: s.notify_lead_minutes.to_string(),
            margin: s.refresh_margin_minutes.to_string(),
            region: s.default_region.to_string(),
            #[allow(clippy::cast_precision_loss)] // at most 129,600 s
            duration_hours: format!("{}", s.default_duration.secs() as f64 / 3600.0),
            key_age_days: s.key_age_warn_days.to_string(),
            appearance: s.appearance,
            error: None,
        }
    }

    pub fn parsed(&self) -> Result<Settings, String> {
        let minutes = |v: &str, what: &str| {
            v.trim()
                .parse::<u32>()
                .map_err(|_| format!("{what} must be a whole number of minutes"))
        };
        let hours: f64 = self
            .duration_hours
            .trim()
            .parse()
            .map_err(|_| "session duration must be a number of hours".to_owned())?;
        let s = Settings {
            stop_all_on_quit: self.stop_all_on_quit,
            notify_lead_minutes: minutes(&self.lead, "notification lead time")?,
            refresh_margin_minutes: minutes(&self.margin, "refresh margin")?,
            default_region: Region::parse(&self.region).map_err(|e| e.to_string())?,
            default_duration: SessionDuration::from_secs(hours_to_secs(hours)).map_err(|e| e.to_string())?,
            key_age_warn_days: self
                .key_age_days
                .trim()
                .parse()
                .map_err(|_| "key age warning must be a whole number of days".to_owned())?,
            appearance: self.appearance,
        };
        s.validate().map_err(|e| e.to_string())?;
        Ok(s)
    }

    pub fn update(&mut self, msg: Msg) -> Effect {
        self.error = None;
        match msg {
            Msg::StartAtLogin(v) => self.start_at_login = v,
            Msg::StopAllOnQuit(v) => self.stop_all_on_quit = v,
            Msg::Lead(v) => self.lead = v,
            Msg::Margin(v) => self.margin = v,
            Msg::Region(v) => self.region = v,
            Msg::DurationHours(v) => self.duration_hours = v,
            Msg::KeyAgeDays(v) => self.key_age_days = v,
            Msg::Appearance(v) => self.appearance = v,
            Msg::Cancel => return Effect::Cancel,
            Msg::Save => match self.parsed() {
                Ok(s) => return Effect::Save(s, self.start_at_login),
                Err(e) => self.error = Some(e),
            },
        }
        Effect::None
    }

    pub fn view(&self) -> Element<'_, Msg> {
        let invalid = self.parsed().err();
        let mut c = column![title("Settings"), self.general(), self.timing()].spacing(16);
        if let Some(e) = self.error.as_ref().or(invalid.as_ref()) {
            c = c.push(banner(e.clone()));
        }
        c = c.push(actions(Msg::Cancel, "Save", invalid.is_none().then_some(Msg::Save)));
        page(scrollable(c.padding(iced::Padding::ZERO.right(12))))
    }

    /// Start at login, quitting, the look.
    fn general(&self) -> Element<'_, Msg> {
        let c = column![
            checkbox(self.start_at_login)
                .label("Start keyhop at login")
                .on_toggle(Msg::StartAtLogin),
            checkbox(self.stop_all_on_quit)
                .label("Stop all sessions when keyhop quits")
                .on_toggle(Msg::StopAllOnQuit),
            field(
                "Appearance",
                pick_list(Appearance::ALL, Some(self.appearance), Msg::Appearance)
                    .width(Length::Fill)
                    .padding(8)
                    .style(styles::dropdown)
                    .menu_style(styles::dropdown_menu),
                None
            ),
        ]
        .spacing(14);
        container(c).padding(16).width(Length::Fill).style(styles::card).into()
    }

    /// The numbers: warnings, refreshes, defaults for new sessions.
    fn timing(&self) -> Element<'_, Msg> {
        let regions: Vec<String> = regions::codes().map(str::to_owned).collect();
        let number = |placeholder: &str, value: &str, msg: fn(String) -> Msg| {
            input(placeholder, value).on_input(msg).on_submit(Msg::Save)
        };
        let c = column![
            field(
                "Warn before an MFA code is needed (minutes)",
                number("10", &self.lead, Msg::Lead),
                None
            ),
            field(
                "Refresh credentials before they expire (minutes)",
                number("5", &self.margin, Msg::Margin),
                None
            ),
            field(
                "Default region for new sessions",
                pick_list(regions, Some(self.region.clone()), Msg::Region)
                    .width(Length::Fill)
                    .padding(8)
                    .style(styles::dropdown)
                    .menu_style(styles::dropdown_menu),
                None,
            ),
            field(
                "IAM user session duration (hours, 0.25-36)",
                number("12", &self.duration_hours, Msg::DurationHours),
                None,
            ),
            field(
                "Warn when an IAM user's access key is this old (days)",
                number("90", &self.key_age_days, Msg::KeyAgeDays),
                None,
            ),
        ]
        .spacing(14);
        container(c).padding(16).width(Length::Fill).style(styles::card).into()
    }
}

/// Whole seconds of a number of hours; anything negative or absurd becomes 0, which the
/// duration's own check then refuses with its message.
fn hours_to_secs(hours: f64) -> u64 {
    let secs = (hours * 3600.0).round();
    if !(0.0..=1e9).contains(&secs) {
        return 0;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // range checked above
    let secs = secs as u64;
    secs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_nonsense() {
        let mut f = SettingsForm::new(&Settings::default(), false);
        assert_eq!(f.parsed().unwrap(), Settings::default());
        f.update(Msg::Lead("3".into()));
        f.update(Msg::DurationHours("1.5".into()));
        f.update(Msg::StartAtLogin(true));
        match f.update(Msg::Save) {
            Effect::Save(s, start_at_login) => {
                assert_eq!(s.notify_lead_minutes, 3);
                assert_eq!(s.default_duration.secs(), 5400);
                assert!(start_at_login);
            }
            _ => panic!("valid settings save"),
        }
        f.update(Msg::Margin("soon".into()));
        assert!(matches!(f.update(Msg::Save), Effect::None));
        assert!(f.error.as_deref().unwrap().contains("refresh margin"));
        f.update(Msg::Margin("5".into()));
        f.update(Msg::DurationHours("40".into()));
        assert!(f.parsed().unwrap_err().contains("out of range"));
        f.update(Msg::DurationHours("12".into()));
        f.update(Msg::KeyAgeDays("30".into()));
        assert_eq!(f.parsed().unwrap().key_age_warn_days, 30);
        f.update(Msg::KeyAgeDays("a month".into()));
        assert!(f.parsed().unwrap_err().contains("key age"));
        f.update(Msg::KeyAgeDays("30".into()));
        f.update(Msg::Appearance(Appearance::Dark));
        assert_eq!(
            f.parsed().unwrap().appearance,
            Appearance::Dark,
            "the appearance is saved"
        );
    }
}
