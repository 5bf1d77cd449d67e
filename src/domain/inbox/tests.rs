use super::*;
use crate::domain::thread::{Delivery, EhrClaim, Patient, Priority, Status};

fn k(room: &str, id: &str) -> ThreadKey {
    ThreadKey::new(room, id)
}

const ME: &str = "@me:x";

fn msg(id: &str, sender: &str, ts: u64, text: &str) -> Message {
    Message {
        id: id.into(),
        sender: sender.into(),
        ts,
        body: Body::Text(text.into()),
        delivery: Delivery::Sent,
        txn_id: None,
        edited_at: None,
    }
}

fn root(room: &str, id: &str, sender: &str, ts: u64, topic: &str, patient: Option<&str>, urgent: bool) -> Incoming {
    Incoming::Root {
        room_id: room.into(),
        message: msg(id, sender, ts, "first"),
        info: ThreadInfo {
            topic: topic.into(),
            patient: patient.map(|p| Patient {
                display: p.into(),
                id: None,
            }),
            priority: if urgent { Priority::Urgent } else { Priority::Routine },
            to_roles: Vec::new(),
            category: None,
            from_ehr: None,
        },
    }
}

fn reply(room: &str, root: &str, id: &str, sender: &str, ts: u64, text: &str) -> Incoming {
    Incoming::InThread {
        room_id: room.into(),
        root_id: root.into(),
        message: msg(id, sender, ts, text),
    }
}

fn receipt(room: &str, user: &str, event: &str) -> Incoming {
    Incoming::Receipt {
        room_id: room.into(),
        user_id: user.into(),
        event_id: event.into(),
        ts: None,
    }
}

fn titles(inbox: &Inbox, filter: &Filter) -> Vec<String> {
    inbox.query(filter).iter().map(|t| t.info.title()).collect()
}

fn sample() -> Inbox {
    let mut inbox = Inbox::new(ME);
    inbox.apply([
        root("!sched", "$a", "@dana:x", 10, "Client canceled", Some("Maya R."), false),
        root(
            "!auth",
            "$b",
            "@sam:x",
            20,
            "Authorization renewal pending",
            Some("Sara M."),
            true,
        ),
        root(
            "!clin",
            "$c",
            "@priya:x",
            30,
            "Home program update",
            Some("Sara M."),
            false,
        ),
        root("!staff", "$d", ME, 40, "Friday coverage needed", None, true),
        reply("!sched", "$a", "$a1", "@jordan:x", 50, "Thursday works for José"),
    ]);
    inbox
}

#[test]
fn newest_activity_first() {
    let inbox = sample();
    assert_eq!(
        titles(&inbox, &Filter::default()),
        [
            "Maya R. – Client canceled",
            "Friday coverage needed",
            "Sara M. – Home program update",
            "Sara M. – Authorization renewal pending"
        ]
    );
}

#[test]
fn search_category_views_and_unread_filters() {
    let mut inbox = sample();
    let search = |s: &str| Filter {
        search: s.into(),
        ..Filter::default()
    };
    assert_eq!(titles(&inbox, &search("sara")).len(), 2);
    assert_eq!(
        titles(&inbox, &search("JOSE")),
        ["Maya R. – Client canceled"],
        "accent and case folded"
    );
    assert_eq!(titles(&inbox, &search("  ")).len(), 4);
    let category = Filter {
        room_id: Some("!auth".into()),
        ..Filter::default()
    };
    assert_eq!(titles(&inbox, &category), ["Sara M. – Authorization renewal pending"]);
    let urgent = Filter {
        view: View::Urgent,
        ..Filter::default()
    };
    assert_eq!(
        titles(&inbox, &urgent),
        ["Friday coverage needed", "Sara M. – Authorization renewal pending"]
    );
    let mine = Filter {
        view: View::Mine,
        ..Filter::default()
    };
    assert_eq!(titles(&inbox, &mine), ["Friday coverage needed"]);
    inbox.apply([Incoming::Name {
        user_id: ME.into(),
        name: "Morgan Reyes".into(),
    }]);
    inbox.apply([reply("!auth", "$b", "$b1", "@sam:x", 60, "Morgan Reyes, can you call?")]);
    assert_eq!(titles(&inbox, &mine).len(), 2, "mentions count as mine");

    let unread = Filter {
        unread_only: true,
        ..Filter::default()
    };
    assert_eq!(titles(&inbox, &unread).len(), 4 - 1, "my own thread has nothing unread");
    inbox.apply([receipt("!auth", ME, "$b1")]);
    assert_eq!(titles(&inbox, &unread).len(), 2);

    inbox.apply([Incoming::InThread {
        room_id: "!sched".into(),
        root_id: "$a".into(),
        message: Message {
            body: Body::Update {
                status: Some(Status::Resolved),
                priority: None,
            },
            ..msg("$a2", "@dana:x", 70, "")
        },
    }]);
    let open = Filter {
        view: View::Open,
        ..Filter::default()
    };
    let resolved = Filter {
        view: View::Resolved,
        ..Filter::default()
    };
    assert_eq!(titles(&inbox, &resolved), ["Maya R. – Client canceled"]);
    assert_eq!(titles(&inbox, &open).len(), 3);
}

