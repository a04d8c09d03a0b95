//! Add an IAM Identity Center connection: name, start URL, SSO region, default region of its
//! sessions. Validated as typed with the core's parsers; Save adds it, then the app signs in
//! (browser) and syncs its accounts and roles.

use iced::Element;
use iced::widget::{button, column, text};
use keyhop_core::regions;
use keyhop_core::sso::{ConnectionName, StartUrl};
use keyhop_core::validate::Region;

use super::picker;
use super::theme::styles;
use super::widgets::{actions, banner, field, hint, input, title};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Name,
    StartUrl,
    Region,
    DefaultRegion,
}

const FIELDS: [Field; 4] = [Field::Name, Field::StartUrl, Field::Region, Field::DefaultRegion];

#[derive(Debug, Clone, Default)]
pub struct SsoForm {
    pub name: String,
    pub start_url: String,
    pub region: String,
    pub default_region: String,
    /// Names of the connections that exist already.
    pub taken: Vec<String>,
    /// The region field whose suggestions show.
    pub suggesting: Option<Field>,
    pub saving: bool,
    pub error: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Msg {
    Input(Field, String),
    /// A region from a field's suggestions.
    Suggested(Field, String),
    /// The "▾" beside a region field.
    Browse(Field),
    /// "← Back" to the add form's kinds.
    Back,
    Save,
    Cancel,
}

/// What Save hands to the engine, parsed.
#[derive(Debug, Clone)]
pub struct NewConnection {
    pub name: ConnectionName,
    pub start_url: StartUrl,
    pub region: Region,
    pub default_region: Option<Region>,
}

pub enum Effect {
    None,
    Save(NewConnection),
    Back,
    Cancel,
}

impl SsoForm {
    pub fn new(taken: Vec<String>, default_region: &str) -> Self {
        Self {
            taken,
            region: default_region.to_owned(),
            ..Self::default()
        }
    }

    fn value(&self, f: Field) -> &str {
        match f {
            Field::Name => &self.name,
            Field::StartUrl => &self.start_url,
            Field::Region => &self.region,
            Field::DefaultRegion => &self.default_region,
        }
    }

    fn set(&mut self, f: Field, v: String) {
        match f {
            Field::Name => self.name = v,
            Field::StartUrl => self.start_url = v,
            Field::Region => self.region = v,
            Field::DefaultRegion => self.default_region = v,
        }
    }

    /// The message under a field; `None` when fine.
    pub fn error(&self, f: Field) -> Option<String> {
        let v = self.value(f);
        match f {
            Field::Name => match ConnectionName::parse(v) {
                Err(e) => Some(e.to_string()),
                Ok(n) if self.taken.iter().any(|t| t == n.as_str()) => {
                    Some(format!("a connection named {:?} already exists", n.as_str()))
                }
                Ok(_) => None,
            },
            Field::StartUrl => StartUrl::parse(v).err().map(|e| e.to_string()),
            Field::Region => Region::parse(v).err().map(|e| e.to_string()),
            Field::DefaultRegion if v.trim().is_empty() => None,
            Field::DefaultRegion => Region::parse(v).err().map(|e| e.to_string()),
        }
    }

    pub fn is_valid(&self) -> bool {
        FIELDS.iter().all(|f| self.error(*f).is_none())
    }

    pub fn update(&mut self, msg: Msg) -> Effect {
        match msg {
            Msg::Input(f, v) => {
                let region = matches!(f, Field::Region | Field::DefaultRegion);
                let open = region && picker::opens(&v, regions::is_known(v.trim()), &picker::regions(&v));
                self.set(f, v);
                self.suggesting = open.then_some(f);
                self.error = None;
                Effect::None
            }
            Msg::Suggested(f, v) => {
                self.set(f, v);
                self.suggesting = None;
                Effect::None
            }
            Msg::Browse(f) => {
                self.suggesting = (self.suggesting != Some(f)).then_some(f);
                Effect::None
            }
            Msg::Cancel => Effect::Cancel,
            Msg::Back => Effect::Back,
            Msg::Save if self.saving || !self.is_valid() => Effect::None,
            Msg::Save => {
                let parsed = (|| {
                    Ok::<_, String>(NewConnection {
                        name: ConnectionName::parse(&self.name).map_err(|e| e.to_string())?,
                        start_url: StartUrl::parse(&self.start_url).map_err(|e| e.to_string())?,
                        region: Region::parse(&self.region).map_err(|e| e.to_string())?,
                        default_region: Some(self.default_region.trim())
                            .filter(|r| !r.is_empty())
                            .map(Region::parse)
                            .transpose()
                            .map_err(|e| e.to_string())?,
                    })
                })();
                match parsed {
                    Ok(c) => {
                        self.saving = true;
                        Effect::Save(c)
                    }
                    Err(e) => {
                        self.error = Some(e);
                        Effect::None
                    }
                }
            }
        }
    }

