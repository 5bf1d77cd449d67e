//! Waiting for a pause: the one helper for "do this once typing stops".

use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use std::rc::Rc;
use std::time::Duration;

/// Calls its function with the latest value once `quiet` has passed without a newer one. The
/// wait is cancelled with [`Debounced::cancel`], and when the component that made it goes.
pub struct Debounced<T: 'static> {
    pending: StoredValue<Option<Timeout>, LocalStorage>,
    then: StoredValue<Rc<dyn Fn(T)>, LocalStorage>,
    quiet: Duration,
}

impl<T> Clone for Debounced<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Debounced<T> {}

impl<T: 'static> Debounced<T> {
    /// Calls `then` after `quiet` without a newer value.
    pub fn new(quiet: Duration, then: impl Fn(T) + 'static) -> Self {
        Debounced {
            pending: StoredValue::new_local(None),
            then: StoredValue::new_local(Rc::new(then)),
            quiet,
        }
    }

    /// `value` is the newest: it is passed on once things are quiet.
    pub fn call(&self, value: T) {
        let Some(then) = self.then.try_get_value() else { return };
        let millis = u32::try_from(self.quiet.as_millis()).unwrap_or(u32::MAX);
        // Replacing the timer drops (and so cancels) the one waiting.
        self.pending.set_value(Some(Timeout::new(millis, move || then(value))));
    }

    /// Forgets the value waiting, if any.
    pub fn cancel(&self) {
        self.pending.set_value(None);
    }
}
