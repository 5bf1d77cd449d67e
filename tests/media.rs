//! Attachments against a real Synapse with Rounds' modules: authenticated upload and download,
//! the homeserver's own size and type limits (by the bytes, not what an upload declares), a
//! file belonging to the first message that named it, and a retracted message taking its file
//! with it.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{clinic, run, staff_member, unique, TestClient};
use rounds::api::rounds::{file_reply_content, with_media_url};
use rounds::api::{Client, MediaId, NativeTransport, ThumbnailSize, UploadWatch};
use rounds::domain::clinic::roles::CLINICIAN;
use rounds::domain::Body;
use rounds::sync::convert;
use serde_json::json;

/// A 4×4 PNG: small, but a picture the homeserver can scale.
const PNG: [u8; 73] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x04, 0x00, 0x00, 0x00, 0x04, 0x08, 0x02, 0x00, 0x00, 0x00, 0x26, 0x93, 0x09, 0x29, 0x00, 0x00, 0x00, 0x10, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x50, 0x68, 0x38, 0x00, 0x47, 0x0c, 0xc4, 0x71, 0x00, 0x32, 0x52, 0x16, 0x01,
    0xe7, 0x60, 0xbc, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A clinic's Clinical room with two clinicians in it: (room, dana, priya).
fn clinical_room() -> (String, TestClient, TestClient) {
    let admin = common::new_user("admin");
    let (prefix, clinic) = clinic(&admin);
    let room = clinic.policy.category("clinical").unwrap().room.clone().unwrap();
    let dana = staff_member(&admin, &clinic, &prefix, CLINICIAN);
    let priya = staff_member(&admin, &clinic, &prefix, CLINICIAN);
    (room, dana, priya)
}

/// Uploads `data` as `user`; its `mxc://` address.
fn upload(user: &TestClient, content_type: &str, name: &str, data: &[u8]) -> Result<String, rounds::api::Error> {
    run(user.upload_media(content_type, name, data.to_vec().into(), &UploadWatch::default()))
}

/// `user` posts the file at `uri` as a reply in a new thread of `room`; the reply's event id.
fn post_file(user: &TestClient, room: &str, uri: &str, name: &str, content_type: &str, size: u64) -> String {
    let text = json!({"msgtype": "m.text", "body": "Attached below"});
    let root = run(user.send_event(room, "m.room.message", &unique("txn"), &text)).unwrap();
    let mut content = file_reply_content(&root, &root, name, content_type, size);
    with_media_url(&mut content, uri);
    run(user.send_event(room, "m.room.message", &unique("txn"), &content)).unwrap()
}

