use super::*;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-12-03 03:00:00 UTC);
const ADMIN: &str = "arn:aws:iam::111111111111:role/Admin";
const OKTA: &str = "arn:aws:iam::111111111111:saml-provider/Okta";
const READ: &str = "arn:aws:iam::222222222222:role/path/ReadOnly";
const OKTA2: &str = "arn:aws:iam::222222222222:saml-provider/Okta";
const SUBJECT: &str = "alice.secret-subject@example.com";

/// A Response shaped like an IdP's (namespaces prefixed as Okta and ADFS do, signature elided).
struct Xml {
    destination: Option<&'static str>,
    recipient: &'static str,
    not_before: &'static str,
    not_on_or_after: &'static str,
    confirmation_not_on_or_after: &'static str,
    status: &'static str,
    roles: Vec<String>,
    extra_attributes: &'static str,
}

impl Default for Xml {
    fn default() -> Self {
        Xml {
            destination: Some("https://signin.aws.amazon.com/saml"),
            recipient: "https://signin.aws.amazon.com/saml",
            not_before: "2026-12-03T02:59:00Z",
            not_on_or_after: "2026-12-03T03:05:00Z",
            confirmation_not_on_or_after: "2026-12-03T03:04:00.123Z",
            status: SUCCESS,
            roles: vec![format!("{ADMIN},{OKTA}"), format!("{OKTA2},{READ}")],
            extra_attributes: r#"<saml2:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName"><saml2:AttributeValue>alice@example.com</saml2:AttributeValue></saml2:Attribute><saml2:Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration"><saml2:AttributeValue>7200</saml2:AttributeValue></saml2:Attribute>"#,
        }
    }
}

impl Xml {
    fn text(&self) -> String {
        let destination = self
            .destination
            .map(|d| format!(r#" Destination="{d}""#))
            .unwrap_or_default();
        let roles: String = self
            .roles
            .iter()
            .flat_map(|r| {
                [
                    r#"<saml2:AttributeValue xsi:type="xs:string">"#,
                    r.as_str(),
                    "</saml2:AttributeValue>",
                ]
            })
            .collect();
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<saml2p:Response xmlns:saml2p="{SAMLP}" ID="_r1" Version="2.0" IssueInstant="2026-12-03T02:59:30Z"{destination}>
  <saml2:Issuer xmlns:saml2="{SAML}">http://www.okta.com/exk1</saml2:Issuer>
  <saml2p:Status><saml2p:StatusCode Value="{status}"/></saml2p:Status>
  <saml2:Assertion xmlns:saml2="{SAML}" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="_a1" Version="2.0" IssueInstant="2026-12-03T02:59:30Z">
    <saml2:Issuer>http://www.okta.com/exk1</saml2:Issuer>
    <saml2:Subject>
      <saml2:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{SUBJECT}</saml2:NameID>
      <saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
        <saml2:SubjectConfirmationData NotOnOrAfter="{confirmation}" Recipient="{recipient}"/>
      </saml2:SubjectConfirmation>
    </saml2:Subject>
    <saml2:Conditions NotBefore="{not_before}" NotOnOrAfter="{not_on_or_after}">
      <saml2:AudienceRestriction><saml2:Audience>urn:amazon:webservices</saml2:Audience></saml2:AudienceRestriction>
    </saml2:Conditions>
    <saml2:AttributeStatement>
      <saml2:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">{roles}</saml2:Attribute>
      {extra}
    </saml2:AttributeStatement>
  </saml2:Assertion>
</saml2p:Response>"#,
            status = self.status,
            confirmation = self.confirmation_not_on_or_after,
            recipient = self.recipient,
            not_before = self.not_before,
            not_on_or_after = self.not_on_or_after,
            extra = self.extra_attributes,
        )
    }

    fn base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.text())
    }

    fn read(&self) -> Result<SamlAssertion, SamlError> {
        SamlAssertion::read(SamlResponse::new(&self.base64()).unwrap(), NOW)
    }
}

fn role(role: &str, principal: &str) -> SamlRole {
    SamlRole {
        role: RoleArn::parse(role).unwrap(),
        principal: PrincipalArn::parse(principal).unwrap(),
    }
}

