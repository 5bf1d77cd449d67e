//! The runtime `config.json` served beside the app: rebrand or repoint without a rebuild.

use crate::branding::check_brand;
use crate::session::browser::intl;
use crate::session::browser::{EhrLink, Portal};
use crate::session::Labels;
use serde::Deserialize;
use std::collections::BTreeMap;

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
    /// Days after which a shared device forgets the drafts and kept inbox of someone who has not
    /// signed in there since (zero: at the next sign-in of anyone else).
    #[serde(default = "default_forget_others_after_days")]
    pub forget_others_after_days: f64,
    /// The clinic's locale (`en-US`), for staff whose browser asks for none Rounds can use.
    #[serde(default)]
    pub locale: Option<String>,
    /// The clinic's time zone (IANA, `America/Chicago`): times are shown as the clinic reads
    /// them, wherever the device is (the device's own zone when absent).
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Short name for the home screen (defaults to the clinic name).
    #[serde(default)]
    pub short_name: Option<String>,
    /// Logo shown in the header and on the sign-in page (a path on this site).
    #[serde(default)]
    pub logo: Option<String>,
    /// Brand colour (buttons, links); must carry white text readably.
    #[serde(default)]
    pub primary_color: Option<String>,
    /// Second brand colour (badges, highlights); same contrast rule.
    #[serde(default)]
    pub accent_color: Option<String>,
    /// Labels replacing the clinic policy's category labels in this portal, by category id.
    #[serde(default)]
    pub category_labels: BTreeMap<String, String>,
    /// Labels replacing the clinic policy's role labels, by role id.
    #[serde(default)]
    pub role_labels: BTreeMap<String, String>,
    /// The clinic's FHIR R4 server; without it the patient and scheduling features are hidden.
    #[serde(default)]
    pub fhir: Option<FhirConfig>,
    /// Single sign-on: which of the homeserver's identity providers to offer, under which name.
    #[serde(default)]
    pub sso: Option<SsoConfig>,
    /// The clinic's Matrix push gateway: notifications while Rounds is closed.
    #[serde(default)]
    pub push: Option<PushConfig>,
}

/// Where the homeserver sends notifications for Rounds, and the key browsers subscribe with.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushConfig {
    /// The gateway's notify URL as the homeserver reaches it (`…/_matrix/push/v1/notify`).
    pub gateway: String,
    /// The application id the gateway knows Rounds by.
    #[serde(default = "default_push_app_id")]
    pub app_id: String,
    /// The gateway's VAPID public key (base64url, 65 bytes uncompressed P-256).
    pub vapid_public_key: String,
}

impl PushConfig {
    /// What is wrong with these settings, if anything (the session knows the rules).
    fn problem(&self) -> Option<&'static str> {
        crate::session::PushGateway::problem(&self.gateway, &self.vapid_public_key)
    }
}

/// Where the clinic's FHIR server is, and how Rounds is known to its authorization server. No
/// credential: each person authorizes Rounds with their own sign-in (SMART on FHIR).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FhirConfig {
    /// Base URL, such as `https://ehr.clinic.example/fhir/R4`.
    pub base_url: String,
    /// The public client id Rounds is registered with at the clinic's authorization server.
    pub client_id: String,
    /// Show clinicians as "With a patient" while their EHR schedule has them in an appointment
    /// (ordinary messages are then held back as when they choose it).
    #[serde(default)]
    pub with_patient_from_schedule: bool,
    /// The ID token claim that names the person's Matrix account, as the homeserver's
    /// `localpart_template` uses it (an EHR sign-in naming anyone else is refused).
    #[serde(default = "default_identity_claim")]
    pub identity_claim: String,
}

fn default_forget_others_after_days() -> f64 {
    14.0
}

fn default_identity_claim() -> String {
    "preferred_username".into()
}

/// The single sign-on button.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsoConfig {
    /// The homeserver's identity provider id (`oidc-rounds`); the first it offers when absent.
    #[serde(default)]
    pub provider: Option<String>,
    /// The name on the button: "Sign in with <name>" (the homeserver's name when absent).
    #[serde(default)]
    pub name: Option<String>,
}

