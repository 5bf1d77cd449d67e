//! Synapse's shared-secret registration (`/_synapse/admin/v1/register`), for the demo seeding,
//! the tests and a clinic's IT person creating accounts, linking an account to the person's
//! subject at the clinic's identity provider, and acting for an account that signs in only
//! through it. Native only: the secret never reaches a browser.

use super::client::{Client, Session};
use super::encode;
use super::error::Error;
use super::transport::Transport;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha1::Sha1;

#[derive(Deserialize)]
struct Nonce {
    nonce: String,
}

#[derive(Serialize)]
struct Register<'a> {
    nonce: &'a str,
    username: &'a str,
    displayname: &'a str,
    password: &'a str,
    admin: bool,
    mac: String,
}

/// HMAC-SHA1 over `nonce\0user\0password\0admin|notadmin`, hex, as Synapse expects.
fn registration_mac(secret: &str, nonce: &str, user: &str, password: &str, admin: bool) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    for (i, part) in [nonce, user, password].iter().enumerate() {
        if i > 0 {
            mac.update(b"\0");
        }
        mac.update(part.as_bytes());
    }
    mac.update(b"\0");
    mac.update(if admin { b"admin" as &[u8] } else { b"notadmin" });
    hex::encode(mac.finalize().into_bytes())
}

impl<T: Transport> Client<T> {
    /// Registers `username` with the homeserver's `registration_shared_secret` and returns its
    /// session. `admin` makes a *server* admin, which Rounds never needs for clinic admins.
    pub async fn register_with_shared_secret(
        &self,
        secret: &str,
        username: &str,
        display_name: &str,
        password: &str,
    ) -> Result<Session, Error> {
        self.register(secret, username, display_name, password, false).await
    }

    /// Registers `username` as a *server* admin with the shared secret: for provisioning steps
    /// only Synapse's admin API offers (linking accounts to the identity provider), never for
    /// staff.
    pub async fn register_server_admin(&self, secret: &str, username: &str, password: &str) -> Result<Session, Error> {
        self.register(secret, username, username, password, true).await
    }

    async fn register(
        &self,
        secret: &str,
        username: &str,
        display_name: &str,
        password: &str,
        admin: bool,
    ) -> Result<Session, Error> {
        let Nonce { nonce } = self.get("/_synapse/admin/v1/register").await?;
        let body = Register {
            nonce: &nonce,
            username,
            displayname: display_name,
            password,
            admin,
            mac: registration_mac(secret, &nonce, username, password, admin),
        };
        self.post("/_synapse/admin/v1/register", &body).await
    }

    /// Links `user_id` to the person whose immutable subject at the homeserver's identity
    /// provider `auth_provider` (`oidc-<idp_id>`) is `subject`: single sign-on then finds the
    /// account by the subject, never by a name (needs a server admin's session).
    pub async fn link_to_provider(&self, user_id: &str, auth_provider: &str, subject: &str) -> Result<(), Error> {
        #[derive(Serialize)]
        struct ExternalId<'a> {
            auth_provider: &'a str,
            external_id: &'a str,
        }
        #[derive(Serialize)]
        struct Links<'a> {
            external_ids: [ExternalId<'a>; 1],
        }
        let body = Links {
            external_ids: [ExternalId {
                auth_provider,
                external_id: subject,
            }],
        };
        let path = format!("/_synapse/admin/v2/users/{}", encode(user_id));
        let _: serde_json::Value = self.put(&path, &body).await?;
        Ok(())
    }

    /// A session acting as `user_id`, without their password (Synapse's "login as user"; needs
    /// a server admin's session): provisioning acts for accounts that sign in only through the
    /// clinic's provider. The session has no device; end it with [`Client::logout`].
    pub async fn login_as(&self, user_id: &str) -> Result<Session, Error> {
        #[derive(Deserialize)]
        struct Answer {
            access_token: String,
        }
        let path = format!("/_synapse/admin/v1/users/{}/login", encode(user_id));
        let Answer { access_token } = self.post(&path, &serde_json::json!({})).await?;
        Ok(Session {
            user_id: user_id.to_owned(),
            access_token,
            device_id: String::new(),
            refresh_token: None,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn mac_matches_synapse_reference() {
        // Reference values from Python's hmac module, as Synapse computes them.
        let mac = super::registration_mac("secret", "nonce", "user", "pass", false);
        assert_eq!(mac, "a62633a505e2bc2e61569cf3c6847ee41ef09bae");
        let admin = super::registration_mac("secret", "nonce", "user", "pass", true);
        assert_eq!(admin, "a345ca675969ae5261e4d9c5011a88af072a91cd");
    }
}