#[test]
fn grouping_puts_a_patients_threads_together() {
    let mut inbox = sample();
    inbox.apply([reply("!clin", "$c", "$c1", "@priya:x", 100, "update")]);
    let grouped = Filter {
        group_by_patient: true,
        ..Filter::default()
    };
    assert_eq!(
        titles(&inbox, &grouped),
        [
            "Sara M. – Home program update",
            "Sara M. – Authorization renewal pending",
            "Maya R. – Client canceled",
            "Friday coverage needed"
        ]
    );
}

#[test]
fn unread_counts_others_after_my_receipt() {
    let mut inbox = sample();
    let thread = |inbox: &Inbox| inbox.unread(inbox.thread(&k("!sched", "$a")).unwrap());
    assert_eq!(thread(&inbox), 2);
    inbox.apply([receipt("!sched", ME, "$a")]);
    assert_eq!(thread(&inbox), 1);
    inbox.apply([receipt("!sched", ME, "$a1")]);
    assert_eq!(thread(&inbox), 0);
    inbox.apply([reply("!sched", "$a", "$a2", "@dana:x", 60, "more")]);
    assert_eq!(thread(&inbox), 1);
    // Replying means having read what came before.
    inbox.apply([reply("!sched", "$a", "$a3", ME, 70, "thanks")]);
    assert_eq!(thread(&inbox), 0);
}

#[test]
fn schedule_changes_and_chart_filings_count_and_preview_alike_status_changes_do_neither() {
    let mut inbox = sample();
    let key = k("!sched", "$a");
    inbox.apply([receipt("!sched", ME, "$a1")]);
    let with = |id: &str, ts: u64, body: Body| Incoming::InThread {
        room_id: "!sched".into(),
        root_id: "$a".into(),
        message: Message {
            body,
            ..msg(id, "@dana:x", ts, "")
        },
    };
    let moved = Body::Appointment {
        summary: "Rescheduled Maya R. to Wed 9:00".into(),
        claim: EhrClaim::Appointment {
            appointment: "Appointment/1".into(),
            start: None,
            cancelled: false,
        },
    };
    inbox.apply([with("$moved", 60, moved)]);
    let thread = |inbox: &Inbox| inbox.thread(&key).unwrap().clone();
    assert_eq!(inbox.unread(&thread(&inbox)), 1);
    assert_eq!(
        thread(&inbox).preview().map(|m| m.id.clone()).as_deref(),
        Some("$moved")
    );

    let filed = Body::Charted {
        updated: false,
        claim: EhrClaim::Filed {
            record: "Communication/9".into(),
        },
    };
    inbox.apply([with("$filed", 70, filed)]);
    assert_eq!(inbox.unread(&thread(&inbox)), 2);
    assert_eq!(
        thread(&inbox).preview().map(|m| m.id.clone()).as_deref(),
        Some("$filed")
    );

    let resolved = Body::Update {
        status: Some(Status::Resolved),
        priority: None,
    };
    inbox.apply([with("$resolved", 80, resolved), with("$taken", 90, Body::Acknowledged)]);
    assert_eq!(
        inbox.unread(&thread(&inbox)),
        2,
        "a status change or an acknowledgement is not news to read"
    );
    assert_eq!(
        thread(&inbox).preview().map(|m| m.id.clone()).as_deref(),
        Some("$filed")
    );
}

#[test]
fn seen_by_sits_under_each_readers_last_message() {
    let mut inbox = sample();
    inbox.apply([
        Incoming::Name {
            user_id: "@priya:x".into(),
            name: "Priya Shah".into(),
        },
        receipt("!sched", "@priya:x", "$a1"),
        receipt("!sched", "@priya:x", "$a"),
        receipt("!sched", "@dana:x", "$a"),
        receipt("!sched", ME, "$a1"),
        receipt("!other", "@sam:x", "$a1"),
    ]);
    let thread = inbox.thread(&k("!sched", "$a")).unwrap();
    let seen = inbox.seen_by(thread);
    assert_eq!(seen.get(&0), Some(&vec!["dana".to_string()]));
    assert_eq!(seen.get(&1), Some(&vec!["Priya Shah".to_string()]));
    assert_eq!(seen.len(), 2, "my own receipt and other rooms' receipts are not shown");
}

#[test]
fn receipt_to_send_skips_own_messages_and_covered_ones() {
    let mut inbox = sample();
    let thread = |inbox: &Inbox| inbox.thread(&k("!sched", "$a")).unwrap().clone();
    assert_eq!(inbox.receipt_to_send(&thread(&inbox)), Some("$a1".into()));
    inbox.apply([receipt("!sched", ME, "$a1")]);
    assert_eq!(inbox.receipt_to_send(&thread(&inbox)), None);
    inbox.apply([reply("!sched", "$a", "$a2", ME, 60, "mine")]);
    assert_eq!(
        inbox.receipt_to_send(&thread(&inbox)),
        None,
        "never a receipt for my own message"
    );
    let staffing = inbox.thread(&k("!staff", "$d")).unwrap().clone();
    assert_eq!(inbox.receipt_to_send(&staffing), None);
}