/// The status a download answers once it fails (within a few seconds), `None` if it still reads.
fn until_gone(user: &TestClient, media: &MediaId) -> Option<u16> {
    for _ in 0..50 {
        if let Err(e) = run(user.download_media(media)) {
            return e.status();
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    None
}

#[test]
fn a_photo_is_uploaded_read_with_a_token_only_and_retracted_with_its_message() {
    let (room, dana, priya) = clinical_room();
    let uri = upload(&dana, "image/png", "card.png", &PNG).unwrap();
    let media = MediaId::parse(&uri).expect("an mxc:// URI");

    // Another member reads it, and its thumbnail; without a token, nobody does.
    assert_eq!(run(priya.download_media(&media)).unwrap(), PNG);
    let size = ThumbnailSize {
        width: 320,
        height: 240,
    };
    assert!(!run(priya.thumbnail(&media, size)).unwrap().is_empty());
    let anonymous = Client::new(NativeTransport::default(), &common::homeserver());
    assert_eq!(run(anonymous.download_media(&media)).unwrap_err().status(), Some(401));

    // Sent in a thread, it reads as an attachment.
    let id = post_file(&dana, &room, &uri, "card.png", "image/png", PNG.len() as u64);
    let event = run(priya.event(&room, &id)).unwrap();
    let Some(rounds::domain::Incoming::InThread { message, .. }) = convert::timeline_event(&room, &event) else {
        panic!("not a reply: {event:?}")
    };
    let Body::Attachment(file) = message.body else {
        panic!("not an attachment: {:?}", message.body)
    };
    assert_eq!(
        (
            file.name.as_str(),
            file.content_type.as_str(),
            file.size,
            file.url.as_str()
        ),
        ("card.png", "image/png", 73, uri.as_str())
    );

    // The same photo, uploaded by someone else too, is a file of its own.
    let other = upload(&priya, "image/png", "card.png", &PNG).unwrap();

    // Retracted: the message's content goes, and the homeserver no longer serves the file (the
    // module removes it once the retraction is stored).
    run(dana.redact(&room, &id, &unique("txn"), &json!({ "reason": "Wrong patient" }))).unwrap();
    assert_eq!(until_gone(&priya, &media), Some(404));
    assert_eq!(run(dana.download_media(&media)).unwrap_err().status(), Some(404));
    // … and nothing else: the other copy, and the same photo sent again where it belongs, read.
    assert_eq!(run(dana.download_media(&MediaId::parse(&other).unwrap())).unwrap(), PNG);
    let again = upload(&dana, "image/png", "card.png", &PNG).unwrap();
    assert_eq!(
        run(priya.download_media(&MediaId::parse(&again).unwrap())).unwrap(),
        PNG
    );
}

#[test]
fn a_message_naming_someone_elses_file_removes_nothing_when_retracted() {
    let (room, dana, priya) = clinical_room();
    let uri = upload(&dana, "image/png", "card.png", &PNG).unwrap();
    // Priya posts Dana's file (as a forward would) and retracts her own message.
    let forwarded = post_file(&priya, &room, &uri, "card.png", "image/png", 73);
    run(priya.redact(&room, &forwarded, &unique("txn"), &json!({ "reason": "Not needed" }))).unwrap();
    // The module acts within milliseconds of the retraction (see the test above): give it time.
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_eq!(run(dana.download_media(&MediaId::parse(&uri).unwrap())).unwrap(), PNG);
}

#[test]
fn a_file_is_not_removed_by_a_retraction_that_does_not_apply() {
    let (room, dana, priya) = clinical_room();
    let uri = upload(&dana, "application/pdf", "letter.pdf", b"%PDF-1.4 letter").unwrap();
    let id = post_file(&dana, &room, &uri, "letter.pdf", "application/pdf", 15);
    // Priya may not retract Dana's message: refused, and the file stays.
    let refused = run(priya.redact(&room, &id, &unique("txn"), &json!({}))).unwrap_err();
    assert_eq!(refused.status(), Some(403));
    assert!(run(priya.download_media(&MediaId::parse(&uri).unwrap())).is_ok());
}

#[test]
fn the_homeserver_refuses_a_file_over_its_upload_limit() {
    let dana = common::new_user("dana");
    let refused = upload(&dana, "application/pdf", "scan.pdf", &vec![0u8; 10 * 1024 * 1024 + 1]).unwrap_err();
    assert_eq!((refused.status(), refused.errcode()), (Some(413), Some("M_TOO_LARGE")));
}

#[test]
fn the_homeserver_refuses_a_file_of_a_type_the_clinic_does_not_accept() {
    let dana = common::new_user("dana");
    // Named and sent as a PDF, but not one by its bytes (any client could send it).
    let refused = upload(
        &dana,
        "application/pdf",
        "run.pdf",
        b"MZ\x90\0 a program, not a document",
    )
    .unwrap_err();
    assert_eq!(refused.status(), Some(400));
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    assert_eq!(
        upload(&dana, "image/png", "card.png", svg).unwrap_err().status(),
        Some(400)
    );
    // Each accepted type goes through.
    for (content_type, bytes) in [
        ("image/png", PNG.to_vec()),
        ("image/jpeg", b"\xff\xd8\xff\xe0 jpeg".to_vec()),
        ("image/gif", b"GIF89a gif".to_vec()),
        ("image/webp", b"RIFF\x10\0\0\0WEBPVP8 ".to_vec()),
        ("application/pdf", b"%PDF-1.4 letter".to_vec()),
    ] {
        assert!(upload(&dana, content_type, "file", &bytes).is_ok(), "{content_type}");
    }
}

#[test]
fn a_file_belongs_to_the_first_message_that_named_it() {
    let (room, dana, priya) = clinical_room();
    let uri = upload(&dana, "image/png", "card.png", &PNG).unwrap();
    let id = post_file(&dana, &room, &uri, "card.png", "image/png", 73);
    // Nobody names it again — not another member, not its sender — so no copy can take it over
    // or, retracted, take it away.
    let again = |user: &TestClient| {
        let copy = json!({"msgtype": "m.image", "body": "card.png", "url": uri, "info": {"mimetype": "image/png"}});
        run(user.send_event(&room, "m.room.message", &unique("txn"), &copy)).unwrap_err()
    };
    for user in [&priya, &dana] {
        let refused = again(user);
        assert_eq!((refused.status(), refused.errcode()), (Some(403), Some("M_FORBIDDEN")));
    }
    // An edit of the message it belongs to may keep naming it.
    let file = json!({"msgtype": "m.image", "body": "card (front).png", "url": uri});
    let edit = json!({
        "msgtype": "m.image", "body": "* card (front).png", "url": uri,
        "m.new_content": file, "m.relates_to": {"rel_type": "m.replace", "event_id": id},
    });
    run(dana.send_event(&room, "m.room.message", &unique("txn"), &edit)).unwrap();
    // Retracting the message it belongs to still takes it away.
    run(dana.redact(&room, &id, &unique("txn"), &json!({}))).unwrap();
    assert_eq!(until_gone(&priya, &MediaId::parse(&uri).unwrap()), Some(404));
}

#[test]
fn a_file_that_is_also_a_web_page_or_declared_as_another_type_is_refused() {
    let (room, dana, _) = clinical_room();
    // A PDF header followed by a page a browser would render: refused at upload.
    let polyglot = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>";
    for declared in ["application/pdf", "text/html"] {
        let refused = upload(&dana, declared, "letter.pdf", polyglot).unwrap_err();
        assert_eq!(refused.status(), Some(400), "{declared}");
    }
    // A real PDF declared as a web page is stored (Synapse shows modules no declared type at
    // upload), but no message may name it; nor may a message call a PDF a photo.
    let as_html = upload(&dana, "text/html", "letter.html", b"%PDF-1.4 letter").unwrap();
    let mut content = json!({"msgtype": "m.file", "body": "letter.pdf", "url": as_html});
    let refused = run(dana.send_event(&room, "m.room.message", &unique("txn"), &content)).unwrap_err();
    assert_eq!((refused.status(), refused.errcode()), (Some(403), Some("M_FORBIDDEN")));
    let pdf = upload(&dana, "application/pdf", "letter.pdf", b"%PDF-1.4 letter").unwrap();
    content = json!({"msgtype": "m.image", "body": "letter.png", "url": pdf, "info": {"mimetype": "image/png"}});
    let refused = run(dana.send_event(&room, "m.room.message", &unique("txn"), &content)).unwrap_err();
    assert_eq!(refused.status(), Some(403));
    // Said as what it is, it goes.
    content = json!({"msgtype": "m.file", "body": "letter.pdf", "url": pdf, "info": {"mimetype": "application/pdf"}});
    run(dana.send_event(&room, "m.room.message", &unique("txn"), &content)).unwrap();
}
