//! A tab for native tests: what a session running in a browser tab asks of it, recorded, and
//! its tasks run when the test says.

use rounds::session::{Cleared, Ending, Notification, TabHost, TabMessage};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

type Task = Pin<Box<dyn Future<Output = ()>>>;

/// What the tab was asked to do.
#[derive(Clone, Default)]
pub struct TestTab {
    /// Tasks waiting for [`TestTab::run_tasks`].
    tasks: Rc<RefCell<Vec<Task>>>,
    /// Locks taken, by name.
    pub locks: Rc<RefCell<Vec<String>>>,
    /// What the other tabs were told.
    pub told: Rc<RefCell<Vec<TabMessage>>>,
    /// Notifications shown.
    pub notified: Rc<RefCell<Vec<Notification>>>,
    /// Whether the page is looked at (no notifications then).
    pub looked_at: Rc<std::cell::Cell<bool>>,
    /// How the device was cleared at the end.
    pub cleared: Rc<RefCell<Vec<Ending>>>,
    /// Endings seen (every one, [`Ending::Elsewhere`] included).
    pub left: Rc<RefCell<Vec<Ending>>>,
}

impl TestTab {
    /// Runs the tasks spawned so far (and those they spawn), one after another.
    pub fn run_tasks(&self) {
        loop {
            let next: Vec<Task> = self.tasks.borrow_mut().drain(..).collect();
            if next.is_empty() {
                return;
            }
            for task in next {
                pollster::block_on(task);
            }
        }
    }
}

impl TabHost for TestTab {
    fn exclusive(&self, name: String, work: Task) -> Task {
        self.locks.borrow_mut().push(name);
        work
    }

    fn tell(&self, message: TabMessage) {
        self.told.borrow_mut().push(message);
    }

    fn spawn(&self, task: Task) {
        self.tasks.borrow_mut().push(task);
    }

    fn touch(&self, _now: u64) -> Task {
        Box::pin(async {})
    }

    fn wants_notifications(&self) -> bool {
        !self.looked_at.get()
    }

    fn notify(&self, notifications: Vec<Notification>) {
        self.notified.borrow_mut().extend(notifications);
    }

    fn leaving(&self, ending: Ending) -> Task {
        self.left.borrow_mut().push(ending);
        Box::pin(async {})
    }

    fn clear_device(&self, ending: Ending, _notice: Option<String>) -> Pin<Box<dyn Future<Output = Cleared>>> {
        self.cleared.borrow_mut().push(ending);
        Box::pin(async { Cleared::default() })
    }
}
