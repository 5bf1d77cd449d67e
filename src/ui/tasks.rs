//! Actions and resources as the app makes them. Their functions are boxed before Leptos sees
//! them, so its machinery (the action's state, polling, scoping, the wrapper for single-threaded
//! futures) is built once per input and result type instead of once per call site: the shell
//! is smaller by that (measured in docs/DECISIONS.md).

use leptos::prelude::*;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

/// A future of the page (single-threaded), boxed.
type Task<T> = Pin<Box<dyn Future<Output = T>>>;
/// What an action runs for an input, boxed.
type Run<I, O> = Rc<dyn Fn(&I) -> Task<O>>;
/// What a resource loads, boxed.
type Fetch<T> = Rc<dyn Fn() -> Task<T>>;

/// An action running `run` for each dispatched input (see [`Action::new_local`]).
pub fn action<I, O, Fu>(run: impl Fn(&I) -> Fu + 'static) -> Action<I, O>
where
    I: 'static,
    O: 'static,
    Fu: Future<Output = O> + 'static,
{
    erased_action(Rc::new(move |input: &I| -> Task<O> { Box::pin(run(input)) }))
}

fn erased_action<I: 'static, O: 'static>(run: Run<I, O>) -> Action<I, O> {
    Action::new_local(move |input: &I| run(input))
}

/// A resource loaded by `fetch`, again when what it reads changes (see [`LocalResource::new`]).
pub fn resource<T, Fu>(fetch: impl Fn() -> Fu + 'static) -> LocalResource<T>
where
    T: 'static,
    Fu: Future<Output = T> + 'static,
{
    erased_resource(Rc::new(move || -> Task<T> { Box::pin(fetch()) }))
}

fn erased_resource<T: 'static>(fetch: Fetch<T>) -> LocalResource<T> {
    LocalResource::new(move || fetch())
}
