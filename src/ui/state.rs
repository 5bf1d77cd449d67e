//! The signed-in session shared by every page through Leptos context.

use super::config::AppConfig;
use crate::api::{BrowserTransport, Client};
use crate::domain::StaffView;
use leptos::prelude::*;

/// The Matrix client the UI uses.
pub type MatrixClient = Client<BrowserTransport>;

/// App-wide state: configuration, the client (signed in or not) and who is signed in.
#[derive(Clone, Copy)]
pub struct AppState {
    /// The runtime configuration.
    pub config: StoredValue<AppConfig>,
    /// The signed-in client; `None` on the sign-in page.
    pub client: RwSignal<Option<MatrixClient>>,
    /// The signed-in person's view of the clinic.
    pub staff: RwSignal<Option<StaffView>>,
}

impl AppState {
    /// Creates the state and provides it as context.
    pub fn provide(config: AppConfig) {
        let state = AppState {
            config: StoredValue::new(config),
            client: RwSignal::new(None),
            staff: RwSignal::new(None),
        };
        provide_context(state);
    }

    /// The state provided by [`AppState::provide`].
    pub fn get() -> Self {
        expect_context::<AppState>()
    }
}
