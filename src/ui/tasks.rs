//! Actions and resources as the app makes them: their futures boxed before Leptos sees them,
//! so its machinery (polling, scoping, the wrapper for single-threaded futures) is built once per
//! result type instead of once per call site — measured at about 30 KB of the shell.

use leptos::prelude::*;
use std::future::Future;
use std::pin::Pin;

/// A future of the page (single-threaded), boxed.
type Task<T> = Pin<Box<dyn Future<Output = T>>>;

/// An action running `run` for each dispatched input (see [`Action::new_local`]).
pub fn action<I, O, Fu>(run: impl Fn(&I) -> Fu + 'static) -> Action<I, O>
where
    I: 'static,
    O: 'static,
    Fu: Future<Output = O> + 'static,
{
    Action::new_local(move |input: &I| -> Task<O> { Box::pin(run(input)) })
}

/// A resource loaded by `fetch`, again when what it reads changes (see [`LocalResource::new`]).
pub fn resource<T, Fu>(fetch: impl Fn() -> Fu + 'static) -> LocalResource<T>
where
    T: 'static,
    Fu: Future<Output = T> + 'static,
{
    LocalResource::new(move || -> Task<T> { Box::pin(fetch()) })
}
