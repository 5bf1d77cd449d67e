//! Discovery, sign-in and sign-out.

use super::client::{decode, encode, query, Client, Empty, Session};
use super::error::Error;
use super::transport::{HttpRequest, Method, Transport};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `GET /_matrix/client/versions`.
#[derive(Debug, Clone, Deserialize)]
pub struct Versions {
    /// Supported spec versions, such as `v1.11`.
    pub versions: Vec<String>,
    /// Unstable features the server advertises.
    #[serde(default)]
    pub unstable_features: BTreeMap<String, bool>,
}

/// `GET /.well-known/matrix/client`.
#[derive(Debug, Clone, Deserialize)]
pub struct WellKnown {
    /// The homeserver to use.
    #[serde(rename = "m.homeserver")]
    pub homeserver: WellKnownHomeserver,
}

/// The `m.homeserver` part of a `.well-known` document.
#[derive(Debug, Clone, Deserialize)]
pub struct WellKnownHomeserver {
    /// Client-server API base URL.
    pub base_url: String,
}

/// `GET /account/whoami`.
#[derive(Debug, Clone, Deserialize)]
pub struct WhoAmI {
    /// The token's user.
    pub user_id: String,
    /// The token's device.
    pub device_id: Option<String>,
}

#[derive(Serialize)]
struct LoginRequest<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    identifier: Option<UserIdentifier<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_id: Option<&'a str>,
    initial_device_display_name: &'a str,
    /// Short-lived access tokens with a refresh token, so the server can end unused sessions.
    refresh_token: bool,
}

/// How the homeserver lets people sign in (`GET /login`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginFlows {
    /// Username and password.
    pub password: bool,
    /// Single sign-on, through these identity providers.
    pub sso: Vec<IdentityProvider>,
}

/// An identity provider the homeserver offers for single sign-on.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct IdentityProvider {
    /// Its id, for the redirect.
    pub id: String,
    /// Its name as the homeserver shows it.
    pub name: String,
}

#[derive(Serialize)]
struct UserIdentifier<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    user: &'a str,
}

/// Looks up the homeserver behind a server name through `.well-known`; `Ok(None)` when the
/// server publishes none (then the name itself is the homeserver URL).
pub async fn discover<T: Transport>(transport: &T, server_url: &str) -> Result<Option<String>, Error> {
    let request = HttpRequest {
        method: Method::Get,
        url: format!("{}/.well-known/matrix/client", server_url.trim_end_matches('/')),
        access_token: None,
        body: None,
        if_match: None,
        timeout: super::client::DEFAULT_TIMEOUT,
    };
    let response = transport.send(request).await?;
    if response.status == 404 {
        return Ok(None);
    }
    if !(200..300).contains(&response.status) {
        return Err(Error::from_response(response.status, None, &response.body));
    }
    let known: WellKnown = decode(&response.body)?;
    Ok(Some(known.homeserver.base_url.trim_end_matches('/').to_owned()))
}

impl<T: Transport> Client<T> {
    /// `GET /_matrix/client/versions`: is this a Matrix homeserver, and which versions?
    pub async fn versions(&self) -> Result<Versions, Error> {
        self.get("/_matrix/client/versions").await
    }

    /// `GET /login`: password, single sign-on (and through which providers), or both.
    pub async fn login_flows(&self) -> Result<LoginFlows, Error> {
        #[derive(Deserialize)]
        struct Flow {
            #[serde(rename = "type")]
            kind: String,
            #[serde(default, deserialize_with = "super::events::lenient_vec")]
            identity_providers: Vec<IdentityProvider>,
        }
        #[derive(Deserialize)]
        struct Flows {
            #[serde(default, deserialize_with = "super::events::lenient_vec")]
            flows: Vec<Flow>,
        }
        let answer: Flows = self.get("/_matrix/client/v3/login").await?;
        let mut flows = LoginFlows::default();
        for flow in answer.flows {
            match flow.kind.as_str() {
                "m.login.password" => flows.password = true,
                "m.login.sso" => flows.sso.extend(flow.identity_providers),
                _ => {}
            }
        }
        Ok(flows)
    }

