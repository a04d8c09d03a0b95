//! The access-key CSV that the IAM console downloads (`Access key ID,Secret access key`) and the
//! form `aws configure import` takes (`User name,Access key ID,Secret access key`, …).

use crate::error::{Error, Result};
use crate::secrets::LongTermKeys;
use crate::validate::{AccessKeyId, SecretAccessKey};

/// Reads the access-key CSV at `path` (`parse_access_key_csv`); an unreadable file is a CSV error
/// that names it.
pub fn read_access_key_csv(path: &std::path::Path) -> Result<LongTermKeys> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Error::Csv(format!("{} cannot be read: {e}", path.display())))?;
    parse_access_key_csv(&text)
}

/// Reads the one key pair in `text`. Headers are matched case-insensitively; a UTF-8 BOM and
/// CRLF line ends are fine. More than one key row is refused: one row is one session.
pub fn parse_access_key_csv(text: &str) -> Result<LongTermKeys> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|_| Error::Csv("cannot be read as CSV".into()))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(id_col), Some(secret_col)) = (col("access key id"), col("secret access key")) else {
        return Err(Error::Csv(
            "needs the columns \"Access key ID\" and \"Secret access key\" (as the IAM console downloads it)".into(),
        ));
    };
    let rows: Vec<csv::StringRecord> = rdr
        .records()
        .filter(|r| r.as_ref().map_or(true, |r| r.iter().any(|f| !f.is_empty())))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| {
            Error::Csv(format!(
                "has a malformed row (line {})",
                e.position().map_or(0, csv::Position::line)
            ))
        })?;
    let row = match rows.as_slice() {
        [row] => row,
        [] => return Err(Error::Csv("holds no access key".into())),
        more => {
            return Err(Error::Csv(format!(
                "holds {} access keys; import one per session",
                more.len()
            )));
        }
    };
    let field = |i: usize| row.get(i).unwrap_or_default();
    // A secret under "Access key ID" and a key id under "Secret access key": say so, and
    // echo neither (both errors below would otherwise be about the wrong field).
    if AccessKeyId::parse(field(id_col)).is_err() && AccessKeyId::parse(field(secret_col)).is_ok() {
        return Err(Error::Csv(
            "has its columns swapped: an access key id is under \"Secret access key\" and something else under \"Access key ID\"; fix the header row or the values".into(),
        ));
    }
    Ok(LongTermKeys {
        access_key_id: AccessKeyId::parse(field(id_col))?,
        secret_access_key: SecretAccessKey::parse(field(secret_col))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    const ID: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    #[test]
    fn console_download_with_bom_and_crlf() {
        let k = parse_access_key_csv(&format!("\u{feff}Access key ID,Secret access key\r\n{ID},{SECRET}\r\n")).unwrap();
        assert_eq!(k.access_key_id.as_str(), ID);
        assert_eq!(k.secret_access_key.expose(), SECRET);
    }

    #[test]
    fn configure_import_form_case_insensitive() {
        let k = parse_access_key_csv(&format!(
            "User Name,ACCESS KEY ID,Secret Access key\nalice,{ID},{SECRET}\n"
        ))
        .unwrap();
        assert_eq!(k.access_key_id.as_str(), ID);
    }

    #[test]
    fn refuses_bad_rows_without_echoing_the_secret() {
        let e = parse_access_key_csv(&format!("Access key ID,Secret access key\n{ID},short\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("secret access key") && !e.contains("short"), "{e}");
        let e = parse_access_key_csv("Access key ID,Secret access key\nAKIA,x\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("access key id"), "{e}");
        let e = parse_access_key_csv("a,b\n1,2\n").unwrap_err().to_string();
        assert!(e.contains("Access key ID"), "{e}");
        let e = parse_access_key_csv(&format!(
            "Access key ID,Secret access key\n{ID},{SECRET}\n{ID},{SECRET}\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("2 access keys"), "{e}");
        assert!(parse_access_key_csv("Access key ID,Secret access key\n").is_err());
    }

    #[test]
    fn swapped_columns_echo_neither_value() {
        // The secret sits under "Access key ID": the classic paste mistake.
        let e = parse_access_key_csv(&format!("Access key ID,Secret access key\n{SECRET},{ID}\n"))
            .unwrap_err()
            .to_string();
        assert!(!e.contains(SECRET) && !e.contains("wJalr") && !e.contains(ID), "{e}");
        assert!(e.contains("swapped"), "{e}");
    }
}
