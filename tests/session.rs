//! The session services against a real Synapse, natively, run as a tab would run them: the
//! inbox is kept on the device, painted from it after a restart with no network and continued
//! from the kept token; queued messages show as Sending until they are on the server; a thread
//! started offline keeps its identity (and its draft and replies) when the homeserver names it;
//! one tab at a time sends; the person's other tabs and the idle clock end the session.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::tab::TestTab;
use common::{flaky_client, new_room, new_user, run, unique, Flaky};
use rounds::api::rounds::{thread_reply_content, ThreadMeta};
use rounds::domain::{Body, ClinicPolicy, Delivery, ThreadDraft, ThreadKey};
use rounds::provision::Clinic;
use rounds::session::{Change, Ending, Labels, Session, Start, TabMessage, TabSession};
use rounds::store::{LocalStore, MemoryStore};
use rounds::sync::NativePlatform;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;
use std::time::Duration;

type TestSession = Session<Flaky, MemoryStore, NativePlatform>;
type Tab = Rc<TabSession<Flaky, MemoryStore, NativePlatform, TestTab>>;

/// A clinic of one category room, for `user`.
fn clinic(room: &str) -> Clinic {
    let mut policy = ClinicPolicy::with_defaults("Session Clinic");
    policy.categories[0].room = Some(room.to_owned());
    Clinic {
        space: "!no-space:localhost".into(),
        policy,
    }
}

/// A session in a test tab, from what `store` kept.
fn tab(
    client: rounds::api::Client<Flaky>,
    room: &str,
    store: &Rc<MemoryStore>,
    idle_ms: Option<u64>,
) -> (Tab, TestTab) {
    let cache = run(store.load_cache()).unwrap();
    let start = Start {
        client,
        clinic: clinic(room),
        joined: BTreeSet::from([room.to_owned()]),
        display_name: None,
        cache,
    };
    let session = Session::new(start, store.clone(), NativePlatform::default(), Labels::default());
    let host = TestTab::default();
    (TabSession::new(session, host.clone(), idle_ms), host)
}

fn sync(tab: &Tab) {
    run(tab.session().sync().sync_once(Duration::from_millis(100))).unwrap();
}