#[test]
fn duplicates_and_late_pages_are_merged() {
    let mut inbox = sample();
    // A sync batch repeating known events, then a gap page with an older reply.
    inbox.apply([
        reply("!sched", "$a", "$a1", "@jordan:x", 50, "Thursday works for José"),
        root("!sched", "$a", "@dana:x", 10, "Client canceled", Some("Maya R."), false),
        reply("!sched", "$a", "$a0", "@dana:x", 15, "from the gap"),
    ]);
    let thread = inbox.thread(&k("!sched", "$a")).unwrap();
    let ids: Vec<&str> = thread.messages.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["$a", "$a0", "$a1"]);
    assert_eq!(inbox.len(), 4);
}

#[test]
fn replies_before_their_root_wait_for_it() {
    let mut inbox = Inbox::new(ME);
    inbox.apply([reply("!r", "$root", "$x", "@a:x", 20, "early")]);
    assert_eq!(inbox.len(), 0);
    assert_eq!(inbox.missing_roots(), [("!r".to_string(), "$root".to_string())]);
    inbox.apply([root("!r", "$root", "@a:x", 10, "Topic", None, false)]);
    assert_eq!(inbox.thread(&k("!r", "$root")).unwrap().messages.len(), 2);
    assert!(inbox.missing_roots().is_empty());
}

#[test]
fn local_echo_is_replaced_by_the_server_event() {
    let mut inbox = sample();
    let local = Message {
        delivery: Delivery::Sending,
        txn_id: Some("t1".into()),
        edited_at: None,
        ..msg("t1", ME, 99, "on my way")
    };
    inbox.add_local(&k("!sched", "$a"), local);
    assert_eq!(
        inbox.thread(&k("!sched", "$a")).unwrap().latest().delivery,
        Delivery::Sending
    );
    inbox.set_delivery(&k("!sched", "$a"), "t1", Delivery::Failed("refused".into()));
    assert!(matches!(
        inbox.thread(&k("!sched", "$a")).unwrap().latest().delivery,
        Delivery::Failed(_)
    ));
    let echo = Message {
        txn_id: Some("t1".into()),
        edited_at: None,
        ..msg("$srv", ME, 100, "on my way")
    };
    inbox.apply([Incoming::InThread {
        room_id: "!sched".into(),
        root_id: "$a".into(),
        message: echo,
    }]);
    let thread = inbox.thread(&k("!sched", "$a")).unwrap();
    assert_eq!(thread.messages.len(), 3);
    assert_eq!(thread.latest().id, "$srv");
    assert_eq!(thread.latest().delivery, Delivery::Sent);
    assert!(inbox.knows("$srv"));
    // Confirming afterwards (the send's own answer) changes nothing.
    inbox.confirm_sent(&k("!sched", "$a"), "t1", "$srv");
    assert_eq!(inbox.thread(&k("!sched", "$a")).unwrap().messages.len(), 3);
}

#[test]
fn losing_a_room_removes_its_threads() {
    let mut inbox = sample();
    inbox.apply([Incoming::RoomGone {
        room_id: "!clin".into(),
    }]);
    assert!(inbox.thread(&k("!clin", "$c")).is_none());
    assert_eq!(inbox.len(), 3);
}

#[test]
fn replies_whose_root_cannot_be_loaded_show_under_a_stand_in_until_it_arrives() {
    let mut inbox = Inbox::new(ME);
    inbox.apply([reply("!r", "$gone", "$a", "@b:x", 20, "still relevant")]);
    assert!(inbox.is_empty(), "a reply alone waits for its root");
    inbox.apply([Incoming::RootUnavailable {
        room_id: "!r".into(),
        root_id: "$gone".into(),
    }]);
    let thread = inbox.thread(&k("!r", "$gone")).expect("stand-in thread");
    assert!(thread.is_unavailable());
    assert_eq!(thread.messages.len(), 2);
    assert_eq!(inbox.unread(thread), 1);
    // Still to be fetched (later, with backoff: see sync::RootFetcher).
    assert_eq!(inbox.missing_roots(), [("!r".to_owned(), "$gone".to_owned())]);
    // Later replies join the stand-in.
    inbox.apply([reply("!r", "$gone", "$b", "@c:x", 30, "another")]);
    assert_eq!(inbox.thread(&k("!r", "$gone")).unwrap().messages.len(), 3);

    // The root arrives after all (say, through the threads list): it replaces the stand-in.
    inbox.apply([root("!r", "$gone", "@b:x", 10, "Coverage", None, true)]);
    let thread = inbox.thread(&k("!r", "$gone")).unwrap();
    assert!(!thread.is_unavailable());
    assert_eq!(thread.info.title(), "Coverage");
    assert_eq!(thread.priority, Priority::Urgent);
    let ids: Vec<_> = thread.messages.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["$gone", "$a", "$b"]);
    assert_eq!(inbox.len(), 1);
    assert!(inbox.missing_roots().is_empty());
}

