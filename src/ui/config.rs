//! The runtime `config.json` served beside the app: rebrand or repoint without a rebuild.

use serde::Deserialize;

/// What a clinic configures for its portal.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppConfig {
    /// The clinic's display name (page title, header, sign-in page).
    pub clinic_name: String,
    /// The default homeserver base URL.
    pub homeserver: String,
    /// Whether staff may type another homeserver on the sign-in page.
    #[serde(default)]
    pub allow_homeserver_change: bool,
    /// Alias prefix of the clinic's rooms on the homeserver (`rounds` → `#rounds:server`).
    #[serde(default = "default_clinic")]
    pub clinic: String,
    /// Minutes without activity before the app locks and signs out (fractions allowed).
    #[serde(default = "default_idle_minutes")]
    pub idle_minutes: f64,
}

fn default_idle_minutes() -> f64 {
    15.0
}

fn default_clinic() -> String {
    "rounds".into()
}

/// Fetches and parses `/config.json`; the error names the problem for the error page.
pub async fn load() -> Result<AppConfig, String> {
    let response = gloo_net::http::Request::get("/config.json")
        .send()
        .await
        .map_err(|e| format!("config.json could not be loaded: {e}"))?;
    if !response.ok() {
        return Err(format!("config.json could not be loaded (HTTP {})", response.status()));
    }
    let text = response
        .text()
        .await
        .map_err(|e| format!("config.json could not be read: {e}"))?;
    let config: AppConfig = serde_json::from_str(&text).map_err(|e| format!("config.json is not valid: {e}"))?;
    if config.clinic_name.trim().is_empty() || config.homeserver.trim().is_empty() {
        return Err("config.json must name the clinic (clinic_name) and its homeserver".into());
    }
    Ok(config)
}
