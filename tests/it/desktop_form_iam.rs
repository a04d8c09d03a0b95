//! The IAM user form's helpers, by the mouse: "Import CSV…" (the GTK file dialog, driven with
//! xdotool), the profile field's suggestions (a profile another session writes), the region
//! picker (found by its name), and "Find my MFA device" (IAM ListMFADevices on moto).

use crate::common;
use crate::desktop;

use common::*;
use desktop::*;

const TITLE: &str = "keyhop - Add session";
const DIALOG: &str = "Import access key CSV";

/// Opens the add form from the menu and takes the preselected IAM user.
fn iam_user_form(desk: &Desktop, tray: &TrayApp<'_>) -> Win {
    let menu = tray.choose("1-menu", "Add session");
    let form = desk
        .wait_app_window(TITLE, 20.0)
        .unwrap_or_else(|| panic!("no {TITLE:?} window\nmenu:\n{}\n{}", menu.show(), tray.log()));
    desk.read_until("2-kinds", &form, 30.0, |l| l.iter().any(|l| l.has("SAML federated")));
    desk.focus(&form);
    desk.key(&["Return"]);
    desk.read_until("3-form", &form, 30.0, |l| l.iter().any(|l| l.has("Secret access key")));
    form
}

/// Whether OCR's `text` is `key` (20 random capitals and digits) but for a few misread
/// characters: within two edits (one dropped, added or misread, as `J` read as `}J`).
fn reads_as(text: &str, key: &str) -> bool {
    // Also the whole line without its spaces: a field holding only the key was once read
    // split in two ("AKIARZPUZDIKCT 7LEERP").
    let joined: String = text.split_whitespace().collect();
    (text.split_whitespace())
        .chain([joined.as_str()])
        .any(|w| strsim::levenshtein(w, key) <= 2)
}

/// Clicks "Import CSV…" and picks `csv` in the GTK file dialog (ctrl+L, the path, Return).
fn import_through_the_dialog(desk: &Desktop, tray: &TrayApp<'_>, form: &Win, csv: &std::path::Path) {
    desk.click_text("4-import", form, "Import CSV", 20.0);
    let dialog = desk
        .wait_app_window(DIALOG, 20.0)
        .unwrap_or_else(|| panic!("no file dialog {DIALOG:?}\n{}", tray.log()));
    desk.screenshot("5-dialog");
    desk.focus(&dialog);
    desk.key(&["ctrl+l"]);
    desk.type_text(&csv.display().to_string());
    // The first Return can go to the entry's completion popup: again until the dialog goes.
    let gone = (0..3).any(|_| {
        desk.key(&["Return"]);
        desk.wait_window_gone(DIALOG, 5.0)
    });
    assert!(gone, "the file dialog stayed open");
}