#[test]
fn a_snapshot_keeps_the_newest_threads_and_replies_and_what_was_read() {
    let mut inbox = Inbox::new(ME);
    inbox.apply([
        Incoming::Name {
            user_id: "@b:x".into(),
            name: "Bea".into(),
        },
        root("!r", "$old", "@b:x", 1, "Old thread", None, false),
        root("!r", "$new", "@b:x", 10, "New thread", Some("Sara M."), true),
    ]);
    for i in 0..6 {
        inbox.apply([reply(
            "!r",
            "$new",
            &format!("$n{i}"),
            "@b:x",
            11 + i,
            &format!("reply {i}"),
        )]);
    }
    // I read up to reply 1 (which the snapshot will leave out) and Bea read everything.
    inbox.apply([receipt("!r", ME, "$n1"), receipt("!r", "@b:x", "$n5")]);
    inbox.add_local(
        &k("!r", "$new"),
        Message {
            delivery: Delivery::Sending,
            txn_id: Some("t1".into()),
            edited_at: None,
            ..msg("t1", ME, 99, "not sent yet")
        },
    );

    let snapshot = inbox.snapshot(1, 3);
    assert_eq!(snapshot.threads.len(), 1, "only the most recently active thread");
    let json = serde_json::to_string(&snapshot).unwrap();
    let restored = Inbox::from_snapshot(serde_json::from_str(&json).unwrap());
    let thread = restored.thread(&k("!r", "$new")).expect("kept");
    let ids: Vec<_> = thread.messages.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        ids,
        ["$new", "$n3", "$n4", "$n5"],
        "the root and the three newest sent replies"
    );
    assert_eq!(thread.priority, Priority::Urgent);
    assert_eq!(thread.info.title(), "Sara M. – New thread");
    assert!(restored.thread(&k("!r", "$old")).is_none());
    // My mark was on a reply left out: the three kept replies are still unread.
    assert_eq!(restored.unread(thread), 3);
    assert_eq!(restored.seen_by(thread).get(&3), Some(&vec!["Bea".to_owned()]));
    assert!(restored.knows("$n4") && !restored.knows("t1"));
    // New events continue the restored inbox.
    let mut restored = restored;
    restored.apply([reply("!r", "$new", "$n6", "@b:x", 30, "after restart")]);
    assert_eq!(restored.thread(&k("!r", "$new")).unwrap().messages.len(), 5);
}

#[test]
fn a_thread_started_offline_takes_its_event_id_when_sent_or_when_its_echo_syncs() {
    let local_root = |txn: &str| Incoming::Root {
        room_id: "!r".into(),
        message: Message {
            delivery: Delivery::Sending,
            txn_id: Some(txn.into()),
            edited_at: None,
            ..msg(txn, ME, 5, "Who can cover Friday?")
        },
        info: ThreadInfo {
            topic: "Coverage".into(),
            ..ThreadInfo::default()
        },
    };
    // Confirmed by the send's answer.
    let mut inbox = Inbox::new(ME);
    inbox.apply([local_root("t1")]);
    inbox.add_local(
        &k("!r", "t1"),
        Message {
            delivery: Delivery::Sending,
            txn_id: Some("t2".into()),
            edited_at: None,
            ..msg("t2", ME, 6, "queued reply")
        },
    );
    assert_eq!(inbox.confirm_root("!r", "t1", "$root"), Some(k("!r", "t1")));
    // One thread, one key: found by its transaction id and by its event id alike.
    let thread = inbox.thread(&k("!r", "$root")).expect("found by its event id");
    assert_eq!(inbox.thread(&k("!r", "t1")), Some(thread));
    assert_eq!(thread.key(), k("!r", "t1"));
    assert_eq!(thread.root_id, "$root");
    assert_eq!(inbox.resolve(&k("!r", "$root")), k("!r", "t1"));
    assert_eq!(thread.messages[0].delivery, Delivery::Sent);
    assert_eq!(thread.messages.len(), 2);
    inbox.apply([reply("!r", "$root", "$other", "@b:x", 9, "from someone else")]);
    assert_eq!(inbox.thread(&k("!r", "$root")).unwrap().messages.len(), 3);
    assert_eq!(inbox.len(), 1);

    // Or the sync echo (with our txn id) arrives first: same result, no duplicate thread.
    let mut inbox = Inbox::new(ME);
    inbox.apply([local_root("t1")]);
    inbox.apply([Incoming::Root {
        room_id: "!r".into(),
        message: Message {
            txn_id: Some("t1".into()),
            edited_at: None,
            ..msg("$root", ME, 5, "Who can cover Friday?")
        },
        info: ThreadInfo {
            topic: "Coverage".into(),
            ..ThreadInfo::default()
        },
    }]);
    assert_eq!(inbox.len(), 1);
    assert_eq!(
        inbox.thread(&k("!r", "$root")).unwrap().messages[0].delivery,
        Delivery::Sent
    );
}