#[test]
fn reads_the_roles_in_either_order_and_the_session_attributes() {
    let a = Xml::default().read().unwrap();
    assert_eq!(a.roles, vec![role(ADMIN, OKTA), role(READ, OKTA2)]);
    assert_eq!(a.partition, Partition::Aws);
    assert_eq!(a.destination, "https://signin.aws.amazon.com/saml");
    // The earlier of the two ends (the confirmation's, with fractional seconds).
    assert_eq!(a.not_on_or_after, Some(datetime!(2026-12-03 03:04:00.123 UTC)));
    assert_eq!(a.session_name.as_deref(), Some("alice@example.com"));
    assert_eq!(a.session_duration, Some(7200));
}

#[test]
fn repeated_pairs_are_listed_once_and_spaces_around_the_comma_are_fine() {
    let xml = Xml {
        roles: vec![format!("{ADMIN}, {OKTA}"), format!("{ADMIN},{OKTA}")],
        ..Xml::default()
    };
    assert_eq!(xml.read().unwrap().roles, vec![role(ADMIN, OKTA)]);
}

#[test]
fn the_response_goes_to_sts_exactly_as_it_came() {
    let text = Xml::default().base64();
    let a = SamlAssertion::read(SamlResponse::new(&text).unwrap(), NOW).unwrap();
    assert_eq!(a.response().expose(), text);
}

#[test]
fn a_saved_or_copied_response_is_taken_as_posted() {
    let text = Xml::default().base64();
    let wrapped = text.as_bytes().chunks(76).fold(String::new(), |mut out, c| {
        out.push_str(std::str::from_utf8(c).unwrap());
        out.push_str("\r\n");
        out
    });
    assert_eq!(SamlResponse::new(&wrapped).unwrap().expose(), text);
    let form_encoded = text.replace('+', "%2B").replace('=', "%3D").replace('/', "%2F");
    assert_eq!(SamlResponse::new(&format!("{form_encoded}\n")).unwrap().expose(), text);
    assert_eq!(SamlResponse::new(" \n").unwrap_err(), SamlError::Empty);
}

#[test]
fn regional_china_and_govcloud_endpoints_set_the_partition() {
    for (url, role_arn, principal, partition) in [
        (
            "https://eu-central-1.signin.aws.amazon.com/saml",
            ADMIN,
            OKTA,
            Partition::Aws,
        ),
        (
            "https://signin.amazonaws.cn/saml",
            "arn:aws-cn:iam::111111111111:role/Admin",
            "arn:aws-cn:iam::111111111111:saml-provider/adfs",
            Partition::China,
        ),
        (
            "https://signin.amazonaws-us-gov.com/saml",
            "arn:aws-us-gov:iam::111111111111:role/Admin",
            "arn:aws-us-gov:iam::111111111111:saml-provider/adfs",
            Partition::GovCloud,
        ),
    ] {
        let xml = Xml {
            destination: Some(url),
            recipient: url,
            roles: vec![format!("{role_arn},{principal}")],
            ..Xml::default()
        };
        let a = xml.read().unwrap();
        assert_eq!(a.partition, partition, "{url}");
        let region = |r: &str| Region::parse(r).unwrap();
        let home = match partition {
            Partition::Aws => "eu-west-1",
            Partition::China => "cn-north-1",
            Partition::GovCloud => "us-gov-west-1",
        };
        assert!(a.fits_region(&region(home)).is_ok());
        let other = if partition == Partition::Aws {
            "cn-north-1"
        } else {
            "us-east-1"
        };
        let e = a.fits_region(&region(other)).unwrap_err();
        assert!(e.to_string().contains(&format!("for AWS partition {partition}")), "{e}");
    }
}

#[test]
fn an_assertion_for_another_service_provider_is_refused_by_name() {
    // Either place naming the recipient counts: the Response's Destination and the Recipient.
    for xml in [
        Xml {
            destination: Some("https://sp.example.com/saml/acs"),
            ..Xml::default()
        },
        Xml {
            recipient: "https://signin.aws.amazon.com.evil.example/saml",
            ..Xml::default()
        },
    ] {
        let e = xml.read().unwrap_err();
        assert!(matches!(e, SamlError::Foreign(_)), "{e}");
        assert!(e.to_string().contains("not to AWS's SAML endpoint"), "{e}");
    }
    let none = Xml {
        destination: None,
        recipient: "https://signin.aws.amazon.com/saml",
        ..Xml::default()
    };
    assert!(none.read().is_ok(), "a Recipient alone is enough");
    let mixed = Xml {
        destination: Some("https://signin.amazonaws.cn/saml"),
        ..Xml::default()
    };
    assert!(matches!(mixed.read().unwrap_err(), SamlError::MixedPartitions(..)));
}

