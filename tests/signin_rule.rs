//! Where staff sign in through the clinic's identity provider, a Matrix password is not a second
//! way in (#24 §2, deploy/synapse/rounds_signin.py on the test homeserver): an account linked to
//! the provider is refused a password login, accounts without a clinic identity (services,
//! break-glass) keep theirs, and provisioning acts for linked accounts without a password.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{homeserver, new_user, run, shared_secret, unique, PASSWORD};
use rounds::api::{Client, Error, NativeTransport};
use rounds::session::SignInError;

/// A server admin, as provisioning uses one to link accounts.
fn server_admin() -> Client<NativeTransport> {
    let name = unique("provisioner");
    let client = Client::new(NativeTransport::default(), &homeserver());
    let session = run(client.register_server_admin(&shared_secret(), &name, PASSWORD)).unwrap();
    client.with_session(session)
}

fn localpart(user_id: &str) -> &str {
    user_id.trim_start_matches('@').split(':').next().unwrap()
}

fn password_login(user: &str) -> Result<(), Error> {
    let mut client = Client::new(NativeTransport::default(), &homeserver());
    run(client.login(user, PASSWORD, None)).map(|_| ())
}

#[test]
fn an_account_linked_to_the_provider_is_refused_a_password_login_in_staff_words() {
    let staff = new_user("linked");
    let user_id = staff.user_id().unwrap().to_owned();
    assert!(
        password_login(localpart(&user_id)).is_ok(),
        "before linking, the password works"
    );

    let admin = server_admin();
    run(admin.link_to_provider(&user_id, "oidc-rounds", &unique("subject"))).unwrap();
    let refused = password_login(localpart(&user_id)).unwrap_err();
    match &refused {
        Error::Server(e) => {
            assert_eq!((e.status, e.errcode.as_str()), (403, "M_FORBIDDEN"));
            assert_eq!(e.refusal.as_deref(), Some("single_sign_on_only"));
        }
        other => panic!("expected the homeserver's refusal, got {other:?}"),
    }
    let said = SignInError::Login {
        error: refused,
        homeserver: homeserver(),
    }
    .to_string();
    assert!(said.contains("clinic's sign-in page"), "{said}");
    assert!(!said.contains("M_") && !said.contains("403"), "{said}");

    // Provisioning still acts for the account, without its password.
    let acting = run(admin.login_as(&user_id)).unwrap();
    let acting = Client::new(NativeTransport::default(), &homeserver()).with_session(acting);
    assert_eq!(run(acting.whoami()).unwrap().user_id, user_id);
}

#[test]
fn a_wrong_password_still_reads_as_one_and_unlinked_service_accounts_keep_their_passwords() {
    let service = new_user("escalation");
    let user_id = service.user_id().unwrap().to_owned();
    assert!(password_login(localpart(&user_id)).is_ok());
    // Linked to another provider than the clinic's: not the clinic's identity.
    run(server_admin().link_to_provider(&user_id, "oidc-elsewhere", "someone")).unwrap();
    assert!(password_login(localpart(&user_id)).is_ok());

    let mut client = Client::new(NativeTransport::default(), &homeserver());
    let wrong = run(client.login(localpart(&user_id), "not the password", None)).unwrap_err();
    let said = SignInError::Login {
        error: wrong,
        homeserver: homeserver(),
    }
    .to_string();
    assert_eq!(said, "Wrong username or password.");
}