#[test]
fn a_send_confirmed_after_its_sync_echo_leaves_no_second_local_echo() {
    let mut inbox = Inbox::new(ME);
    inbox.apply([root("!r", "$root", "@b:x", 1, "Coverage", None, false)]);
    let local = Message {
        delivery: Delivery::Sending,
        txn_id: Some("t1".into()),
        edited_at: None,
        ..msg("t1", ME, 5, "on my way")
    };
    inbox.add_local(&k("!r", "$root"), local.clone());
    // The server's copy arrives through sync and replaces the echo …
    let synced = Message {
        txn_id: Some("t1".into()),
        edited_at: None,
        ..msg("$sent", ME, 5, "on my way")
    };
    inbox.apply([Incoming::InThread {
        room_id: "!r".into(),
        root_id: "$root".into(),
        message: synced,
    }]);
    assert!(inbox.has_txn(&k("!r", "$root"), "t1"));
    // … and a stale copy of the queue (another tab's) echoed it again before the send's answer.
    inbox.add_local(
        &k("!r", "$root"),
        Message {
            id: "t1-again".into(),
            ..local
        },
    );
    inbox.confirm_sent(&k("!r", "$root"), "t1", "$sent");
    let thread = inbox.thread(&k("!r", "$root")).unwrap();
    assert_eq!(thread.messages.len(), 2);
    assert!(thread.messages.iter().all(|m| m.delivery == Delivery::Sent));
}

#[test]
fn an_urgent_thread_waits_for_an_acknowledgement_that_its_sender_cannot_give() {
    let mut inbox = Inbox::new(ME);
    let ack = |id: &str, sender: &str, ts: u64| Incoming::InThread {
        room_id: "!sched".into(),
        root_id: "$u".into(),
        message: Message {
            body: Body::Acknowledged,
            ..msg(id, sender, ts, "")
        },
    };
    inbox.apply([
        root("!sched", "$u", "@dana:x", 10, "Who can come to the lobby?", None, true),
        root("!sched", "$r", "@dana:x", 11, "Routine", None, false),
    ]);
    let urgent = |inbox: &Inbox| inbox.thread(&k("!sched", "$u")).unwrap().clone();
    assert!(urgent(&inbox).awaits_acknowledgement());
    assert!(
        !inbox.thread(&k("!sched", "$r")).unwrap().awaits_acknowledgement(),
        "routine threads do not ask"
    );

    inbox.apply([ack("$own", "@dana:x", 12)]);
    assert!(
        urgent(&inbox).awaits_acknowledgement(),
        "the sender's own does not count"
    );

    inbox.apply([
        ack("$p", "@priya:x", 20),
        ack("$p2", "@priya:x", 25),
        ack("$j", "@jordan:x", 30),
    ]);
    let thread = urgent(&inbox);
    assert!(!thread.awaits_acknowledgement());
    assert_eq!(
        thread.acknowledged(),
        vec![("@priya:x", 20), ("@jordan:x", 30)],
        "first of each person"
    );
}

#[test]
fn for_my_role_shows_threads_addressed_to_my_roles() {
    let mut inbox = sample();
    inbox.apply([addressed("!sched", "$r", 70, "Lobby", true, &["clinician"])]);
    let for_role = |roles: &[&str]| Filter {
        view: View::ForMyRole,
        my_roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        ..Filter::default()
    };
    assert_eq!(titles(&inbox, &for_role(&["clinician"])), ["Lobby"]);
    assert!(titles(&inbox, &for_role(&["billing"])).is_empty());
    assert!(titles(&inbox, &for_role(&[])).is_empty());
}

#[test]
fn the_sender_edits_in_place_others_cannot_and_an_older_edit_loses() {
    let mut inbox = Inbox::new(ME);
    inbox.apply([
        root("!r", "$t", "@a:x", 1, "Renewal", None, false),
        reply("!r", "$t", "$m", "@a:x", 2, "Call at 2"),
    ]);
    let edit = |sender: &str, ts: u64, text: &str| Incoming::Edit {
        room_id: "!r".into(),
        target: "$m".into(),
        sender: sender.into(),
        ts,
        text: text.into(),
    };
    inbox.apply([
        edit("@a:x", 5, "Call at 4"),
        edit("@a:x", 4, "Call at 3"),
        edit("@b:x", 6, "Hijacked"),
    ]);
    let m = &inbox.thread(&k("!r", "$t")).unwrap().messages[1];
    assert_eq!((&m.body, m.edited_at), (&Body::Text("Call at 4".into()), Some(5)));
    let found = Filter {
        search: "call at 4".into(),
        ..Filter::default()
    };
    assert_eq!(titles(&inbox, &found), ["Renewal"]);
}

