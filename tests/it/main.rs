//! keyhop's black-box tests, one binary (one link, `common` compiled once): each module is a
//! suite of the built `keyhop` binary against moto, the Secret Service and the AWS CLI.
//! `cargo xtask test --test it -- iam_user::` runs one suite.

mod common;
mod desktop;

mod aws_files;
mod bad_input;
mod closed_stdout;
mod concurrency;
mod concurrency_stress;
mod console;
mod credential_process;
mod desktop_autostart;
mod desktop_form;
mod desktop_form_iam;
mod desktop_list;
mod desktop_mfa;
mod desktop_notify;
mod desktop_readme;
mod desktop_saml;
mod desktop_sso;
mod desktop_tray;
mod desktop_windows;
mod doctor;
mod exec_export;
mod faults;
mod hostile_files;
mod hostile_input;
mod iam_user;
mod import_csv;
mod installers_linux;
mod installers_macos;
mod installers_windows;
mod key_age;
mod keyring_locked;
mod mfa_process;
mod refresh;
mod role_chained;
mod rotate;
mod saml;
mod secret_leaks;
mod serve;
mod settings_cli;
mod shadow;
mod shared_profile;
mod sso;
mod sso_login;
mod sso_rig;
mod sts_errors;
mod tls;
mod windows;