fn texts(s: &TestSession, key: &ThreadKey) -> Vec<(String, Delivery)> {
    s.with_inbox(|i| {
        i.thread(key)
            .map(|t| {
                t.messages
                    .iter()
                    .filter_map(|m| match &m.body {
                        Body::Text(text) => Some((text.clone(), m.delivery.clone())),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// A thread with its first message, sent by `user` in `room`.
fn thread(user: &common::TestClient, room: &str, topic: &str, text: &str) -> ThreadKey {
    let meta = ThreadMeta {
        topic: topic.into(),
        patient: None,
        priority: Default::default(),
        to_roles: Vec::new(),
        category: None,
    };
    let root = run(user.send_event(room, "m.room.message", &unique("t"), &meta.root_content(text))).unwrap();
    ThreadKey::new(room, root)
}

#[test]
fn the_inbox_is_kept_on_the_device_painted_offline_and_synced_on_from_its_token() {
    let user = new_user("kept");
    let room = new_room(&user);
    let key = thread(&user, &room, "Authorization renewal", "Expires Friday.");
    let store = Rc::new(MemoryStore::default());

    let (client, _) = flaky_client(&user);
    let (first, _) = tab(client, &room, &store, None);
    sync(&first);
    assert_eq!(
        texts(first.session(), &key),
        [("Expires Friday.".to_owned(), Delivery::Sent)]
    );
    run(first.keep_now());
    assert!(run(store.load_cache()).unwrap().is_some_and(|c| c.since.is_some()));

    // A reply arrives while the app is closed; then the app starts in a dead zone.
    let reply = unique("Renewal approved ");
    let root = key.id_str();
    run(user.send_event(
        &room,
        "m.room.message",
        &unique("t"),
        &thread_reply_content(root, root, &reply),
    ))
    .unwrap();
    drop(first);
    let (client, flaky) = flaky_client(&user);
    flaky.offline.set(true);
    let (restarted, _) = tab(client, &room, &store, None);
    // Painted from the device, no network involved.
    assert_eq!(restarted.session().with_inbox(|i| i.len()), 1);
    assert_eq!(
        restarted.session().with_inbox(|i| i.thread(&key).unwrap().info.title()),
        "Authorization renewal"
    );

    // Back online: only what happened since the kept token arrives, nothing twice.
    flaky.offline.set(false);
    sync(&restarted);
    let shown: Vec<String> = texts(restarted.session(), &key).into_iter().map(|(t, _)| t).collect();
    assert_eq!(shown, ["Expires Friday.".to_owned(), reply]);
}

#[test]
fn a_reply_written_offline_shows_as_sending_after_a_restart_and_is_sent_once_by_the_tab_holding_the_outbox() {
    let user = new_user("queued");
    let room = new_room(&user);
    let key = thread(&user, &room, "Friday coverage", "Who can cover?");
    let store = Rc::new(MemoryStore::default());
    let (client, flaky) = flaky_client(&user);
    let (first, _) = tab(client, &room, &store, None);
    sync(&first);
    run(first.keep_now());

    flaky.offline.set(true);
    let text = unique("I can take the 2 pm ");
    run(first.session().thread(&key).reply(&text)).unwrap();
    assert_eq!(
        texts(first.session(), &key).last().unwrap(),
        &(text.clone(), Delivery::Sending)
    );

    // Reload, still offline: the thread and the queued reply are there, marked Sending.
    let (client, flaky) = flaky_client(&user);
    flaky.offline.set(true);
    let (restarted, host) = tab(client, &room, &store, None);
    let changes = Rc::new(RefCell::new(Vec::new()));
    {
        let changes = changes.clone();
        restarted
            .session()
            .listen(move |c| changes.borrow_mut().push(c.clone()));
    }
    run(restarted.start());
    assert_eq!(
        texts(restarted.session(), &key).last().unwrap(),
        &(text.clone(), Delivery::Sending)
    );
    assert!(changes.borrow().contains(&Change::Started));
    let kept_as = restarted.session().with_inbox(|i| i.resolve(&key));
    assert!(changes
        .borrow()
        .iter()
        .any(|c| matches!(c, Change::Threads(t) if t.contains(&kept_as))));

    // Back online: the tab sends under the person's outbox lock, once.
    flaky.offline.set(false);
    restarted.online();
    host.run_tasks();
    let lock = format!("rounds-outbox {}", user.user_id().unwrap());
    assert!(!host.locks.borrow().is_empty() && host.locks.borrow().iter().all(|l| *l == lock));
    assert_eq!(restarted.session().sending().unsent(), 0);
    sync(&restarted);
    let shown = texts(restarted.session(), &key);
    assert_eq!(shown.iter().filter(|(t, _)| *t == text).count(), 1);
    assert_eq!(shown.last().unwrap().1, Delivery::Sent);
    assert_eq!(common::bodies(&user, &room).iter().filter(|b| **b == text).count(), 1);
}

#[test]
fn a_thread_started_offline_keeps_its_key_draft_and_replies_when_the_homeserver_names_it() {
    let user = new_user("identity");
    let room = new_room(&user);
    let store = Rc::new(MemoryStore::default());
    let (client, flaky) = flaky_client(&user);
    let (first, host) = tab(client, &room, &store, None);
    sync(&first);
    let session = first.session().clone();
    let confirmed = Rc::new(RefCell::new(Vec::new()));
    {
        let confirmed = confirmed.clone();
        session.listen(move |c| {
            if let Change::Confirmed { key, event } = c {
                confirmed.borrow_mut().push((key.clone(), event.clone()));
            }
        });
    }

    flaky.offline.set(true);
    let topic = unique("Written offline ");
    let draft = ThreadDraft {
        topic: topic.clone(),
        message: "Who can cover Friday?".into(),
        ..ThreadDraft::default()
    };
    let key = run(session.create_thread(&draft)).unwrap();
    let thread = session.thread(&key);
    assert!(
        thread.with(|t| t.is_some_and(|t| t.root_event().is_none())),
        "on its way"
    );
    // Opening it asks nothing of the homeserver: it is not there yet.
    let asked = flaky.urls.borrow().len();
    run(thread.open()).unwrap();
    assert_eq!(flaky.urls.borrow().len(), asked);
    // A reply sent meanwhile, and a draft being written.
    let early = unique("Sent before the thread was on the server ");
    run(thread.reply(&early)).unwrap();
    let typed = unique("Typed, not sent ");
    run(session.drafts().save_reply(&key, &typed)).unwrap();

    flaky.offline.set(false);
    first.online();
    host.run_tasks();
    let (named, event) = confirmed
        .borrow()
        .first()
        .cloned()
        .expect("the homeserver named the thread");
    assert_eq!(named, key, "the same thread");
    // Found by its event id as by its transaction id: one thread, one key, one draft.
    let by_event = ThreadKey::new(room.as_str(), event.as_str());
    assert_eq!(session.with_inbox(|i| i.resolve(&by_event)), key);
    assert_eq!(
        run(session.drafts().reply(&by_event)).unwrap().as_deref(),
        Some(typed.as_str())
    );
    assert!(session.drafts().has_reply(&by_event));
    sync(&first);
    assert_eq!(session.with_inbox(|i| i.len()), 1);
    assert_eq!(
        texts(&session, &by_event).last().unwrap(),
        &(early.clone(), Delivery::Sent)
    );
    // On the homeserver: the reply once, in the thread of the root.
    assert_eq!(common::bodies(&user, &room).iter().filter(|b| **b == early).count(), 1);
    // Nothing was ever asked of the homeserver by the transaction id.
    assert!(!flaky
        .urls
        .borrow()
        .iter()
        .any(|u| u.contains(key.id_str()) && !u.contains("/send/")));
    // After a restart (the inbox kept), the thread and its draft are still one.
    run(first.keep_now());
    drop(first);
    let (client, _) = flaky_client(&user);
    let (again, _) = tab(client, &room, &store, None);
    assert_eq!(again.session().with_inbox(|i| i.resolve(&by_event)), key);
    assert_eq!(
        run(again.session().drafts().reply(&key)).unwrap().as_deref(),
        Some(typed.as_str())
    );
}

#[test]
fn staged_files_stay_on_the_device_until_send_and_then_follow_the_text_in_order() {
    let user = new_user("staging");
    let room = new_room(&user);
    let key = thread(&user, &room, "Insurance card", "Card attached below");
    let store = Rc::new(MemoryStore::default());
    let (client, _) = flaky_client(&user);
    let (first, _) = tab(client, &room, &store, None);
    sync(&first);
    let thread = first.session().thread(&key);
    let front = unique("front-") + ".png";
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR not a real picture".to_vec();
    let letter = unique("letter-") + ".pdf";
    let pdf = b"%PDF-1.4\n% referral\n%%EOF\n".to_vec();
    let staged_front = run(thread.stage(&front, "image/png", &png)).unwrap();
    assert!(staged_front.is_image());
    run(thread.stage(&letter, "application/pdf", &pdf)).unwrap();
    let extra = run(thread.stage("extra.pdf", "application/pdf", &pdf)).unwrap();
    // A disguised file is refused when picked, and nothing of it is kept.
    let disguised = run(thread.stage("run.pdf", "application/pdf", b"MZ\x90\0 not a document"));
    assert!(matches!(disguised, Err(rounds::session::SessionError::Refused(_))));
    // Removed before sending: its bytes leave the device's store too.
    run(thread.unstage(&extra.id)).unwrap();
    assert_eq!(run(store.file(&extra.id)).unwrap(), None);
    // Nothing reached the homeserver.
    let on_server = common::bodies(&user, &room);
    assert!(!on_server.contains(&front) && !on_server.contains(&letter));

    // A restart keeps the staged files and their bytes.
    run(first.keep_now());
    drop(thread);
    drop(first);
    let (client, _) = flaky_client(&user);
    let (again, host) = tab(client, &room, &store, None);
    run(again.start());
    let thread = again.session().thread(&key);
    let names: Vec<String> = run(thread.staged()).unwrap().into_iter().map(|f| f.name).collect();
    assert_eq!(names, [front.clone(), letter.clone()]);
    assert_eq!(run(thread.staged_bytes(&staged_front.id)).unwrap(), png);

    // Send: the text first, then the files in the order they were added, each once.
    let caption = unique("Front and back of the card ");
    run(thread.reply(&caption)).unwrap();
    run(thread.send_staged()).unwrap();
    assert!(run(thread.staged()).unwrap().is_empty());
    assert_eq!(run(store.file(&staged_front.id)).unwrap(), None);
    again.online();
    host.run_tasks();
    assert_eq!(again.session().sending().unsent(), 0);
    let on_server = common::bodies(&user, &room);
    let sent: Vec<&String> = on_server
        .iter()
        .filter(|b| [&caption, &front, &letter].contains(b))
        .collect();
    assert_eq!(sent, [&caption, &front, &letter]);
}

#[test]
fn another_tab_signing_out_or_logging_off_ends_this_one_without_clearing_the_device() {
    let user = new_user("tabs");
    let room = new_room(&user);
    let store = Rc::new(MemoryStore::default());
    let ended = |tab: &Tab| {
        let notices = Rc::new(RefCell::new(Vec::new()));
        let seen = notices.clone();
        tab.session().listen(move |c| {
            if let Change::Ended { notice, .. } = c {
                seen.borrow_mut().push(notice.clone());
            }
        });
        notices
    };
    for (message, said) in [
        (TabMessage::SignedOut, "You signed out in another tab."),
        (
            TabMessage::LoggedOff,
            "You were signed out after a while without activity. Your drafts are saved.",
        ),
    ] {
        let (client, _) = flaky_client(&user);
        let (this, host) = tab(client, &room, &store, None);
        let notices = ended(&this);
        this.heard(message);
        host.run_tasks();
        assert_eq!(*notices.borrow(), [Some(said.to_owned())]);
        assert_eq!(*host.left.borrow(), [Ending::Elsewhere]);
        assert!(
            host.cleared.borrow().is_empty(),
            "the tab that ended it clears the device"
        );
    }
}

#[test]
fn the_idle_clock_logs_off_every_tab_and_activity_anywhere_keeps_it_going() {
    let user = new_user("idle");
    let room = new_room(&user);
    let store = Rc::new(MemoryStore::default());
    let (client, _) = flaky_client(&user);
    let (this, host) = tab(client, &room, &store, Some(300));
    let notices = Rc::new(RefCell::new(Vec::new()));
    {
        let seen = notices.clone();
        this.session().listen(move |c| {
            if let Change::Ended { notice, .. } = c {
                seen.borrow_mut().push(notice.clone());
            }
        });
    }
    std::thread::sleep(Duration::from_millis(200));
    this.heard(TabMessage::Activity);
    std::thread::sleep(Duration::from_millis(200));
    this.check_idle();
    assert!(notices.borrow().is_empty(), "another tab's activity counts");
    this.activity();
    assert_eq!(
        *host.told.borrow(),
        [TabMessage::Activity],
        "this tab's activity is passed on"
    );
    std::thread::sleep(Duration::from_millis(350));
    this.check_idle();
    host.run_tasks();
    assert_eq!(host.told.borrow().last(), Some(&TabMessage::LoggedOff));
    assert_eq!(*host.cleared.borrow(), [Ending::KeepDrafts]);
    assert_eq!(
        *notices.borrow(),
        [Some(
            "You were signed out after 0 seconds without activity. Your drafts are saved.".to_owned()
        )]
    );
}

#[test]
fn news_is_notified_without_patient_details_and_held_back_while_the_person_is_with_a_patient() {
    let writer = new_user("writer");
    let room = new_room(&writer);
    let reader = new_user("reader");
    run(writer.invite(&room, reader.user_id().unwrap())).unwrap();
    run(reader.join(&room, &[])).unwrap();
    let store = Rc::new(MemoryStore::default());
    let (client, _) = flaky_client(&reader);
    let (tab, host) = tab(client, &room, &store, None);
    sync(&tab);
    let root_with = |topic: &str, priority: rounds::api::rounds::Priority| {
        let meta = ThreadMeta {
            topic: topic.into(),
            patient: Some(rounds::api::rounds::PatientRef {
                display: "Sara M.".into(),
                id: None,
            }),
            priority,
            to_roles: Vec::new(),
            category: None,
        };
        run(writer.send_event(
            &room,
            "m.room.message",
            &unique("t"),
            &meta.root_content("Call the family"),
        ))
        .unwrap()
    };

    // Looking at the page: nothing is notified.
    host.looked_at.set(true);
    root_with("Seen on screen", rounds::api::rounds::Priority::Urgent);
    sync(&tab);
    assert!(host.notified.borrow().is_empty());

    // Away: an urgent thread is notified, by category only.
    host.looked_at.set(false);
    let root = root_with("Lobby", rounds::api::rounds::Priority::Urgent);
    sync(&tab);
    let shown = host.notified.borrow().clone();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].title, "New urgent message in Clinical");
    assert_eq!(shown[0].thread, Some(ThreadKey::new(room.as_str(), root.as_str())));
    assert!(
        !format!("{shown:?}").contains("Sara"),
        "no patient details on a lock screen"
    );

    // With a patient: news in a routine thread the reader takes part in waits.
    let routine = root_with("Friday coverage", rounds::api::rounds::Priority::Routine);
    sync(&tab);
    let routine_key = tab
        .session()
        .with_inbox(|i| i.resolve(&ThreadKey::new(room.as_str(), routine.as_str())));
    run(tab.session().thread(&routine_key).reply("I can")).unwrap();
    tab.send();
    host.run_tasks();
    let before = host.notified.borrow().len();
    run(tab.session().presence().set(rounds::domain::Availability::WithPatient)).unwrap();
    run(writer.send_event(
        &room,
        "m.room.message",
        &unique("t"),
        &thread_reply_content(&routine, &routine, "Thanks"),
    ))
    .unwrap();
    sync(&tab);
    assert_eq!(host.notified.borrow().len(), before, "held back");
    run(tab.session().presence().set(rounds::domain::Availability::Available)).unwrap();
    let last = host.notified.borrow().last().cloned().unwrap();
    assert_eq!(last.title, "A thread has news from while you were busy");
    assert_eq!(last.thread, None);
}

#[test]
fn availability_changed_quickly_lands_on_the_last_choice_and_holds_through_the_syncs_after_it() {
    use rounds::api::{PresenceState, SyncRequest};
    use rounds::domain::Availability::{Available, OffDuty, WithPatient};
    let me = new_user("busy");
    let room = new_room(&me);
    let colleague = new_user("colleague");
    run(me.invite(&room, colleague.user_id().unwrap())).unwrap();
    run(colleague.join(&room, &[])).unwrap();
    let store = Rc::new(MemoryStore::default());
    let (client, flaky) = flaky_client(&me);
    let (tab, _host) = tab(client, &room, &store, None);
    sync(&tab);

    // A person trying the picker out: four choices at once, none refused (the homeserver's
    // presence rate limit is waited out, not shown), and the last one is what stays.
    let presence = tab.session().presence();
    let choices = [WithPatient, OffDuty, Available, OffDuty].map(|a| presence.set(a));
    for result in run(futures_util::future::join_all(choices)) {
        result.unwrap();
    }
    assert_eq!(presence.mine(), OffDuty);

    // The syncs that follow report it too: the colleague sees Off duty, not online.
    sync(&tab);
    sync(&tab);
    let syncs: Vec<String> = flaky
        .urls
        .borrow()
        .iter()
        .filter(|u| u.contains("/sync?"))
        .cloned()
        .collect();
    assert!(syncs.last().unwrap().contains("set_presence=unavailable"), "{syncs:?}");
    let seen = run(colleague.sync(&SyncRequest::default()))
        .unwrap()
        .presence
        .events
        .iter()
        .filter(|e| e.sender == me.user_id().unwrap())
        .find_map(|e| e.presence())
        .expect("the person's presence in the colleague's sync");
    assert_eq!(seen.presence, PresenceState::Unavailable);
    assert_eq!(seen.status_msg.as_deref(), Some(OffDuty.label()));
}

#[test]
fn an_availability_the_homeserver_did_not_take_is_not_shown_as_taken() {
    use rounds::domain::Availability::{Available, WithPatient};
    let me = new_user("unreachable");
    let room = new_room(&me);
    let store = Rc::new(MemoryStore::default());
    let (client, flaky) = flaky_client(&me);
    let (tab, _host) = tab(client, &room, &store, None);
    sync(&tab);
    let presence = tab.session().presence();
    flaky.offline.set(true);
    assert!(run(presence.set(WithPatient)).is_err());
    assert_eq!(presence.mine(), Available, "back to what the homeserver holds");
    flaky.offline.set(false);
    run(presence.set(WithPatient)).unwrap();
    assert_eq!(presence.mine(), WithPatient);
}