#[test]
fn a_retraction_removes_the_content_and_a_removed_root_its_title() {
    let mut inbox = Inbox::new(ME);
    inbox.apply([
        root("!r", "$t", "@a:x", 1, "Renewal", Some("Sara M."), false),
        reply("!r", "$t", "$m", "@a:x", 2, "DOB 02/03/1990"),
    ]);
    let removed = |target: &str| Incoming::Removed {
        room_id: "!r".into(),
        target: target.into(),
        by: "@admin:x".into(),
        reason: "Wrong thread".into(),
        at: 500,
    };
    inbox.apply([removed("$m")]);
    let thread = inbox.thread(&k("!r", "$t")).unwrap();
    // Removed at the retraction's time, not the message's.
    let gone = Body::Removed {
        by: "@admin:x".into(),
        reason: "Wrong thread".into(),
        at: Some(500),
    };
    assert_eq!(thread.messages[1].body, gone);
    let search = |text: &str| Filter {
        search: text.into(),
        ..Filter::default()
    };
    assert!(titles(&inbox, &search("1990")).is_empty());
    inbox.apply([removed("$t")]);
    let thread = inbox.thread(&k("!r", "$t")).unwrap();
    assert_eq!(thread.messages[0].body, gone);
    assert_eq!(thread.info.patient, None);
    assert!(titles(&inbox, &search("sara")).is_empty());
    // A retraction in another room does not touch this thread's events.
    inbox.apply([Incoming::Removed {
        room_id: "!other".into(),
        target: "$t".into(),
        by: "@x:x".into(),
        reason: String::new(),
        at: 1,
    }]);
    assert_eq!(inbox.thread(&k("!r", "$t")).unwrap().messages.len(), 2);
}

#[test]
fn expired_messages_go_and_a_thread_whose_start_expired_keeps_its_newer_replies() {
    let mut inbox = Inbox::new(ME);
    inbox.apply([
        root("!r", "$old", "@a:x", 10, "Old", Some("Sara M."), false),
        reply("!r", "$old", "$o1", "@a:x", 20, "DOB 1990"),
        root("!r", "$t", "@a:x", 30, "Renewal", Some("Liam K."), false),
        reply("!r", "$t", "$t1", "@a:x", 40, "Expired detail"),
        reply("!r", "$t", "$t2", "@b:x", 60, "Still here"),
        root("!keep", "$k", "@a:x", 1, "Kept forever", None, false),
    ]);
    let cutoffs = HashMap::from([("!r".to_owned(), 50)]);
    assert!(!inbox.expire(&cutoffs).is_empty());
    assert!(inbox.thread(&k("!r", "$old")).is_none());
    assert!(!inbox.knows("$o1"));
    let thread = inbox.thread(&k("!r", "$t")).unwrap();
    assert!(thread.is_unavailable());
    assert_eq!(thread.info.patient, None);
    let texts: Vec<&Body> = thread.messages.iter().skip(1).map(|m| &m.body).collect();
    assert_eq!(texts, [&Body::Text("Still here".into())]);
    let search = |text: &str| Filter {
        search: text.into(),
        ..Filter::default()
    };
    assert!(titles(&inbox, &search("liam")).is_empty());
    assert!(titles(&inbox, &search("expired detail")).is_empty());
    assert!(inbox.thread(&k("!keep", "$k")).is_some());
    // Nothing more to forget: nothing changes.
    assert!(inbox.expire(&cutoffs).is_empty());
    // Once its last reply expires too, nothing is left of the thread, stand-in included.
    assert!(!inbox.expire(&HashMap::from([("!r".to_owned(), 70)])).is_empty());
    assert!(inbox.thread(&k("!r", "$t")).is_none());
}

#[test]
fn an_edit_on_its_way_shows_its_state_until_it_comes_back() {
    let mut inbox = Inbox::new(ME);
    inbox.apply([
        root("!r", "$t", ME, 1, "Renewal", None, false),
        reply("!r", "$t", "$m", ME, 2, "Call at 2"),
    ]);
    let pending = |delivery: Delivery| PendingEdit {
        txn_id: "txn".into(),
        text: "Call at 3".into(),
        delivery,
    };
    inbox.add_pending_edit("$m", pending(Delivery::Sending));
    assert!(inbox.has_txn(&k("!r", "$t"), "txn"));
    inbox.set_delivery(&k("!r", "$t"), "txn", Delivery::Failed("refused".into()));
    assert_eq!(
        inbox.pending_edit("$m"),
        Some(&pending(Delivery::Failed("refused".into())))
    );
    inbox.set_delivery(&k("!r", "$t"), "txn", Delivery::Sending);
    inbox.confirm_sent(&k("!r", "$t"), "txn", "$e");
    assert_eq!(inbox.pending_edit("$m").map(|e| &e.delivery), Some(&Delivery::Sent));
    inbox.apply([Incoming::Edit {
        room_id: "!r".into(),
        target: "$m".into(),
        sender: ME.into(),
        ts: 5,
        text: "Call at 3".into(),
    }]);
    assert_eq!(inbox.pending_edit("$m"), None);
    assert_eq!(
        inbox.thread(&k("!r", "$t")).unwrap().messages[1].body,
        Body::Text("Call at 3".into())
    );
    // Discarded before it went out: the message reads as before.
    inbox.add_pending_edit("$m", pending(Delivery::Failed("offline".into())));
    inbox.remove_local(&k("!r", "$t"), "txn");
    assert_eq!(inbox.pending_edit("$m"), None);
}

