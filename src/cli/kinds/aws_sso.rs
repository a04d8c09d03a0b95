//! The IAM Identity Center part of the command line: its sessions come from `sso sync` (no
//! `session add`) and `session edit` changes only alias, profile and region; the table shows
//! nothing of its own.

use keyhop_core::kinds::aws_sso;

use super::TableCells;

pub fn table_cells(_: &aws_sso::Details) -> TableCells {
    TableCells::default()
}
