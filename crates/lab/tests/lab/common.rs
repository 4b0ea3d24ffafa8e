//! Shared helpers: start the default lab.

use lab::{Lab, Scenario};

pub async fn start() -> Lab {
    Lab::start(Scenario::builtin("default").expect("default scenario"))
        .await
        .expect("lab starts")
}
