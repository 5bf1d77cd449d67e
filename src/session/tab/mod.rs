//! A session running in one place — a browser tab, or a test: its loops (sync, keeping the
//! inbox, the idle clock), sending from one tab at a time, what the person's other tabs say,
//! idle logoff and how the session ends. The screens only map its changes to views.

pub mod idle;

pub use idle::IdleClock;

use super::change::Change;
use super::keep::SAVE_EVERY_MS;
use super::{Notification, Session};
use crate::api::Transport;
use crate::store::LocalStore;
use crate::sync::Platform;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

/// A task for the tab's event loop.
pub type Task = Pin<Box<dyn Future<Output = ()>>>;

/// Messages between one person's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TabMessage {
    /// The send queue changed in another tab.
    Outbox,
    /// Someone signed out in another tab.
    SignedOut,
    /// Another tab was idle too long and signed out (the session is over here too).
    LoggedOff,
    /// The person did something in another tab (the session is in use).
    Activity,
}

/// How a session ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// `Sign out`: the server is told, everything the device keeps is deleted.
    SignOut,
    /// Idle logoff or an expired session: the server is told (if it can be), the kept session
    /// is forgotten; drafts and unsent messages stay encrypted for the same person.
    KeepDrafts,
    /// Another tab signed out or logged off: stop here; that tab tells the server and the store.
    Elsewhere,
}

/// What the place a session runs in does for it (the browser: Web Locks, a BroadcastChannel,
/// the event loop, notifications, the Push API and the encrypted store).
pub trait TabHost: 'static {
    /// Runs `work` while holding the browser-wide lock `name`: one tab at a time.
    fn exclusive(&self, name: String, work: Task) -> Task;
    /// Tells the person's other tabs.
    fn tell(&self, message: TabMessage);
    /// Runs `task` on the event loop.
    fn spawn(&self, task: Task);
    /// Keeps when the person was last active with the kept session (a session idle too long is
    /// not continued after a reload).
    fn touch(&self, now: u64) -> Task;
    /// Whether news should be notified now (the page is not looked at, notifications are
    /// allowed and no push subscription notifies instead).
    fn wants_notifications(&self) -> bool;
    /// Shows notifications.
    fn notify(&self, notifications: Vec<Notification>);
    /// The session ends as `ending` says: nothing of the person stays on screen, and before the
    /// server is told, what only a live session can undo is undone (this browser's push
    /// subscription).
    fn leaving(&self, ending: Ending) -> Task;
    /// After the server was told (not for [`Ending::Elsewhere`]): deletes what the device keeps
    /// as `ending` says, and ends the person's sign-in where they signed in (the clinic's
    /// identity provider), after which the sign-in page says `notice`.
    fn clear_device(&self, ending: Ending, notice: Option<String>) -> Pin<Box<dyn Future<Output = Cleared>>>;
}

/// What ending did on the device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cleared {
    /// What could not be deleted, if anything.
    pub problem: Option<String>,
    /// The page is leaving to end the sign-in at the clinic's identity provider.
    pub leaving: bool,
}

/// A session running in a tab.
pub struct TabSession<T, S, P, H> {
    session: Session<T, S, P>,
    host: H,
    idle: RefCell<IdleClock>,
    /// Another tab changed the queue since this one last read it.
    foreign_outbox: Cell<bool>,
    ended: Cell<bool>,
}

