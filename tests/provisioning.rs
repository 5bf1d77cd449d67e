//! Clinic provisioning against a real Synapse: the server, not the UI, enforces who sees what.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{clinic, new_user, run, staff_member, TestClient};
use rounds::api::rounds::{staff_state_key, CLINIC_STATE, RETRACTION_STATE, STAFF_STATE};
use rounds::domain::clinic::roles::{CLINICIAN, FRONT_DESK};
use rounds::domain::ClinicPolicy;
use rounds::provision;
use serde_json::Value;

fn state(client: &TestClient, room: &str, kind: &str, key: &str) -> Value {
    run(client.state::<Value>(room, kind, key))
        .unwrap()
        .unwrap_or_else(|| panic!("{kind} missing in {room}"))
}

#[test]
fn clinic_is_created_as_designed() {
    let admin = new_user("admin");
    let (_, clinic) = clinic(&admin);
    let stored: ClinicPolicy = serde_json::from_value(state(&admin, &clinic.space, CLINIC_STATE, "")).unwrap();
    assert_eq!(stored, clinic.policy);
    let create = state(&admin, &clinic.space, "m.room.create", "");
    assert_eq!(create["type"], "m.space");
    assert_eq!(create["room_version"], "10");

    for role in &clinic.policy.roles {
        let space = role.space.as_deref().unwrap();
        assert_eq!(state(&admin, space, "m.room.create", "")["type"], "m.space");
        assert_eq!(state(&admin, space, "m.room.join_rules", "")["join_rule"], "invite");
    }
    for category in &clinic.policy.categories {
        let room = category.room.as_deref().unwrap();
        let rule = state(&admin, room, "m.room.join_rules", "");
        assert_eq!(rule["join_rule"], "restricted");
        let allowed: Vec<&str> = rule["allow"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["room_id"].as_str().unwrap())
            .collect();
        let expected: Vec<&str> = category
            .roles
            .iter()
            .map(|r| clinic.policy.role(r).unwrap().space.as_deref().unwrap())
            .collect();
        assert_eq!(allowed, expected, "{}", category.id);
        assert_eq!(
            state(&admin, room, "m.room.guest_access", "")["guest_access"],
            "forbidden"
        );
        assert_eq!(
            state(&admin, room, "m.room.history_visibility", "")["history_visibility"],
            "shared"
        );
        let pl = state(&admin, room, "m.room.power_levels", "");
        for key in ["invite", "kick", "ban", "redact", "state_default"] {
            assert_eq!(pl[key], 100, "{key} in {}", category.id);
        }
        assert_eq!(pl["events_default"], 0);
        // Members may retract their own messages (within the window the homeserver enforces).
        assert_eq!(pl["events"]["m.room.redaction"], 0);
        assert_eq!(
            state(&admin, room, RETRACTION_STATE, "")["window_minutes"],
            clinic.policy.retraction_window_minutes
        );
        assert_eq!(pl["users"][admin.user_id().unwrap()], 100);
        let parent = state(&admin, room, "m.space.parent", &clinic.space);
        assert_eq!(parent["canonical"], true);
        // No patient details can leak through the room name: it is the clinic and category.
        assert_eq!(
            state(&admin, room, "m.room.name", "")["name"],
            format!("Test Clinic · {}", category.label)
        );
        state(&admin, &clinic.space, "m.space.child", room);
    }
}

#[test]
fn server_refuses_front_desk_in_clinical_and_admits_clinician() {
    let admin = new_user("admin");
    let (prefix, clinic) = clinic(&admin);
    let clinical = clinic.policy.category("clinical").unwrap().room.clone().unwrap();
    let scheduling = clinic.policy.category("scheduling").unwrap().room.clone().unwrap();

    let desk = staff_member(&admin, &clinic, &prefix, FRONT_DESK);
    let err = run(desk.join(&clinical, &[])).unwrap_err();
    assert_eq!(err.status(), Some(403), "{err:?}");
    let joined = run(desk.joined_rooms()).unwrap();
    assert!(joined.contains(&scheduling));
    assert!(!joined.contains(&clinical));
    let view = run(provision::enter_clinic(&desk, &prefix))
        .unwrap()
        .view(desk.user_id().unwrap());
    let ids: Vec<&str> = view.categories.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["scheduling", "authorization", "referral", "staffing"]);
    let roles: Vec<&str> = view.roles.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(roles, [FRONT_DESK]);

    let clinician = staff_member(&admin, &clinic, &prefix, CLINICIAN);
    assert!(run(clinician.joined_rooms()).unwrap().contains(&clinical));
    run(clinician.join(&clinical, &[])).expect("a clinician may join clinical");
}