    /// Where to send the browser to sign in through `provider`; the homeserver sends it back to
    /// `redirect_url` with a `loginToken`. `again` makes the provider ask for the password even
    /// if it still has a session (after a logoff, on a shared workstation).
    pub fn sso_redirect_url(&self, provider: &str, redirect_url: &str, again: bool) -> String {
        format!(
            "{}/_matrix/client/v3/login/sso/redirect/{}{}",
            self.homeserver(),
            encode(provider),
            query(&[
                ("redirectUrl", Some(redirect_url.to_owned())),
                ("prompt", again.then(|| "login".to_owned())),
            ])
        )
    }

    /// Password login as `user` (localpart or full id). Keeps the session in the client.
    /// Pass the previous `device_id` to keep txn ids and receipts on the same device.
    pub async fn login(&mut self, user: &str, password: &str, device_id: Option<&str>) -> Result<Session, Error> {
        self.complete_login(LoginRequest {
            kind: "m.login.password",
            identifier: Some(UserIdentifier {
                kind: "m.id.user",
                user,
            }),
            password: Some(password),
            token: None,
            device_id,
            initial_device_display_name: "Rounds",
            refresh_token: true,
        })
        .await
    }

    /// `m.login.token` login with the `loginToken` single sign-on returned (single use, short
    /// lived). Keeps the session in the client.
    pub async fn login_with_token(&mut self, token: &str) -> Result<Session, Error> {
        self.complete_login(LoginRequest {
            kind: "m.login.token",
            identifier: None,
            password: None,
            token: Some(token),
            device_id: None,
            initial_device_display_name: "Rounds",
            refresh_token: true,
        })
        .await
    }

    async fn complete_login(&mut self, request: LoginRequest<'_>) -> Result<Session, Error> {
        self.set_session(None);
        let session: Session = self.post("/_matrix/client/v3/login", &request).await?;
        self.set_session(Some(session.clone()));
        Ok(session)
    }

    /// Takes the homeserver's answer to a `POST /login` made elsewhere (the sign-in form that
    /// works before the app has loaded sends the request itself): `status` 0 means the request
    /// did not reach the homeserver, with `body` saying why. Keeps the session in the client.
    pub fn accept_login_answer(&mut self, status: u16, body: &[u8]) -> Result<Session, Error> {
        self.set_session(None);
        let session: Session = match status {
            0 => return Err(Error::Connection(String::from_utf8_lossy(body).into_owned())),
            200..=299 => super::client::decode(body)?,
            _ => return Err(Error::from_response(status, None, body)),
        };
        self.set_session(Some(session.clone()));
        Ok(session)
    }

    /// `GET /account/whoami`: checks the token.
    pub async fn whoami(&self) -> Result<WhoAmI, Error> {
        self.get("/_matrix/client/v3/account/whoami").await
    }

    /// `POST /logout`: invalidates the token on the server and forgets the session.
    pub async fn logout(&mut self) -> Result<(), Error> {
        let _: Empty = self.post("/_matrix/client/v3/logout", &Empty {}).await?;
        self.set_session(None);
        Ok(())
    }

    /// `GET /profile/{userId}/displayname`; `None` when the user set none.
    pub async fn display_name(&self, user_id: &str) -> Result<Option<String>, Error> {
        #[derive(Deserialize)]
        struct DisplayName {
            displayname: Option<String>,
        }
        let path = format!("/_matrix/client/v3/profile/{}/displayname", encode(user_id));
        let r: DisplayName = self.get(&path).await?;
        Ok(r.displayname)
    }

    /// `PUT /profile/{userId}/displayname` for the signed-in user.
    pub async fn set_display_name(&self, name: &str) -> Result<(), Error> {
        let path = format!("/_matrix/client/v3/profile/{}/displayname", encode(self.user_id()?));
        let _: Empty = self.put(&path, &serde_json::json!({ "displayname": name })).await?;
        Ok(())
    }
}
