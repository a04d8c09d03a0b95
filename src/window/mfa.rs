//! The MFA-code popup: names the session and the device, takes six digits (typed or pasted),
//! submits on Enter or on the sixth digit, shows an STS rejection and stays open to retry.

use iced::Element;
use iced::widget::{column, text};

use super::theme::styles;
use super::widgets::{actions, hint, input, page, title};

pub const CODE_INPUT: &str = "mfa-code";

#[derive(Debug, Clone)]
pub struct Mfa {
    /// The session to start once the code is in.
    pub session_id: keyhop_core::session::SessionId,
    pub alias: String,
    /// The IAM user whose device is asked (the chain's root; the alias itself for an IAM user).
    pub device_owner: String,
    pub device: String,
    pub code: String,
    pub error: Option<String>,
    pub submitting: bool,
}

#[derive(Debug, Clone)]
pub enum Msg {
    Input(String),
    Submit,
    Cancel,
}

pub enum Effect {
    None,
    Submit(String),
    Cancel,
}

impl Mfa {
    pub fn new(
        session_id: keyhop_core::session::SessionId,
        alias: String,
        device_owner: String,
        device: String,
    ) -> Self {
        Self {
            session_id,
            alias,
            device_owner,
            device,
            code: String::new(),
            error: None,
            submitting: false,
        }
    }

    pub fn update(&mut self, msg: Msg) -> Effect {
        match msg {
            Msg::Input(_) | Msg::Submit if self.submitting => Effect::None,
            Msg::Input(v) => {
                // A paste may carry spaces or a dash ("123 456"); keep the digits.
                self.code = v.chars().filter(char::is_ascii_digit).take(6).collect();
                self.error = None;
                if self.code.len() == 6 {
                    self.submit()
                } else {
                    Effect::None
                }
            }
            Msg::Submit if self.code.len() == 6 => self.submit(),
            Msg::Submit => {
                self.error = Some("the MFA code has 6 digits".into());
                Effect::None
            }
            Msg::Cancel => Effect::Cancel,
        }
    }

    fn submit(&mut self) -> Effect {
        self.submitting = true;
        Effect::Submit(self.code.clone())
    }

    /// STS said no: show why, clear the code for the next one, stay open.
    pub fn rejected(&mut self, message: String) {
        self.submitting = false;
        self.code.clear();
        self.error = Some(message);
    }

    pub fn view(&self) -> Element<'_, Msg> {
        let owner = if self.device_owner == self.alias {
            String::new()
        } else {
            format!(" (through {})", self.device_owner)
        };
        let mut c = column![
            title(format!("MFA code for {}{owner}", self.alias)).size(17),
            hint(&self.device),
            input("6-digit code", &self.code)
                .id(CODE_INPUT)
                .on_input(Msg::Input)
                .on_paste(Msg::Input)
                .on_submit(Msg::Submit)
                .size(24),
        ]
        .spacing(10);
        if let Some(e) = &self.error {
            c = c.push(text(e).size(13).style(styles::text_error));
        }
        let label = if self.submitting { "Checking…" } else { "Start" };
        c = c.push(actions(Msg::Cancel, label, (!self.submitting).then_some(Msg::Submit)));
        page(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn popup() -> Mfa {
        Mfa::new(
            keyhop_core::session::SessionId::from_string("id"),
            "dev".into(),
            "dev".into(),
            "arn:aws:iam::123456789012:mfa/me".into(),
        )
    }

    #[test]
    fn submits_on_the_sixth_digit_and_takes_a_pasted_code() {
        let mut m = popup();
        assert!(matches!(m.update(Msg::Input("12345".into())), Effect::None));
        assert!(matches!(m.update(Msg::Input("123456".into())), Effect::Submit(c) if c == "123456"));
        let mut m = popup();
        assert!(matches!(m.update(Msg::Input(" 654 321\n".into())), Effect::Submit(c) if c == "654321"));
        let mut m = popup();
        assert!(matches!(m.update(Msg::Input("12ab".into())), Effect::None));
        assert_eq!(m.code, "12");
    }

    #[test]
    fn enter_with_too_few_digits_explains_and_a_rejection_allows_another_try() {
        let mut m = popup();
        m.update(Msg::Input("123".into()));
        assert!(matches!(m.update(Msg::Submit), Effect::None));
        assert!(m.error.as_deref().unwrap().contains("6 digits"));
        m.update(Msg::Input("123456".into()));
        assert!(m.submitting);
        assert!(
            matches!(m.update(Msg::Input("1".into())), Effect::None),
            "no input while checking"
        );
        m.rejected("MFA authentication failed".into());
        assert!(!m.submitting && m.code.is_empty());
        assert!(matches!(m.update(Msg::Input("111111".into())), Effect::Submit(_)));
        assert!(matches!(m.update(Msg::Cancel), Effect::Cancel));
    }
}