#[test]
fn a_thread_the_person_started_is_known_by_its_transaction_id_wherever_it_comes_from() {
    // The root arrives through sync (another device, or a device that kept nothing).
    let mut inbox = Inbox::new(ME);
    let touched = inbox.apply([Incoming::Root {
        room_id: "!r".into(),
        message: Message {
            txn_id: Some("t1".into()),
            ..msg("$root", ME, 5, "Who can cover Friday?")
        },
        info: ThreadInfo {
            topic: "Coverage".into(),
            ..ThreadInfo::default()
        },
    }]);
    assert_eq!(touched, Touched::one(k("!r", "t1")));
    assert_eq!(inbox.resolve(&k("!r", "$root")), k("!r", "t1"));
    // Someone else's thread is known by its event id.
    inbox.apply([Incoming::Root {
        room_id: "!r".into(),
        message: Message {
            txn_id: Some("t2".into()),
            ..msg("$other", "@b:x", 6, "Lobby")
        },
        info: ThreadInfo::default(),
    }]);
    assert!(inbox
        .thread(&k("!r", "$other"))
        .is_some_and(|t| t.key() == k("!r", "$other")));
    // Replies and receipts by event id land in it, and say which thread they touched.
    let touched = inbox.apply([
        reply("!r", "$root", "$a", "@b:x", 7, "I can"),
        receipt("!r", "@b:x", "$a"),
    ]);
    assert_eq!(touched, Touched::one(k("!r", "t1")));
    assert_eq!(inbox.thread(&k("!r", "t1")).unwrap().messages.len(), 2);
    assert!(inbox
        .apply([Incoming::Name {
            user_id: "@b:x".into(),
            name: "Bea".into()
        }])
        .is_all());
    // Kept and restored, it is still one thread under one key.
    let restored = Inbox::from_snapshot(inbox.snapshot(10, 10));
    assert_eq!(restored.resolve(&k("!r", "$root")), k("!r", "t1"));
    assert_eq!(restored.thread(&k("!r", "$root")).unwrap().messages.len(), 2);
}

/// A thread root from dana addressed to `roles`.
fn addressed(room: &str, id: &str, ts: u64, topic: &str, urgent: bool, roles: &[&str]) -> Incoming {
    let Incoming::Root {
        room_id,
        message,
        mut info,
    } = root(room, id, "@dana:x", ts, topic, None, urgent)
    else {
        unreachable!()
    };
    info.to_roles = roles.iter().map(|r| (*r).to_owned()).collect();
    Incoming::Root { room_id, message, info }
}

fn for_me(room: Option<&str>) -> Filter {
    Filter {
        view: View::ForMe,
        room_id: room.map(str::to_owned),
        my_roles: vec!["clinician".into()],
        ..Filter::default()
    }
}

#[test]
fn for_me_gathers_what_needs_me_across_categories_urgent_unacknowledged_first() {
    let mut inbox = sample();
    inbox.apply([
        addressed("!sched", "$u", 60, "Lobby now", true, &["clinician"]),
        addressed("!sched", "$n", 70, "Sara's new slot", false, &["clinician"]),
        addressed("!bill", "$b", 80, "Codes", false, &["billing"]),
        // A thread I take part in gets a reply I have not read.
        reply("!clin", "$c", "$c1", ME, 85, "Noted"),
        reply("!clin", "$c", "$c2", "@priya:x", 95, "Thanks"),
    ]);
    assert_eq!(
        titles(&inbox, &for_me(None)),
        [
            // Urgent and unacknowledged first, newest first: for my role, mine, another role's.
            "Lobby now",
            "Friday coverage needed",
            "Sara M. – Authorization renewal pending",
            // Then by activity: the reply I have not read, the thread addressed to my role.
            "Sara M. – Home program update",
            "Sara's new slot",
        ]
    );
    inbox.apply([receipt("!clin", ME, "$c2")]);
    assert!(!titles(&inbox, &for_me(None)).contains(&"Sara M. – Home program update".to_owned()));
    inbox.apply([Incoming::InThread {
        room_id: "!sched".into(),
        root_id: "$n".into(),
        message: Message {
            body: Body::Update {
                status: Some(Status::Resolved),
                priority: None,
            },
            ..msg("$n2", "@dana:x", 100, "")
        },
    }]);
    assert!(
        !titles(&inbox, &for_me(None)).contains(&"Sara's new slot".to_owned()),
        "resolved work addressed to me leaves For me"
    );
}

#[test]
fn a_category_filter_says_where_the_urgent_work_for_me_is() {
    let mut inbox = sample();
    inbox.apply([
        addressed("!sched", "$u", 60, "Lobby now", true, &["clinician"]),
        addressed("!sched", "$v", 61, "Fire drill", true, &["clinician"]),
        addressed("!bill", "$w", 62, "Urgent for billing", true, &["billing"]),
    ]);
    let in_clinical = for_me(Some("!clin"));
    assert!(!titles(&inbox, &in_clinical).contains(&"Lobby now".to_owned()));
    let elsewhere = inbox.urgent_for_me_elsewhere(&in_clinical);
    assert_eq!(elsewhere.into_iter().collect::<Vec<_>>(), [("!sched".to_owned(), 2)]);
    assert!(inbox.urgent_for_me_elsewhere(&for_me(Some("!sched"))).is_empty());
    assert!(inbox.urgent_for_me_elsewhere(&for_me(None)).is_empty());

    let counts = inbox.category_counts();
    assert_eq!(counts["!sched"], CategoryCounts { unread: 3, urgent: 2 });
    assert_eq!(counts["!bill"].urgent, 1);
}