impl AppConfig {
    /// The clinic's idle timeout, if it has one (zero or less turns automatic logoff off).
    pub fn idle_ms(&self) -> Option<u64> {
        (self.idle_minutes.is_finite() && self.idle_minutes > 0.0).then_some((self.idle_minutes * 60_000.0) as u64)
    }

    /// What this portal gives every session.
    pub fn portal(&self) -> Portal {
        Portal {
            prefix: self.clinic.clone(),
            labels: Labels {
                categories: self.category_labels.clone(),
                roles: self.role_labels.clone(),
            },
            idle_ms: self.idle_ms(),
            forget_others_after_ms: (self.forget_others_after_days.is_finite() && self.forget_others_after_days >= 0.0)
                .then_some((self.forget_others_after_days * 86_400_000.0) as u64),
            ehr: self
                .fhir
                .as_ref()
                .map(|f| EhrLink::new(&f.base_url, &f.client_id, &f.identity_claim)),
        }
    }

    /// Sets the page title, the theme colours and the manifest link from this configuration.
    pub fn apply(&self) {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        document.set_title(&self.clinic_name);
        let root = document
            .document_element()
            .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok());
        let style = root.map(|r| r.style());
        let colors = [("--brand", &self.primary_color), ("--accent", &self.accent_color)];
        if let (Some(style), Some(_)) = (&style, &self.primary_color) {
            // Checked for white text in `load`; keep white on it in the dark scheme too.
            let _ = style.set_property("--on-brand", "#ffffff");
        }
        for (var, value) in colors {
            if let (Some(style), Some(color)) = (&style, value.as_deref().and_then(crate::branding::Color::parse)) {
                let _ = style.set_property(var, &color.to_string());
                let _ = style.set_property(&format!("{var}-strong"), &color.scaled(0.8).to_string());
            }
        }
        if let (Ok(Some(meta)), Some(color)) = (document.query_selector("meta[name=theme-color]"), &self.primary_color)
        {
            let _ = meta.set_attribute("content", color);
        }
    }
}

fn default_idle_minutes() -> f64 {
    15.0
}

fn default_push_app_id() -> String {
    "org.rounds.web".into()
}

fn default_clinic() -> String {
    "rounds".into()
}

/// Fetches and parses `/config.json` (or takes the early sign-in script's answer, fetched while
/// the app downloaded); the error names the problem for the error page.
pub async fn load() -> Result<AppConfig, String> {
    let (status, text) = match super::early::config().await {
        Some(answer) => answer,
        None => fetch().await?,
    };
    if status == 0 {
        return Err(format!("config.json could not be loaded: {text}"));
    }
    if !(200..300).contains(&status) {
        return Err(format!("config.json could not be loaded (HTTP {status})"));
    }
    let config: AppConfig = serde_json::from_str(&text).map_err(|e| format!("config.json is not valid: {e}"))?;
    if config.clinic_name.trim().is_empty() || config.homeserver.trim().is_empty() {
        return Err("config.json must name the clinic (clinic_name) and its homeserver".into());
    }
    for (name, value) in [
        ("primary_color", &config.primary_color),
        ("accent_color", &config.accent_color),
    ] {
        if let Some(value) = value {
            check_brand(name, value).map_err(|e| format!("config.json: {e}"))?;
        }
    }
    if let Some(problem) = config.push.as_ref().and_then(PushConfig::problem) {
        return Err(format!("config.json: {problem}"));
    }
    intl::check(config.locale.as_deref(), config.time_zone.as_deref()).map_err(|e| format!("config.json: {e}"))?;
    intl::configure(config.locale.as_deref(), config.time_zone.as_deref());
    Ok(config)
}

async fn fetch() -> Result<(u16, String), String> {
    let response = gloo_net::http::Request::get("/config.json")
        .send()
        .await
        .map_err(|e| format!("config.json could not be loaded: {e}"))?;
    let text = response
        .text()
        .await
        .map_err(|e| format!("config.json could not be read: {e}"))?;
    Ok((response.status(), text))
}