#[test]
fn a_role_for_an_account_that_does_not_exist_is_refused_and_nobody_is_listed() {
    let admin = new_user("admin");
    let (_, clinic) = clinic(&admin);
    let typo = format!(
        "@{}:{}",
        common::unique("alxe"),
        provision::server_name(admin.user_id().unwrap())
    );
    let refused = run(provision::add_roles(&admin, &clinic, &typo, &[CLINICIAN.to_owned()])).unwrap_err();
    assert!(refused.to_string().contains("there is no account"), "{refused}");
    let roster = run(provision::roster(&admin, &clinic)).unwrap();
    assert!(roster.iter().all(|e| e.user_id != typo));
}

#[test]
fn removing_a_role_removes_access() {
    let admin = new_user("admin");
    let (prefix, clinic) = clinic(&admin);
    let clinical = clinic.policy.category("clinical").unwrap().room.clone().unwrap();
    let scheduling = clinic.policy.category("scheduling").unwrap().room.clone().unwrap();
    let user = staff_member(&admin, &clinic, &prefix, CLINICIAN);
    run(provision::add_roles(
        &admin,
        &clinic,
        user.user_id().unwrap(),
        &[FRONT_DESK.to_owned()],
    ))
    .unwrap();
    run(provision::accept_clinic_invites_and_join(&user, &prefix)).unwrap();

    let report = run(provision::remove_roles(
        &admin,
        &clinic,
        user.user_id().unwrap(),
        &[CLINICIAN.to_owned()],
    ))
    .unwrap();
    assert!(!report.changes.is_empty());
    let joined = run(user.joined_rooms()).unwrap();
    assert!(!joined.contains(&clinical), "kicked from clinical");
    assert!(joined.contains(&scheduling), "front desk still allows scheduling");
    assert_eq!(run(user.join(&clinical, &[])).unwrap_err().status(), Some(403));
    let roster = run(provision::roster(&admin, &clinic)).unwrap();
    let entry = roster.iter().find(|e| e.user_id == user.user_id().unwrap()).unwrap();
    assert_eq!(entry.roles, [FRONT_DESK]);
}

#[test]
fn the_staff_directory_in_the_clinic_space_follows_role_changes() {
    let admin = new_user("admin");
    let (prefix, clinic) = clinic(&admin);
    let member = staff_member(&admin, &clinic, &prefix, CLINICIAN);
    let id = member.user_id().unwrap().to_owned();
    let key = staff_state_key(&id);
    let roles = |reader: &TestClient| state(reader, &clinic.space, STAFF_STATE, &key)["roles"].clone();
    // Any member can read it (the role spaces themselves are invite-only).
    assert_eq!(roles(&member), serde_json::json!([CLINICIAN]));
    run(provision::add_roles(&admin, &clinic, &id, &[FRONT_DESK.to_owned()])).unwrap();
    assert_eq!(roles(&member), serde_json::json!([CLINICIAN, FRONT_DESK]));
    // A member cannot write it: only admins may (power levels of the clinic space).
    let forged = serde_json::json!({"roles": ["admin"]});
    let refused = run(member.put_state(&clinic.space, STAFF_STATE, &key, &forged)).unwrap_err();
    assert_eq!(refused.status(), Some(403));
    let all = [CLINICIAN.to_owned(), FRONT_DESK.to_owned()];
    run(provision::remove_roles(&admin, &clinic, &id, &all)).unwrap();
    assert_eq!(roles(&admin), serde_json::json!([]));
}

