//! The browser tab a session runs in: Web Locks and a BroadcastChannel between the person's
//! tabs, the page's events (online, offline, hidden, activity), notifications, the Push API and
//! the encrypted store it ends with.

use super::ehr::EhrLink;
use super::tabs::{with_lock, Tabs};
use super::window::{page_visible, WindowListener};
use super::{blobs, notify, provider, push, AppSession, AppTab, DeviceStore};
use crate::domain::ThreadKey;
use crate::session::tab::Task;
use crate::session::{Cleared, Ending, Notification, TabHost, TabMessage};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};

/// What opens a thread when a notification is clicked (the app's router).
type Opener = Rc<dyn Fn(&ThreadKey)>;

/// The tab a session runs in.
pub struct BrowserHost {
    session: AppSession,
    store: Rc<DeviceStore>,
    ehr: Option<EhrLink>,
    /// The channel to the person's other tabs, and the page's listeners: while the session runs.
    tabs: RefCell<Option<Tabs>>,
    listeners: RefCell<Vec<WindowListener>>,
    opener: RefCell<Option<Opener>>,
    /// Whether the person is looking at the page (visible, and not blurred since).
    looked_at: Cell<bool>,
}

impl BrowserHost {
    pub(super) fn new(session: AppSession, store: Rc<DeviceStore>, ehr: Option<EhrLink>) -> Self {
        BrowserHost {
            session,
            store,
            ehr,
            tabs: RefCell::new(None),
            listeners: RefCell::new(Vec::new()),
            opener: RefCell::new(None),
            looked_at: Cell::new(page_visible()),
        }
    }

    /// The device's store of this session.
    pub(super) fn store(&self) -> &DeviceStore {
        &self.store
    }

    /// The portal's EHR.
    pub(super) fn ehr_link(&self) -> Option<EhrLink> {
        self.ehr.clone()
    }

    /// How a clicked notification opens its thread.
    pub fn on_open(&self, open: impl Fn(&ThreadKey) + 'static) {
        *self.opener.borrow_mut() = Some(Rc::new(open));
    }

    /// Starts hearing the other tabs and the page for `tab`.
    pub(super) fn watch(&self, tab: &Rc<AppTab>) {
        let heard = Rc::downgrade(tab);
        *self.tabs.borrow_mut() = Some(Tabs::join(move |message| {
            if let Some(tab) = heard.upgrade() {
                tab.heard(message);
            }
        }));
        let on = |event: &'static str, then: fn(&AppTab)| {
            let tab: Weak<AppTab> = Rc::downgrade(tab);
            WindowListener::new(event, move |_| {
                if let Some(tab) = tab.upgrade() {
                    then(&tab);
                }
            })
        };
        let listeners = [
            on("online", |tab| tab.online()),
            on("offline", |tab| tab.offline()),
            // Closing or hiding the page keeps the newest inbox for the next start.
            on("pagehide", |tab| tab.hidden()),
            on("visibilitychange", |tab| {
                tab.host().looked_at.set(page_visible());
                if !page_visible() {
                    tab.hidden();
                }
            }),
            // Another window or app took the focus (a page that never got a blur counts as
            // looked at while visible).
            on("blur", |tab| tab.host().looked_at.set(false)),
            on("focus", |tab| tab.host().looked_at.set(page_visible())),
            // Activity here keeps every tab's session alive, and the kept one reopenable.
            on("pointerdown", |tab| tab.activity()),
            on("keydown", |tab| tab.activity()),
            on("touchstart", |tab| tab.activity()),
            on("wheel", |tab| tab.activity()),
        ];
        *self.listeners.borrow_mut() = listeners.into_iter().flatten().collect();
    }

    /// Stops hearing the other tabs and the page.
    fn unwatch(&self) {
        self.tabs.borrow_mut().take();
        self.listeners.borrow_mut().clear();
    }
}

impl TabHost for BrowserHost {
    fn exclusive(&self, name: String, work: Task) -> Task {
        Box::pin(with_lock(name, work))
    }

    fn tell(&self, message: TabMessage) {
        match self.tabs.borrow().as_ref() {
            Some(tabs) => tabs.tell(message),
            // Ending: the channel may be gone already; the others must still hear it.
            None => Tabs::join(|_| {}).tell(message),
        }
    }

    fn spawn(&self, task: Task) {
        wasm_bindgen_futures::spawn_local(task);
    }

    fn touch(&self, now: u64) -> Task {
        let store = self.store.clone();
        Box::pin(async move {
            if let DeviceStore::Encrypted(store) = &*store {
                if let Ok(Some(mut saved)) = store.saved().await {
                    saved.last_active = now;
                    // A lost touch only shortens how long a closed tab could be reopened.
                    let _ = store.save_session(&saved).await;
                }
            }
        })
    }

    fn wants_notifications(&self) -> bool {
        !self.looked_at.get() && notify::allowed() && !push::notifying()
    }

    fn notify(&self, notifications: Vec<Notification>) {
        let Some(open) = self.opener.borrow().clone() else {
            return;
        };
        for notification in &notifications {
            notify::show(notification, open.clone());
        }
    }

    fn leaving(&self, ending: Ending) -> Task {
        self.unwatch();
        notify::forget_person();
        // Files shown in the session are freed with it.
        blobs::revoke_all();
        let session = self.session.clone();
        Box::pin(async move {
            // Another tab that ended the session undoes the subscription.
            if ending != Ending::Elsewhere {
                push::disable(&session).await;
            }
        })
    }

    fn clear_device(&self, ending: Ending, notice: Option<String>) -> Pin<Box<dyn Future<Output = Cleared>>> {
        let (store, link) = (self.store.clone(), self.ehr.clone());
        Box::pin(async move {
            let saved = match &*store {
                DeviceStore::Encrypted(store) => store.saved().await.ok().flatten(),
                DeviceStore::Memory(_) => None,
            };
            let leave_to = provider::end_sign_in(link.as_ref(), saved.as_ref()).await;
            let done = match (&*store, ending) {
                (DeviceStore::Encrypted(store), Ending::SignOut) => store.wipe().await,
                (DeviceStore::Encrypted(store), _) => store.forget_session().await.map(|()| store.close()),
                (DeviceStore::Memory(_), _) => Ok(()),
            };
            let leaving = leave_to.is_some_and(|url| provider::leave_for(&url, notice.as_deref()));
            Cleared {
                problem: done.err().map(|e| e.to_string()),
                leaving,
            }
        })
    }
}
