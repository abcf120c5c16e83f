//! Rows about the client's configuration, grouped by setting: the keys, the
//! certificates, and the remaining settings (gateway URL, timeouts, limits, identity).

use super::*;

mod certs;
mod keys;
mod settings;

pub(crate) fn config_rows() -> Vec<Row> {
    [keys::rows(), certs::rows(), settings::rows()]
        .into_iter()
        .flatten()
        .collect()
}
