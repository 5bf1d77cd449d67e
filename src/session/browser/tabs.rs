//! The tabs of one person: one at a time does what must not happen twice (Web Locks), and a
//! BroadcastChannel tells the others what changed.

use crate::session::TabMessage;
use std::future::Future;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// Runs `work` while this tab holds the browser-wide lock `name`: one tab at a time, the others
/// wait their turn. Without Web Locks (old browsers) it just runs.
pub async fn with_lock(name: String, work: impl Future<Output = ()> + 'static) {
    let Some(window) = web_sys::window() else {
        return work.await;
    };
    let locks = js_sys::Reflect::get(&window.navigator(), &"locks".into()).unwrap_or(JsValue::UNDEFINED);
    let request = js_sys::Reflect::get(&locks, &"request".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(request) = request.filter(|_| !locks.is_undefined()) else {
        return work.await;
    };
    let work = std::cell::RefCell::new(Some(work));
    let granted = Closure::once(move |_lock: JsValue| -> js_sys::Promise {
        let work = work.borrow_mut().take();
        wasm_bindgen_futures::future_to_promise(async move {
            if let Some(work) = work {
                work.await;
            }
            Ok(JsValue::UNDEFINED)
        })
    });
    if let Ok(promise) = request.call2(&locks, &name.as_str().into(), granted.as_ref()) {
        if let Ok(promise) = promise.dyn_into::<js_sys::Promise>() {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        }
    }
}

/// Runs `work` under the lock `name` and returns its result.
pub async fn with_lock_result<R: 'static>(name: String, work: impl Future<Output = R> + 'static) -> Option<R> {
    let result = std::rc::Rc::new(std::cell::RefCell::new(None));
    let out = result.clone();
    with_lock(name, async move {
        *out.borrow_mut() = Some(work.await);
    })
    .await;
    let value = result.borrow_mut().take();
    value
}

/// A message as the channel carries it.
fn as_str(message: TabMessage) -> &'static str {
    match message {
        TabMessage::Outbox => "outbox",
        TabMessage::SignedOut => "signed-out",
        TabMessage::LoggedOff => "logged-off",
        TabMessage::Activity => "activity",
    }
}

fn parse(text: &str) -> Option<TabMessage> {
    [
        TabMessage::Outbox,
        TabMessage::SignedOut,
        TabMessage::LoggedOff,
        TabMessage::Activity,
    ]
    .into_iter()
    .find(|m| as_str(*m) == text)
}

/// The channel between this origin's tabs (a no-op where BroadcastChannel is missing).
pub struct Tabs {
    channel: Option<web_sys::BroadcastChannel>,
    _listener: Option<Closure<dyn Fn(web_sys::MessageEvent)>>,
}

impl Tabs {
    /// Joins the channel; `heard` gets what other tabs send.
    pub fn join(heard: impl Fn(TabMessage) + 'static) -> Tabs {
        let Ok(channel) = web_sys::BroadcastChannel::new("rounds") else {
            return Tabs {
                channel: None,
                _listener: None,
            };
        };
        let listener = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            if let Some(message) = event.data().as_string().as_deref().and_then(parse) {
                heard(message);
            }
        });
        channel.set_onmessage(Some(listener.as_ref().unchecked_ref()));
        Tabs {
            channel: Some(channel),
            _listener: Some(listener),
        }
    }

    /// Tells the other tabs.
    pub fn tell(&self, message: TabMessage) {
        if let Some(channel) = &self.channel {
            let _ = channel.post_message(&as_str(message).into());
        }
    }
}

impl Drop for Tabs {
    fn drop(&mut self) {
        if let Some(channel) = &self.channel {
            channel.set_onmessage(None);
            channel.close();
        }
    }
}