#[test]
fn a_stale_assertion_says_when_it_expired() {
    let xml = Xml {
        not_on_or_after: "2026-12-03T02:45:00Z",
        ..Xml::default()
    };
    let e = xml.read().unwrap_err();
    assert_eq!(
        e,
        SamlError::Expired {
            at: "2026-12-03T02:45:00Z".into(),
            minutes: 15
        }
    );
    assert!(e.to_string().contains("sign in at the IdP again"), "{e}");
    // The confirmation's end counts too; "on or after" means the instant itself is too late.
    let at_now = Xml {
        confirmation_not_on_or_after: "2026-12-03T03:00:00Z",
        ..Xml::default()
    };
    assert!(matches!(
        at_now.read().unwrap_err(),
        SamlError::Expired { minutes: 0, .. }
    ));
}

#[test]
fn an_assertion_from_the_future_blames_the_clock() {
    let xml = Xml {
        not_before: "2026-12-03T03:10:00Z",
        not_on_or_after: "2026-12-03T03:20:00Z",
        confirmation_not_on_or_after: "2026-12-03T03:20:00Z",
        ..Xml::default()
    };
    assert!(xml.read().unwrap_err().to_string().contains("clock"));
    let skewed = Xml {
        not_before: "2026-12-03T03:04:00Z",
        ..Xml::default()
    };
    assert!(skewed.read().is_ok(), "a few minutes of skew pass");
}

#[test]
fn broken_input_gets_a_specific_error() {
    let read = |text: &str| SamlAssertion::read(SamlResponse::new(text).unwrap(), NOW).unwrap_err();
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    assert_eq!(read("not*base64"), SamlError::NotBase64);
    assert!(matches!(read(&b64("<a>")), SamlError::NotXml(_)));
    assert_eq!(
        read(&b64(
            r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>"#
        )),
        SamlError::NotAResponse("AuthnRequest".into())
    );
    let dtd = format!(
        r#"<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><samlp:Response xmlns:samlp="{SAMLP}">&x;</samlp:Response>"#
    );
    assert!(matches!(read(&b64(&dtd)), SamlError::NotXml(_)), "no DTD, no entities");
    let failed = Xml {
        status: "urn:oasis:names:tc:SAML:2.0:status:Requester",
        ..Xml::default()
    };
    assert!(matches!(failed.read().unwrap_err(), SamlError::Failed(s) if s.ends_with("Requester")));
    let encrypted = format!(
        r#"<p:Response xmlns:p="{SAMLP}" xmlns:a="{SAML}"><p:Status><p:StatusCode Value="{SUCCESS}"/></p:Status><a:EncryptedAssertion/></p:Response>"#
    );
    assert_eq!(read(&b64(&encrypted)), SamlError::Encrypted);
    let none = Xml {
        roles: vec![],
        ..Xml::default()
    };
    assert_eq!(none.read().unwrap_err(), SamlError::NoRoles);
    for bad in [ADMIN.to_owned(), format!("{ADMIN},{READ}"), format!("{ADMIN},x")] {
        let xml = Xml {
            roles: vec![bad.clone()],
            ..Xml::default()
        };
        assert_eq!(xml.read().unwrap_err(), SamlError::BadRole(bad));
    }
}

#[test]
fn a_role_not_in_the_assertion_is_refused_with_what_it_offers() {
    let a = Xml::default().read().unwrap();
    let (admin, okta) = (RoleArn::parse(ADMIN).unwrap(), PrincipalArn::parse(OKTA).unwrap());
    assert!(a.offers(&admin, &okta).is_ok());
    let e = a.offers(&RoleArn::parse(READ).unwrap(), &okta).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains(READ) && text.contains(&format!("{ADMIN} ({OKTA})")),
        "{text}"
    );
}

#[test]
fn nothing_shows_the_assertion_or_its_subject() {
    let text = Xml::default().base64();
    let response = SamlResponse::new(&text).unwrap();
    let shown = format!("{response:?}");
    assert!(!shown.contains(&text[..20]), "{shown}");
    let a = SamlAssertion::read(response, NOW).unwrap();
    let debug = format!("{a:?}");
    assert!(!debug.contains(&text[..20]) && !debug.contains(SUBJECT), "{debug}");
    // Errors name public facts only, never the subject or the encoded text.
    let stale = Xml {
        not_on_or_after: "2026-12-03T02:00:00Z",
        ..Xml::default()
    };
    let e = stale.read().unwrap_err().to_string();
    assert!(!e.contains(SUBJECT) && !e.contains(&stale.base64()[..20]), "{e}");
}
