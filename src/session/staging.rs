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
    /// sealed on the device. Nothing leaves the device until [`ThreadHandle::send_staged`].
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
        let added = file.clone();
        self.change_staged(move |files| files.push(added)).await?;
        Ok(file)
    }

    /// The files staged in the reply box, in the order they were added.
    pub async fn staged(&self) -> Result<Vec<StagedFile>, SessionError> {
        let key = self.core.resolve(&self.key);
        if let Some(files) = self.core.state.borrow().staged.get(&key) {
            return Ok(files.clone());
        }
        let kept = self.core.store.load_draft(&DraftKey::Staged(key.clone())).await?;
        let kept = kept
            .and_then(|list| serde_json::from_str(&list).ok())
            .unwrap_or_default();
        // Another call may have read it meanwhile: the first reading stands.
        Ok(self.core.state.borrow_mut().staged.entry(key).or_insert(kept).clone())
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
        self.change_staged(|files| files.retain(|f| f.id != id)).await?;
        self.core.store.remove_file(id).await?;
        Ok(())
    }

    /// Sends the files staged when Send was pressed (after the reply's text): each in order
    /// queued in the outbox, so it goes out once, even offline or after a reload. A file that
    /// could not be queued stays staged, with those after it. A second Send meanwhile sends
    /// nothing twice.
    pub async fn send_staged(&self) -> Result<(), SessionError> {
        let pressed = self.staged().await?;
        let key = self.core.resolve(&self.key);
        if !self.core.state.borrow_mut().sending_staged.insert(key.clone()) {
            return Ok(());
        }
        let mut sent = Ok(());
        for file in pressed {
            sent = self.send_one(&file).await;
            if sent.is_err() {
                break;
            }
        }
        self.core.state.borrow_mut().sending_staged.remove(&key);
        sent
    }

    async fn send_one(&self, file: &StagedFile) -> Result<(), SessionError> {
        // Removed since Send was pressed: not sent.
        if !self.staged().await?.iter().any(|f| f.id == file.id) {
            return Ok(());
        }
        let Some(bytes) = self.core.store.file(&file.id).await? else {
            self.change_staged(|files| files.retain(|f| f.id != file.id)).await?;
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
        self.change_staged(|files| files.retain(|f| f.id != file.id)).await?;
        self.core.store.remove_file(&file.id).await?;
        Ok(())
    }

    /// Changes the staged list and keeps it on the device. Kept writes may finish out of order:
    /// one that finds the list changed since writes the newest again.
    async fn change_staged(&self, change: impl FnOnce(&mut Vec<StagedFile>)) -> Result<(), SessionError> {
        self.staged().await?;
        let key = self.core.resolve(&self.key);
        let mut files = {
            let mut state = self.core.state.borrow_mut();
            let files = state.staged.entry(key.clone()).or_default();
            change(files);
            files.clone()
        };
        loop {
            let list = if files.is_empty() {
                String::new()
            } else {
                serde_json::to_string(&files).unwrap_or_default()
            };
            self.core
                .store
                .save_draft(&DraftKey::Staged(key.clone()), &list)
                .await?;
            let now = self.core.state.borrow().staged.get(&key).cloned().unwrap_or_default();
            if now == files {
                return Ok(());
            }
            files = now;
        }
    }
}
