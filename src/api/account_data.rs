//! Per-person account data: what the homeserver keeps for one person and gives only to them.

use super::client::{encode, Client, Empty};
use super::{Error, Transport};
use serde::de::DeserializeOwned;
use serde::Serialize;

impl<T: Transport> Client<T> {
    /// `GET /user/{userId}/account_data/{type}`: the signed-in person's account data of `kind`,
    /// `None` when they have none (`M_NOT_FOUND`).
    pub async fn account_data<C: DeserializeOwned>(&self, kind: &str) -> Result<Option<C>, Error> {
        let path = format!(
            "/_matrix/client/v3/user/{}/account_data/{}",
            encode(self.user_id()?),
            encode(kind)
        );
        match self.get(&path).await {
            Ok(content) => Ok(Some(content)),
            Err(e) if e.errcode() == Some("M_NOT_FOUND") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `PUT /user/{userId}/account_data/{type}`: replaces the signed-in person's account data
    /// of `kind`.
    pub async fn set_account_data(&self, kind: &str, content: &impl Serialize) -> Result<(), Error> {
        let path = format!(
            "/_matrix/client/v3/user/{}/account_data/{}",
            encode(self.user_id()?),
            encode(kind)
        );
        let _: Empty = self.put(&path, content).await?;
        Ok(())
    }
}