#[test]
fn import_csv_and_the_profile_and_region_pickers_fill_the_iam_user_form() {
    let Some(desk) = Desktop::start("form-import") else {
        return;
    };
    let rig = Rig::new();
    // A session already writing profile "team-dev": the form suggests it, and says so.
    let theirs = moto_user(&unique("formtheirs"));
    let other = ocr_alias("other");
    rig.add_user(&other, "team-dev", &theirs, &[]).ok();
    rig.start(&other).ok();
    let mine = moto_user(&unique("formcsv"));
    let csv = desk.dir.path().join("me_accessKeys.csv");
    std::fs::write(
        &csv,
        format!("Access key ID,Secret access key\r\n{},{}\r\n", mine.id, mine.secret),
    )
    .unwrap();
    let tray = TrayApp::start(&desk, &rig);
    let form = iam_user_form(&desk, &tray);

    import_through_the_dialog(&desk, &tray, &form, &csv);
    let (_, read) = desk.read_until("6-imported", &form, 20.0, |l| {
        l.iter().any(|l| l.has("Keys filled from"))
    });
    assert!(
        read.iter().any(|l| l.has("Keys filled from")),
        "the form does not say where the keys came from:\n{}",
        ocr::show(&read)
    );
    assert!(
        read.iter().any(|l| reads_as(&l.text, &mine.id)),
        "the access key id of the CSV is not in its field:\n{}",
        ocr::show(&read)
    );

    // Tab from nowhere focuses the first field (the click on the button left none focused).
    let alias = ocr_alias("imported");
    desk.focus(&form);
    desk.key_type(&["Tab"], &alias);
    desk.key_type(&["Tab"], "team");
    desk.click_text("7-profiles", &form, "team-dev — used by", 20.0);
    let (_, read) = desk.read_until("8-profile", &form, 20.0, |l| {
        l.iter().any(|l| l.has("Also the profile"))
    });
    assert!(
        read.iter()
            .any(|l| l.has("Also the profile of session") && l.has_near(&other)),
        "the form does not say that {other} writes team-dev:\n{}",
        ocr::show(&read)
    );

    // The region by its place: click into the preset value, replace it, pick the line.
    desk.click_text("9-region", &form, "us-east-1", 20.0);
    desk.key_type(&["ctrl+a"], "frankf");
    desk.click_text("10-regions", &form, "eu-central-1 — Europe (Frankfurt)", 20.0);
    let (_, read) = desk.read_until("11-region", &form, 20.0, |l| {
        l.iter().any(|l| l.has("Europe (Frankfurt)")) && !l.iter().any(|l| l.has("frankf"))
    });
    assert!(
        read.iter().any(|l| l.has("eu-central-1")) && read.iter().any(|l| l.has("Europe (Frankfurt)")),
        "the region picked is not shown with its name:\n{}",
        ocr::show(&read)
    );
    desk.screenshot("12-filled");

    // Enter in a field saves.
    desk.click_text("13-focus", &form, "eu-central-1", 20.0);
    desk.key(&["Return"]);
    let saved = wait_for(20.0, || rig.list().into_iter().find(|s| s["alias"] == alias.as_str()));
    let s = saved.unwrap_or_else(|| panic!("Enter did not add {alias}\n{}", tray.log()));
    assert_eq!(s["profile"], "team-dev", "{s}");
    assert_eq!(s["region"], "eu-central-1", "{s}");
    let items = keyring_items();
    assert!(items.contains(&mine.secret), "the CSV's secret is not in the keyring");
    assert_no_secret(&rig.state_text(), &[&mine.secret], "state.json");
    assert_no_secret(&tray.log(), &[&mine.secret], "the tray's log");
    // The session starts (moto hands out fixed session keys: the keyring proves whose keys).
    rig.start(&alias).ok();
    assert!(rig.caller_arn("team-dev").contains("123456789012"));
}

#[test]
fn find_my_mfa_device_asks_iam_with_the_typed_keys() {
    let Some(desk) = Desktop::start("form-mfa") else {
        return;
    };
    let rig = Rig::new();
    let user = unique("formmfa");
    let keys = moto_user(&user);
    let device = unique("phone");
    // AWS CLI v1 wants somewhere to write the device's seed.
    let seed = desk.dir.path().join("seed.txt");
    let created = moto_aws(&[
        "iam",
        "create-virtual-mfa-device",
        "--virtual-mfa-device-name",
        &device,
        "--outfile",
        &seed.display().to_string(),
        "--bootstrap-method",
        "Base32StringSeed",
    ]);
    let v: serde_json::Value = serde_json::from_str(&created.stdout).expect("create-virtual-mfa-device JSON");
    let serial = v["VirtualMFADevice"]["SerialNumber"]
        .as_str()
        .expect("SerialNumber")
        .to_owned();
    moto_aws(&[
        "iam",
        "enable-mfa-device",
        "--user-name",
        &user,
        "--serial-number",
        &serial,
        "--authentication-code1",
        "123456",
        "--authentication-code2",
        "654321",
    ]);
    let tray = TrayApp::start(&desk, &rig);
    let form = iam_user_form(&desk, &tray);

    let alias = ocr_alias("mfa");
    desk.type_text(&alias);
    desk.key_type(&["Tab"], "mfa-profile");
    desk.key_type(&["Tab", "Tab", "Tab"], &keys.id);
    desk.key_type(&["Tab"], &keys.secret);
    desk.click_text("4-find", &form, "Find my MFA device", 20.0);
    let (_, read) = desk.read_until("5-found", &form, 15.0, |l| l.iter().any(|l| l.has_near(&device)));
    assert!(
        read.iter().any(|l| l.has_near(&device)),
        "IAM's device {serial} is not shown:\n{}\n{}",
        ocr::show(&read),
        tray.log()
    );

    desk.focus(&form);
    desk.key(&["Tab", "Return"]);
    let saved = wait_for(20.0, || rig.list().into_iter().find(|s| s["alias"] == alias.as_str()));
    let s = saved.unwrap_or_else(|| panic!("Enter did not add {alias}\n{}", tray.log()));
    assert_eq!(
        s["mfa_device"],
        serial.as_str(),
        "the one device found is the session's: {s}"
    );
    assert_no_secret(&tray.log(), &[&keys.secret], "the tray's log");
}