#[test]
fn a_patient_linked_later_becomes_the_threads_patient_and_the_newest_link_wins() {
    let mut inbox = Inbox::new(ME);
    let linked = |id: &str, ts: u64, display: &str, record: &str| Incoming::InThread {
        room_id: "!r".into(),
        root_id: "$t".into(),
        message: Message {
            body: Body::PatientLinked(Patient {
                display: display.into(),
                id: Some(record.into()),
            }),
            ..msg(id, "@dana:x", ts, "")
        },
    };
    inbox.apply([root("!r", "$t", "@priya:x", 10, "Friday coverage", None, false)]);
    inbox.apply([linked("$l2", 30, "Sara M.", "Patient/sara-me")]);
    let thread = inbox.thread(&k("!r", "$t")).unwrap();
    assert_eq!(thread.info.title(), "Sara M. – Friday coverage");
    assert_eq!(
        thread.info.patient.as_ref().unwrap().id.as_deref(),
        Some("Patient/sara-me")
    );
    // An older link loaded later (a page of history) does not undo the newer one.
    inbox.apply([linked("$l1", 20, "Maya R.", "Patient/maya-r")]);
    let thread = inbox.thread(&k("!r", "$t")).unwrap();
    assert_eq!(
        thread.info.patient.as_ref().unwrap().id.as_deref(),
        Some("Patient/sara-me")
    );
    // Found by the patient's name, grouped with their threads.
    let filter = Filter {
        search: "sara".into(),
        ..Filter::default()
    };
    assert_eq!(titles(&inbox, &filter), ["Sara M. – Friday coverage"]);
}

#[test]
fn a_patients_threads_are_found_by_their_record_most_recent_first() {
    let mut inbox = Inbox::new(ME);
    let about = |id: &str, ts: u64, record: Option<&str>| Incoming::Root {
        room_id: "!sched".into(),
        message: msg(id, "@dana:x", ts, "first"),
        info: ThreadInfo {
            topic: id.into(),
            patient: Some(Patient {
                display: "Sara M.".into(),
                id: record.map(str::to_owned),
            }),
            priority: Priority::Routine,
            to_roles: Vec::new(),
            category: None,
            from_ehr: None,
        },
    };
    inbox.apply([
        about("$old", 10, Some("Patient/sara-m")),
        about("$new", 20, Some("Patient/sara-m")),
        about("$namesake", 30, Some("Patient/sara-me")),
        about("$no-record", 40, None),
    ]);
    let ids: Vec<&str> = inbox
        .about_patient("Patient/sara-m")
        .iter()
        .map(|t| t.root_id.as_str())
        .collect();
    assert_eq!(ids, ["$new", "$old"], "by record, not by the name two patients share");
    assert!(inbox.about_patient("Patient/unknown").is_empty());
}

#[test]
fn direct_conversations_are_for_their_people_and_have_their_own_filter() {
    let mut inbox = sample();
    let members = vec![ME.to_owned(), "@jordan:x".to_owned()];
    inbox.apply([
        Incoming::Conversation {
            room_id: "!dm".into(),
            members: members.clone(),
        },
        root("!dm", "$d", "@jordan:x", 90, "Friday coverage", None, false),
        root("!dm", "$e", "@jordan:x", 91, "Can you swap", None, true),
    ]);
    // Addressed to me by being in it: in For me, the urgent one first.
    let found = titles(&inbox, &for_me(None));
    assert_eq!(found[0], "Can you swap");
    assert!(found.contains(&"Friday coverage".to_owned()));
    assert_eq!(
        titles(&inbox, &for_me(Some(DIRECT))),
        ["Can you swap", "Friday coverage"]
    );
    assert_eq!(inbox.category_counts()[DIRECT], CategoryCounts { unread: 2, urgent: 1 });
    let in_clinical = inbox.urgent_for_me_elsewhere(&for_me(Some("!clin")));
    assert_eq!(in_clinical.get(DIRECT), Some(&1));

    // Found again by its people, whatever their order; kept with the inbox on the device.
    assert_eq!(inbox.conversation_with(&["@jordan:x".to_owned()]), Some("!dm"));
    assert_eq!(
        inbox.conversation_with(&["@jordan:x".to_owned(), ME.to_owned()]),
        Some("!dm")
    );
    assert_eq!(inbox.conversation_with(&["@dana:x".to_owned()]), None);
    let kept = Inbox::from_snapshot(inbox.snapshot(100, 10));
    assert_eq!(kept.conversation("!dm"), Some(members.as_slice()));

    inbox.apply([Incoming::RoomGone { room_id: "!dm".into() }]);
    assert_eq!(inbox.conversation("!dm"), None);
    assert!(titles(&inbox, &for_me(Some(DIRECT))).is_empty());
}