    pub fn view(&self) -> Element<'_, Msg> {
        let mut c = column![
            column![
                button(text("← Back").size(13))
                    .style(styles::button_ghost)
                    .padding([2, 6])
                    .on_press(Msg::Back),
                title("Add IAM Identity Center connection"),
            ]
            .spacing(6),
            hint("Your organisation's AWS access portal. After saving, keyhop opens the browser to sign in, then adds a session for every account and role you are assigned.")
                .size(13),
        ]
        .spacing(14);
        for f in FIELDS {
            c = c.push(self.field_view(f));
        }
        if let Some(e) = &self.error {
            c = c.push(banner(e.clone()));
        }
        let label = if self.saving {
            "Signing in…"
        } else {
            "Save and sign in"
        };
        c = c.push(actions(
            Msg::Cancel,
            label,
            (self.is_valid() && !self.saving).then_some(Msg::Save),
        ));
        c.into()
    }

    /// A field with its label, its region suggestions and name, and its error.
    fn field_view(&self, f: Field) -> Element<'_, Msg> {
        let (label, placeholder) = match f {
            Field::Name => ("Connection name", "e.g. acme"),
            Field::StartUrl => ("Start URL", "https://d-1234567890.awsapps.com/start"),
            Field::Region => ("IAM Identity Center region", "type a code or a place, e.g. Ireland"),
            Field::DefaultRegion => ("Region of its sessions (optional)", "same as above"),
        };
        let input = input(placeholder, self.value(f))
            .on_input(move |v| Msg::Input(f, v))
            .on_submit(Msg::Save);
        let err = if self.value(f).is_empty() { None } else { self.error(f) };
        if !matches!(f, Field::Region | Field::DefaultRegion) {
            return field(label, input, err);
        }
        let mut parts = column![picker::with_toggle(input, self.suggesting == Some(f), Msg::Browse(f))].spacing(6);
        if self.suggesting == Some(f) {
            parts = parts.push(picker::list(picker::regions(self.value(f)), move |v| {
                Msg::Suggested(f, v)
            }));
        }
        if let Some(name) = regions::name(self.value(f).trim()).filter(|_| err.is_none()) {
            parts = parts.push(hint(name));
        }
        field(label, parts, err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn type_in(f: &mut SsoForm, field: Field, v: &str) {
        assert!(matches!(f.update(Msg::Input(field, v.into())), Effect::None));
    }

    #[test]
    fn saves_only_when_every_field_is_valid() {
        let mut f = SsoForm::new(vec!["taken".into()], "eu-west-1");
        assert!(!f.is_valid(), "name and start URL are empty");
        type_in(&mut f, Field::Name, "taken");
        assert!(f.error(Field::Name).unwrap().contains("already exists"));
        type_in(&mut f, Field::Name, "acme");
        type_in(&mut f, Field::StartUrl, "d-123.awsapps.com/start");
        assert!(f.error(Field::StartUrl).unwrap().contains("start URL"));
        assert!(matches!(f.update(Msg::Save), Effect::None), "invalid: no save");
        type_in(&mut f, Field::StartUrl, "https://d-123.awsapps.com/start");
        type_in(&mut f, Field::DefaultRegion, "mars-1");
        assert!(f.error(Field::DefaultRegion).is_some());
        type_in(&mut f, Field::DefaultRegion, "");
        match f.update(Msg::Save) {
            Effect::Save(c) => {
                assert_eq!(c.name.as_str(), "acme");
                assert_eq!(c.region.as_str(), "eu-west-1", "the default region is preset");
                assert!(c.default_region.is_none());
            }
            _ => panic!("a valid form saves"),
        }
        assert!(matches!(f.update(Msg::Save), Effect::None), "no double save");
    }
}