#[test]
fn templates_are_set_kept_by_a_second_provisioning_and_refused_when_nonsense() {
    let admin = new_user("admin");
    let (prefix, clinic) = clinic(&admin);
    let templates = vec![
        "Patient has arrived".to_owned(),
        "Authorization approved through {date}".to_owned(),
    ];
    let (clinic, _) = run(provision::set_templates(
        &admin,
        &clinic,
        "scheduling",
        templates.clone(),
    ))
    .unwrap();
    let stored: ClinicPolicy = serde_json::from_value(state(&admin, &clinic.space, CLINIC_STATE, "")).unwrap();
    assert_eq!(stored.category("scheduling").unwrap().templates, templates);
    // Creating the clinic again (as `rounds-admin create-clinic` does) keeps them.
    let (again, _) = run(provision::ensure_clinic(
        &admin,
        &prefix,
        ClinicPolicy::with_defaults("Test Clinic"),
    ))
    .unwrap();
    assert_eq!(again.policy.category("scheduling").unwrap().templates, templates);
    let refused = run(provision::set_templates(
        &admin,
        &again,
        "scheduling",
        vec!["Hi".into(), "Hi".into()],
    ));
    assert!(refused.unwrap_err().to_string().contains("'Hi' is there twice"));
    let refused = run(provision::set_templates(&admin, &again, "nowhere", vec![]));
    assert!(refused.unwrap_err().to_string().contains("no category 'nowhere'"));
}

#[test]
fn provisioning_twice_changes_nothing() {
    let admin = new_user("admin");
    let (prefix, clinic) = clinic(&admin);
    let (again, report) = run(provision::ensure_clinic(
        &admin,
        &prefix,
        ClinicPolicy::with_defaults("Test Clinic"),
    ))
    .unwrap();
    assert_eq!(report.changes, Vec::<String>::new());
    assert_eq!(again, clinic);
    let user = staff_member(&admin, &clinic, &prefix, CLINICIAN);
    let report = run(provision::add_roles(
        &admin,
        &clinic,
        user.user_id().unwrap(),
        &[CLINICIAN.to_owned()],
    ))
    .unwrap();
    assert!(report.changes.is_empty());
    let (_, report) = run(provision::accept_clinic_invites_and_join(&user, &prefix)).unwrap();
    assert_eq!(report.changes, Vec::<String>::new());
}

#[test]
fn a_user_without_a_role_cannot_enter_the_clinic() {
    let admin = new_user("admin");
    let (prefix, clinic) = clinic(&admin);
    let stranger = new_user("stranger");
    let err = run(provision::accept_clinic_invites_and_join(&stranger, &prefix)).unwrap_err();
    assert!(matches!(err, provision::ProvisionError::NotFound(_)), "{err}");
    assert_eq!(run(stranger.join(&clinic.space, &[])).unwrap_err().status(), Some(403));
}

#[test]
fn every_role_change_is_recorded_with_who_made_it_and_members_cannot_add_to_the_record() {
    use rounds::domain::RoleChangeKind::{Given, Taken};
    let admin = new_user("admin");
    let (prefix, clinic) = clinic(&admin);
    let member = staff_member(&admin, &clinic, &prefix, CLINICIAN);
    let id = member.user_id().unwrap().to_owned();
    let admin_id = admin.user_id().unwrap().to_owned();
    run(provision::add_roles(&admin, &clinic, &id, &[FRONT_DESK.to_owned()])).unwrap();
    run(provision::remove_roles(&admin, &clinic, &id, &[FRONT_DESK.to_owned()])).unwrap();

    let record = |reader: &TestClient| {
        run(provision::role_history(reader, &clinic))
            .unwrap()
            .changes
            .into_iter()
            .filter(|c| c.person == id)
            .map(|c| (c.by, c.role, c.kind))
            .collect::<Vec<_>>()
    };
    let expected = vec![
        (admin_id.clone(), FRONT_DESK.to_owned(), Taken),
        (admin_id.clone(), FRONT_DESK.to_owned(), Given),
        (admin_id.clone(), CLINICIAN.to_owned(), Given),
    ];
    assert_eq!(record(&admin), expected, "newest first, each signed by the admin");
    let names = run(provision::role_history(&admin, &clinic)).unwrap().names;
    assert!(names.contains_key(&id), "the record names the people in it: {names:?}");

    // The attacker's side: a member of the Clinician space tries to give the role to a
    // colleague and to take it from someone; the homeserver refuses both, and the record is
    // what the admin did, nothing more.
    let space = clinic.policy.role(CLINICIAN).unwrap().space.clone().unwrap();
    let colleague = new_user("colleague");
    let refused = run(member.invite(&space, colleague.user_id().unwrap())).unwrap_err();
    assert_eq!(refused.status(), Some(403));
    let refused = run(member.kick(&space, &admin_id, "taking over")).unwrap_err();
    assert_eq!(refused.status(), Some(403));
    assert_eq!(record(&admin), expected);

    // Someone outside the role spaces cannot read the record at all.
    let outsider = new_user("outsider");
    assert!(run(provision::role_history(&outsider, &clinic)).is_err());
}
