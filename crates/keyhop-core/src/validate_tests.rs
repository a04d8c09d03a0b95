use super::*;

#[test]
fn profile_names_that_could_break_an_ini_file_are_refused() {
    for bad in [
        "",
        "evil]\n[default",
        "a[b",
        "a]b",
        "#x",
        ";x",
        "a=b",
        " lead",
        "trail ",
        "a\nb",
        "a\rb",
        "tab\t",
    ] {
        assert!(ProfileName::parse(bad).is_err(), "{bad:?} should be refused");
    }
    for good in ["default", "dev", "corp-prod.admin", "x_y@z", "Default", "a:b", "ünï"] {
        assert_eq!(ProfileName::parse(good).unwrap().as_str(), good);
    }
    let msg = ProfileName::parse("a]b").unwrap_err().to_string();
    assert!(msg.contains("profile name"), "{msg}");
}

#[test]
fn config_section_of_default_has_no_profile_prefix() {
    assert_eq!(ProfileName::parse("default").unwrap().config_section(), "default");
    assert_eq!(ProfileName::parse("dev").unwrap().config_section(), "profile dev");
}

#[test]
fn regions_known_or_shaped_like_one() {
    for good in [
        "us-east-1",
        "eu-west-2",
        "us-gov-west-1",
        "cn-north-1",
        "xx-future-9",
        "eu-isoe-west-1",
    ] {
        assert!(Region::parse(good).is_ok(), "{good}");
    }
    for bad in [
        "",
        "useast1",
        "us-east",
        "US-EAST-1",
        "us-east-1a",
        "e-west-1",
        "us--1",
        "us-east-123",
    ] {
        assert!(Region::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn access_key_ids() {
    assert!(AccessKeyId::parse("AKIAIOSFODNN7EXAMPLE").is_ok());
    assert!(AccessKeyId::parse("ASIAIOSFODNN7EXAMPLE").is_ok());
    for bad in [
        "",
        "AKIA",
        "AKIAIOSFODNN7EXAMPL",
        "AKIAIOSFODNN7EXAMPLEX",
        "AKIAiosfodnn7example",
        "ABIAIOSFODNN7EXAMPLE",
    ] {
        let e = AccessKeyId::parse(bad).unwrap_err().to_string();
        assert!(e.contains("access key id"), "{e}");
    }
}

#[test]
fn secret_is_40_chars_and_never_echoed() {
    let s = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    assert_eq!(SecretAccessKey::parse(s).unwrap().expose(), s);
    assert_eq!(SecretAccessKey::parse(&format!("{s}\n")).unwrap().expose(), s);
    assert!(!format!("{:?}", SecretAccessKey::parse(s).unwrap()).contains("wJalr"));
    let short = &s[..39];
    let e = SecretAccessKey::parse(short).unwrap_err().to_string();
    assert!(e.contains("secret access key") && !e.contains(short), "{e}");
    assert!(SecretAccessKey::parse("wJalrXUtnFEMI K7MDENG/bPxRfiCYEXAMPLEKEY").is_err());
}

#[test]
fn mfa_devices() {
    for good in [
        "arn:aws:iam::123456789012:mfa/alice",
        "arn:aws-cn:iam::123456789012:mfa/a.b@c",
        "arn:aws-us-gov:iam::123456789012:mfa/path/x",
        "GAHT12345678",
    ] {
        assert!(MfaDevice::parse(good).is_ok(), "{good}");
    }
    for bad in [
        "",
        "arn:aws:iam::12345:mfa/alice",
        "arn:aws:iam::123456789012:user/alice",
        "arn:aws:iam::123456789012:mfa/",
        "arn:foo:iam::123456789012:mfa/a",
        "short",
        "has space 123",
    ] {
        let e = MfaDevice::parse(bad).unwrap_err().to_string();
        assert!(e.contains("MFA device"), "{e}");
    }
}

#[test]
fn mfa_codes_are_six_digits() {
    assert_eq!(MfaCode::parse(" 123456 ").unwrap().as_str(), "123456");
    for bad in ["", "12345", "1234567", "12345a", "12 456"] {
        assert_eq!(MfaCode::parse(bad), Err(ValidationError::BadMfaCode), "{bad}");
    }
    assert!(!format!("{:?}", MfaCode::parse("123456").unwrap()).contains("123456"));
}

#[test]
fn role_arns() {
    let arn = RoleArn::parse("arn:aws:iam::123456789012:role/team/Dev").unwrap();
    assert_eq!(arn.role_name(), "Dev");
    assert!(RoleArn::parse("arn:aws-us-gov:iam::123456789012:role/Admin").is_ok());
    for bad in [
        "",
        "arn:aws:iam::123456789012:user/Dev",
        "arn:aws:iam::1234:role/Dev",
        "arn:aws:sts::123456789012:role/Dev",
        "arn:aws:iam:us-east-1:123456789012:role/Dev",
        "arn:aws:iam::123456789012:role/",
        "arn:aws:iam::123456789012:role/a b",
        "role/Dev",
    ] {
        let e = RoleArn::parse(bad).unwrap_err().to_string();
        assert!(e.contains("role ARN"), "{bad}: {e}");
    }
}

#[test]
fn role_session_names() {
    assert!(RoleSessionName::parse("alice-dev").is_ok());
    assert!(RoleSessionName::parse("a.b@c=d,e+f_g").is_ok());
    for bad in ["", "a", "has space", "slash/x", &"x".repeat(65)] {
        assert!(RoleSessionName::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn aliases() {
    assert_eq!(SessionAlias::parse("  dev  ").unwrap().as_str(), "dev");
    assert_eq!(SessionAlias::parse("   "), Err(ValidationError::EmptyAlias));
    assert!(SessionAlias::parse("a\nb").is_err());
    assert!(SessionAlias::parse(&"x".repeat(65)).is_err());
}

#[test]
fn durations() {
    assert!(SessionDuration::from_secs(899).is_err());
    assert!(SessionDuration::from_secs(129_601).is_err());
    assert_eq!(SessionDuration::from_secs(900).unwrap().secs(), 900);
    assert_eq!(SessionDuration::default().secs(), 43_200);
}

#[test]
fn serde_rejects_invalid_values() {
    assert!(serde_json::from_str::<ProfileName>("\"a]b\"").is_err());
    assert_eq!(serde_json::from_str::<ProfileName>("\"dev\"").unwrap().as_str(), "dev");
}

#[test]
fn profile_names_the_aws_cli_cannot_address_are_refused_with_the_reason() {
    // botocore splits `[profile a b]` with shlex and ignores it: `--profile "a b"` finds nothing.
    for bad in ["a b", "with space", "a\"b", "a'b", "a\\b", "a\u{a0}b"] {
        let msg = ProfileName::parse(bad).unwrap_err().to_string();
        assert!(
            msg.contains("profile name") && msg.contains("AWS CLI"),
            "{bad:?}: {msg}"
        );
    }
    // configparser's DEFAULT section lends its keys to every profile of the file.
    let msg = ProfileName::parse("DEFAULT").unwrap_err().to_string();
    assert!(msg.contains("DEFAULT") && msg.contains("every"), "{msg}");
}

#[test]
fn a_secret_pasted_as_the_access_key_id_is_not_echoed() {
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let msg = AccessKeyId::parse(secret).unwrap_err().to_string();
    assert!(!msg.contains(secret) && !msg.contains("wJalr"), "{msg}");
    assert!(msg.contains("40 characters") && msg.contains("AKIA"), "{msg}");
    assert!(
        msg.contains("secret access key"),
        "a 40-character value is the secret: say so: {msg}"
    );
    for bad in ["AKIA123", "akiaiosfodnn7example", "AKIAIOSFODNN7EXAMPLEX"] {
        let msg = AccessKeyId::parse(bad).unwrap_err().to_string();
        assert!(!msg.contains(bad) && msg.contains("access key id"), "{msg}");
    }
}

#[test]
fn no_error_echoes_a_huge_input() {
    let huge = "x".repeat(1 << 20);
    let errors = [
        SessionAlias::parse(&huge).unwrap_err(),
        SessionAlias::parse(&format!("a\n{huge}")).unwrap_err(),
        ProfileName::parse(&huge).unwrap_err(),
        Region::parse(&huge).unwrap_err(),
        AccessKeyId::parse(&huge).unwrap_err(),
        MfaDevice::parse(&huge).unwrap_err(),
        RoleArn::parse(&huge).unwrap_err(),
        RoleSessionName::parse(&huge).unwrap_err(),
        SecretAccessKey::parse(&huge).unwrap_err(),
    ];
    for e in errors {
        let msg = e.to_string();
        assert!(msg.len() < 400, "{} bytes: {}…", msg.len(), &msg[..200]);
    }
    // A short prefix is shown, marked as cut.
    let msg = Region::parse(&format!("eu-west-{huge}")).unwrap_err().to_string();
    assert!(msg.contains("eu-west-xxxx") && msg.contains('…'), "{msg}");
}
