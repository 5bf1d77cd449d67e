//! Files staged in a thread's reply box: checked against the clinic's rules when picked, kept
//! sealed on the device (they survive a reload) and shown only to the person, and sent when Send
//! is pressed — after the text, in the order they were added.

use super::error::SessionError;
use super::thread::ThreadHandle;
use crate::api::Transport;
use crate::domain::attachment::SNIFF_BYTES;
use crate::domain::{FileRefusal, StagedFile};
use crate::store::{DraftKey, LocalStore};
use crate::sync::{Command, Platform};

fn refused(refusal: FileRefusal) -> SessionError {
    SessionError::Refused(refusal.to_string())
}

impl<T: Transport + Clone + 'static, S: LocalStore + 'static, P: Platform> ThreadHandle<T, S, P> {
    /// Whether a file of `size` bytes may be attached (checked before it is read): the
    /// refusal, in words, if not.
    pub fn check_file_size(&self, name: &str, size: u64) -> Result<(), SessionError> {
        self.core.policy().attachments.check_size(name, size).map_err(refused)
    }

    /// Stages `data` (a file called `name`, which the browser says is `claims`) in the reply
    /// box: checked against the clinic's size and type rules and its own bytes, then kept
    /// sealed on the device. Nothing leaves the device until [`ThreadHandle::send`].
    pub async fn stage(&self, name: &str, claims: &str, data: &[u8]) -> Result<StagedFile, SessionError> {
        let rules = self.core.policy().attachments;
        rules.check_size(name, data.len() as u64).map_err(refused)?;
        let head = &data[..data.len().min(SNIFF_BYTES)];
        let content_type = rules.check_content(name, claims, head).map_err(refused)?;
        let file = StagedFile {
            id: format!("staged-{}", self.core.platform.new_txn_id()),
            name: name.to_owned(),
            content_type: content_type.to_owned(),
            size: data.len() as u64,
        };
        self.core.store.put_file(&file.id, data).await?;
        let mut files = self.staged().await?;
        files.push(file.clone());
        self.keep_staged(&files).await?;
        Ok(file)
    }

    /// The files staged in the reply box, in the order they were added.
    pub async fn staged(&self) -> Result<Vec<StagedFile>, SessionError> {
        let kept = self.core.store.load_draft(&self.staged_key()).await?;
        Ok(kept
            .and_then(|list| serde_json::from_str(&list).ok())
            .unwrap_or_default())
    }

    /// A staged file's bytes (its preview).
    pub async fn staged_bytes(&self, id: &str) -> Result<Vec<u8>, SessionError> {
        self.core
            .store
            .file(id)
            .await?
            .ok_or_else(|| SessionError::Refused("the file is no longer on this device".into()))
    }

    /// Takes a staged file out of the reply box (it was never sent).
    pub async fn unstage(&self, id: &str) -> Result<(), SessionError> {
        let mut files = self.staged().await?;
        files.retain(|f| f.id != id);
        self.keep_staged(&files).await?;
        self.core.store.remove_file(id).await?;
        Ok(())
    }

    /// Sends the staged files (after the reply's text, when Send is pressed): each in order
    /// queued in the outbox, so it goes out once, even offline or after a reload. A file that
    /// could not be queued stays staged, with those after it.
    pub async fn send_staged(&self) -> Result<(), SessionError> {
        let mut files = self.staged().await?;
        while let Some(file) = files.first().cloned() {
            let Some(bytes) = self.core.store.file(&file.id).await? else {
                files.remove(0);
                self.keep_staged(&files).await?;
                return Err(SessionError::Refused(format!(
                    "{} could no longer be read from this device; attach it again",
                    file.name
                )));
            };
            let command = Command::Attach {
                name: file.name.clone(),
                content_type: file.content_type.clone(),
                size: file.size,
            };
            self.core.post_file(&self.key, command, &bytes).await?;
            files.remove(0);
            self.keep_staged(&files).await?;
            self.core.store.remove_file(&file.id).await?;
        }
        Ok(())
    }

    /// Where the staged list is kept: under the thread's lasting key, like its draft.
    fn staged_key(&self) -> DraftKey {
        DraftKey::Staged(self.core.resolve(&self.key))
    }

    async fn keep_staged(&self, files: &[StagedFile]) -> Result<(), SessionError> {
        let list = if files.is_empty() {
            String::new()
        } else {
            serde_json::to_string(files).unwrap_or_default()
        };
        Ok(self.core.store.save_draft(&self.staged_key(), &list).await?)
    }
}