impl<T, S, P, H> TabSession<T, S, P, H>
where
    T: Transport + Clone + 'static,
    S: LocalStore + 'static,
    P: Platform,
    H: TabHost,
{
    /// Runs `session` in `host`, logging off after `idle_ms` without activity.
    pub fn new(session: Session<T, S, P>, host: H, idle_ms: Option<u64>) -> Rc<Self> {
        let now = session.core.platform.now_ms();
        let tab = Rc::new(TabSession {
            session,
            host,
            idle: RefCell::new(IdleClock::new(idle_ms, now)),
            foreign_outbox: Cell::new(false),
            ended: Cell::new(false),
        });
        let weak = Rc::downgrade(&tab);
        tab.session.core.on_server_end(move || {
            if let Some(tab) = weak.upgrade() {
                let notice = "Your session has ended. Please sign in again; your drafts are kept.";
                tab.spawn_end(Ending::KeepDrafts, Some(notice.to_owned()));
            }
        });
        let weak = Rc::downgrade(&tab);
        tab.session.listen(move |change| {
            if let Some(tab) = weak.upgrade() {
                tab.follow(change);
            }
        });
        tab
    }

    /// The session.
    pub fn session(&self) -> &Session<T, S, P> {
        &self.session
    }

    /// Where it runs.
    pub fn host(&self) -> &H {
        &self.host
    }

    /// Shows what the device kept, then syncs, sends and keeps the inbox until the session
    /// ends.
    pub async fn run(self: Rc<Self>) {
        self.start().await;
        // Keeping the inbox and the idle clock run beside the sync loop, each until it stops.
        let (keeper, clock) = (self.clone(), self.clone());
        self.host.spawn(Box::pin(async move { keeper.keep_loop().await }));
        self.host.spawn(Box::pin(async move { clock.idle_loop().await }));
        self.session.sync().run().await;
    }

    /// Loads what the device kept (the send queue, which threads have drafts), says the session
    /// started, and sends what waits.
    pub async fn start(&self) {
        let core = &self.session.core;
        if let Err(e) = core.outbox.load().await {
            core.emit(Change::Problem(e.to_string()));
        }
        if let Err(e) = self.session.drafts().load_markers().await {
            core.emit(Change::Problem(format!(
                "The drafts on this device could not be read: {e}."
            )));
        }
        core.emit(Change::Started);
        self.send();
    }

    /// Keeps the inbox on the device while it changes, at most every few seconds
    /// ([`SAVE_EVERY_MS`]): the one cadence (syncs keep it by the same rule).
    async fn keep_loop(&self) {
        let core = &self.session.core;
        while !core.stopped.get() {
            core.platform.sleep(SAVE_EVERY_MS / 3).await;
            core.persist_if_due().await;
        }
    }

    async fn idle_loop(&self) {
        let core = &self.session.core;
        while !core.stopped.get() {
            core.platform.sleep(1_000).await;
            self.check_idle();
        }
    }

    /// Logs off if the idle timeout has passed.
    pub fn check_idle(&self) {
        let now = self.session.core.platform.now_ms();
        if !self.ended.get() && self.idle.borrow().expired(now) {
            self.host.tell(TabMessage::LoggedOff);
            let notice = self.idle.borrow().notice();
            self.spawn_end(Ending::KeepDrafts, Some(notice));
        }
    }

    /// The person did something in this tab.
    pub fn activity(&self) {
        let now = self.session.core.platform.now_ms();
        let tell = {
            let mut idle = self.idle.borrow_mut();
            idle.heard(now);
            idle.tell(now)
        };
        if tell {
            self.host.tell(TabMessage::Activity);
            self.host.spawn(self.host.touch(now));
        }
    }

    /// Another of the person's tabs said something.
    pub fn heard(&self, message: TabMessage) {
        match message {
            TabMessage::Outbox => {
                self.foreign_outbox.set(true);
                let core = self.session.core.clone();
                self.host.spawn(Box::pin(async move {
                    if let Err(e) = core.outbox.load().await {
                        core.emit(Change::Problem(e.to_string()));
                    }
                }));
            }
            TabMessage::SignedOut => self.spawn_end(Ending::Elsewhere, Some("You signed out in another tab.".into())),
            TabMessage::LoggedOff => self.spawn_end(
                Ending::Elsewhere,
                Some("You were signed out after a while without activity. Your drafts are saved.".into()),
            ),
            TabMessage::Activity => self.idle.borrow_mut().heard(self.session.core.platform.now_ms()),
        }
    }

    /// The browser is back online: waits end, the queue goes out.
    pub fn online(&self) {
        self.session.sync().wake();
        self.send();
    }

    /// The browser went offline.
    pub fn offline(&self) {
        self.session.sync().went_offline();
    }

    /// Keeps the inbox on the device now (before the page is left for a moment).
    pub async fn keep_now(&self) {
        self.session.core.persist().await;
    }

    /// The page was hidden or is being left: the newest inbox is kept for the next start.
    pub fn hidden(&self) {
        self.keep_in_background();
    }

    fn keep_in_background(&self) {
        let core = self.session.core.clone();
        self.host.spawn(Box::pin(async move { core.persist().await }));
    }

    /// Sends the queue once this tab holds the person's outbox lock (one tab at a time).
    pub fn send(&self) {
        let core = self.session.core.clone();
        let foreign = self.foreign_outbox.replace(false);
        let lock = format!("rounds-outbox {}", core.me());
        let work = Box::pin(async move {
            // What another tab sent or queued meanwhile is read first, so nothing goes twice.
            if foreign {
                if let Err(e) = core.outbox.load().await {
                    core.emit(Change::Problem(e.to_string()));
                }
            }
            core.outbox.drain().await;
        });
        self.host.spawn(self.host.exclusive(lock, work));
    }

    /// `Sign out`: every tab of the person stops, the server is told, the device forgets all.
    pub async fn sign_out(&self) {
        self.host.tell(TabMessage::SignedOut);
        self.end(Ending::SignOut, None).await;
    }

    fn spawn_end(&self, ending: Ending, notice: Option<String>) {
        if let Some(steps) = self.ending(ending, notice) {
            self.host.spawn(steps);
        }
    }

    /// Ends the session as `ending` says; the sign-in page then shows `notice`.
    pub async fn end(&self, ending: Ending, notice: Option<String>) {
        if let Some(steps) = self.ending(ending, notice) {
            steps.await;
        }
    }

    /// Stops the session at once and returns the rest of ending it (telling the server, the
    /// store), which says `Ended` when done; nothing if it ended already.
    fn ending(&self, ending: Ending, notice: Option<String>) -> Option<Task> {
        if self.ended.get() {
            return None;
        }
        self.session.core.stop();
        let (session, steps) = (self.session.clone(), self.prepare_end(ending, notice.clone()));
        Some(Box::pin(async move {
            let Cleared { problem, leaving } = steps.await;
            session.core.emit(Change::Ended { notice, leaving });
            if let Some(problem) = problem {
                session.core.emit(Change::Problem(problem));
            }
        }))
    }

    /// The steps of ending, as one future (the session is already stopped).
    fn prepare_end(&self, ending: Ending, notice: Option<String>) -> Pin<Box<dyn Future<Output = Cleared>>> {
        self.ended.set(true);
        let leaving = self.host.leaving(ending);
        let clear = (ending != Ending::Elsewhere).then(|| self.host.clear_device(ending, notice));
        let mut client = self.session.core.client.clone();
        Box::pin(async move {
            // While the session can still tell the homeserver.
            leaving.await;
            let Some(clear) = clear else {
                return Cleared::default();
            };
            // Best effort: the local session ends even if the server cannot be told.
            let _ = client.logout().await;
            clear.await
        })
    }

    fn follow(&self, change: &Change) {
        match change {
            // A thread started here is on the server: kept at once, so that after a reload its
            // event id still leads to it (and its draft).
            Change::Confirmed { .. } => self.keep_in_background(),
            Change::Outbox { here: true } => {
                self.host.tell(TabMessage::Outbox);
                self.send();
            }
            Change::Arrived(threads) if self.host.wants_notifications() => {
                let shown = self.session.notifications_for(threads);
                if !shown.is_empty() {
                    self.host.notify(shown);
                }
            }
            Change::Availability if self.host.wants_notifications() => {
                if let Some(held) = self.session.release_held() {
                    self.host.notify(vec![held]);
                }
            }
            _ => {}
        }
    }
}
