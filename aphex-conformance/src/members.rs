//! Members, roles and invitations of organizations, and a session's active organization:
//! Better Auth's rules on its organization plugin tables.

use std::time::Duration;

use aphex_core::model::{Capability, InvitationStatus, Session, now};
use aphex_core::ports::AuthStore;
use aphex_core::service::{CreateOrganization, Invite, OrganizationService, capability_for_role};
use aphex_core::{Cms, Error, Scope};

use crate::TestDb;
use crate::fixtures::{auth_id, user};

/// The cases of this module, in order.
pub(crate) fn cases() -> Vec<crate::Case> {
    case_list!(members:
        an_organization_keeps_an_owner,
        concurrent_demotions_keep_an_owner,
        roles_grant_capabilities,
        invitations_are_accepted_only_by_the_invitee_in_time,
        a_session_acts_in_its_active_organization,
        unstorable_input_is_refused_before_the_database,
    )
}

/// A stored user; returns its id.
async fn person(db: &TestDb, name: &str) -> String {
    let u = user(name, &format!("{name}@example.com"));
    db.adapter.insert_user(&u).await.expect("user");
    u.id
}

/// A new organization with `owner` as its owner; returns its id.
async fn owned_by(cms: &Cms, slug: &str, owner: &str) -> String {
    let org = cms
        .organizations()
        .create(CreateOrganization::new(slug, slug).owner(owner))
        .await
        .expect("organization");
    org.id
}

fn is_validation<T: std::fmt::Debug>(result: aphex_core::Result<T>, what: &str) {
    assert!(
        matches!(result, Err(Error::Validation(_))),
        "{what}: {result:?}"
    );
}

fn is_forbidden<T: std::fmt::Debug>(result: aphex_core::Result<T>, what: &str) {
    assert!(
        matches!(result, Err(Error::Forbidden { .. })),
        "{what}: {result:?}"
    );
}

async fn roles_of(orgs: &OrganizationService, org: &str) -> Vec<(String, String)> {
    orgs.members(org)
        .await
        .expect("members")
        .into_iter()
        .map(|m| (m.user_id, m.role))
        .collect()
}

/// Members are added once, with known roles; the last owner can be neither removed nor
/// demoted, another owner can.
pub async fn an_organization_keeps_an_owner(db: &TestDb) {
    let cms = db.cms().await;
    let orgs = cms.organizations();
    let (ada, bob) = (person(db, "ada").await, person(db, "bob").await);
    let org = owned_by(&cms, "keep", &ada).await;
    orgs.add_member(&org, &bob, "member").await.expect("bob");
    assert!(matches!(
        orgs.add_member(&org, &bob, "admin").await,
        Err(Error::Conflict { .. })
    ));
    is_validation(orgs.add_member(&org, &ada, "wizard").await, "unknown role");
    assert!(matches!(
        orgs.add_member(&org, "no-such-user", "member").await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(
        orgs.memberships(&bob)
            .await
            .expect("memberships")
            .iter()
            .map(|m| m.organization_id.as_str())
            .collect::<Vec<_>>(),
        [org.as_str()]
    );

    is_validation(
        orgs.set_member_role(&org, &ada, "admin").await,
        "demote the last owner",
    );
    is_validation(
        orgs.remove_member(&org, &ada).await,
        "remove the last owner",
    );
    orgs.set_member_role(&org, &bob, "admin,owner")
        .await
        .expect("a second owner");
    orgs.set_member_role(&org, &ada, "admin")
        .await
        .expect("now ada may step down");
    is_validation(
        orgs.remove_member(&org, &bob).await,
        "bob is the last owner now",
    );
    orgs.remove_member(&org, &ada).await.expect("remove ada");
    assert_eq!(
        roles_of(orgs, &org).await,
        [(bob.clone(), "admin,owner".to_owned())]
    );
    assert!(matches!(
        orgs.remove_member(&org, &ada).await,
        Err(Error::NotFound { .. })
    ));
}

/// Two owners demoting each other at the same moment: one wins, the other is refused, on a
/// backend with transactions (the organization's row serialises membership changes). Without
/// transactions (a standalone MongoDB) the rule is checked but not serialised: there both can
/// win — the declared difference (docs/organizations.md), so only the other backends run it.
pub async fn concurrent_demotions_keep_an_owner(db: &TestDb) {
    if !db.adapter.capabilities().transactions {
        return;
    }
    let cms = db.cms().await;
    let orgs = cms.organizations();
    for round in 0..10 {
        let (ada, bob) = (
            person(db, &format!("ada{round}")).await,
            person(db, &format!("bob{round}")).await,
        );
        let org = owned_by(&cms, &format!("race{round}"), &ada).await;
        orgs.add_member(&org, &bob, "owner").await.expect("bob");
        let (a, b) = tokio::join!(
            orgs.set_member_role(&org, &ada, "member"),
            orgs.set_member_role(&org, &bob, "member"),
        );
        assert!(
            a.is_ok() != b.is_ok(),
            "exactly one demotion wins: {a:?} / {b:?}"
        );
        let owners = orgs
            .members(&org)
            .await
            .expect("members")
            .iter()
            .filter(|m| m.is_owner())
            .count();
        assert_eq!(owners, 1, "round {round}");
    }
}

/// Built-in roles map to fixed capabilities; a custom role (Better Auth's `organization_role`)
/// grants what its permission lists; a member's roles add up; a role in use cannot go.
pub async fn roles_grant_capabilities(db: &TestDb) {
    let cms = db.cms().await;
    let orgs = cms.organizations();
    let (ada, bob, eve) = (
        person(db, "ada").await,
        person(db, "bob").await,
        person(db, "eve").await,
    );
    let org = owned_by(&cms, "roles", &ada).await;
    let reviewer = orgs
        .create_role(
            &org,
            "reviewer",
            &[Capability::Read, Capability::PublishDocuments],
        )
        .await
        .expect("custom role");
    let permission: serde_json::Value =
        serde_json::from_str(&reviewer.permission).expect("permission JSON");
    assert_eq!(
        permission,
        serde_json::json!({"cms": ["publish_documents", "read"]}),
        "Better Auth's statement form"
    );
    is_validation(orgs.create_role(&org, "reviewer", &[]).await, "taken");
    is_validation(orgs.create_role(&org, "admin", &[]).await, "built in");
    orgs.add_member(&org, &bob, "member,reviewer")
        .await
        .expect("two roles");

    let caps = |user: String| {
        let orgs = orgs.clone();
        let org = org.clone();
        async move { orgs.capabilities(&org, &user).await.expect("capabilities") }
    };
    assert_eq!(
        caps(ada.clone()).await.len(),
        Capability::ALL.len(),
        "an owner has all"
    );
    assert_eq!(
        caps(bob.clone()).await.into_iter().collect::<Vec<_>>(),
        [
            Capability::Read,
            Capability::WriteDocuments,
            Capability::PublishDocuments,
            Capability::ManageAssets,
        ],
        "member plus reviewer"
    );
    assert!(caps(eve.clone()).await.is_empty(), "not a member: nothing");
    orgs.require(&org, &bob, Capability::PublishDocuments)
        .await
        .expect("bob may publish");
    is_forbidden(
        orgs.require(&org, &bob, Capability::ManageMembers).await,
        "bob may not manage members",
    );
    is_validation(orgs.delete_role(&org, "reviewer").await, "in use");
    orgs.set_member_role(&org, &bob, "member")
        .await
        .expect("drop the custom role");
    orgs.delete_role(&org, "reviewer")
        .await
        .expect("unused now");
    assert!(orgs.roles(&org).await.expect("roles").is_empty());
}

/// An invitation is accepted only by a user with the invited email, only while pending and
/// before it expires; it can be rejected by the invitee and canceled by the organization.
pub async fn invitations_are_accepted_only_by_the_invitee_in_time(db: &TestDb) {
    let cms = db.cms().await;
    let orgs = cms.organizations();
    let (ada, bob, eve) = (
        person(db, "ada").await,
        person(db, "bob").await,
        person(db, "eve").await,
    );
    let org = owned_by(&cms, "invites", &ada).await;

    let invitation = orgs
        .invite(&org, &ada, Invite::new("Bob@Example.com").role("admin"))
        .await
        .expect("invite");
    assert_eq!(invitation.email, "bob@example.com");
    assert_eq!(invitation.status, InvitationStatus::Pending);
    is_forbidden(
        orgs.invite(&org, &eve, Invite::new("x@example.com")).await,
        "eve is no member",
    );
    is_forbidden(
        orgs.accept_invitation(&invitation.id, &eve).await,
        "eve is not bob",
    );
    let joined = orgs
        .accept_invitation(&invitation.id, &bob)
        .await
        .expect("bob accepts");
    assert_eq!(joined.role, "admin");
    is_validation(
        orgs.accept_invitation(&invitation.id, &bob).await,
        "answered already",
    );
    assert_eq!(
        orgs.invitation(&invitation.id)
            .await
            .expect("read")
            .map(|i| i.status),
        Some(InvitationStatus::Accepted)
    );

    // Rejected by the invitee; canceled by a manager (bob is an admin now).
    let for_eve = orgs
        .invite(&org, &bob, Invite::new("eve@example.com"))
        .await
        .expect("invite eve");
    assert_eq!(
        orgs.reject_invitation(&for_eve.id, &eve)
            .await
            .expect("reject")
            .status,
        InvitationStatus::Rejected
    );
    is_validation(orgs.accept_invitation(&for_eve.id, &eve).await, "rejected");
    let again = orgs
        .invite(&org, &ada, Invite::new("eve@example.com"))
        .await
        .expect("invite eve again");
    is_forbidden(
        orgs.cancel_invitation(&again.id, &eve).await,
        "the invitee cannot cancel",
    );
    orgs.cancel_invitation(&again.id, &bob)
        .await
        .expect("cancel");
    is_validation(orgs.accept_invitation(&again.id, &eve).await, "canceled");

    // Expired.
    let brief = orgs
        .invite(
            &org,
            &ada,
            Invite::new("eve@example.com").expires_in(Duration::from_millis(1)),
        )
        .await
        .expect("a brief invitation");
    tokio::time::sleep(Duration::from_millis(20)).await;
    is_validation(orgs.accept_invitation(&brief.id, &eve).await, "expired");
    assert_eq!(orgs.member(&org, &eve).await.expect("member"), None);
    assert_eq!(orgs.invitations(&org).await.expect("list").len(), 4);
}

/// The active organization is stored on the session (Better Auth's
/// `session.active_organization_id`), only for a member, and scopes the session's content.
pub async fn a_session_acts_in_its_active_organization(db: &TestDb) {
    let cms = db.cms().await;
    let orgs = cms.organizations();
    let (ada, bob) = (person(db, "ada").await, person(db, "bob").await);
    let org = owned_by(&cms, "active", &ada).await;
    let at = now();
    let session = Session {
        id: auth_id(),
        expires_at: at + chrono::TimeDelta::days(1),
        token: auth_id(),
        created_at: at,
        updated_at: at,
        ip_address: None,
        user_agent: None,
        user_id: bob.clone(),
        active_organization_id: None,
    };
    db.adapter.insert_session(&session).await.expect("session");
    assert_eq!(
        orgs.session_scope(&session).await.expect("scope"),
        Scope::default()
    );
    is_forbidden(
        orgs.set_active(&session.token, Some(&org)).await,
        "bob is no member",
    );
    orgs.add_member(&org, &bob, "member").await.expect("join");
    let active = orgs
        .set_active(&session.token, Some(&org))
        .await
        .expect("set active");
    assert_eq!(active.active_organization_id.as_deref(), Some(org.as_str()));
    let stored = db
        .adapter
        .find_session_by_token(&session.token)
        .await
        .expect("read")
        .expect("session");
    assert_eq!(stored.active_organization_id.as_deref(), Some(org.as_str()));
    assert_eq!(
        orgs.session_scope(&stored).await.expect("scope"),
        Scope::new(org.clone())
    );
    // Removed from the organization: the session falls back to the default organization.
    orgs.remove_member(&org, &bob).await.expect("leave");
    assert_eq!(
        orgs.session_scope(&stored).await.expect("scope"),
        Scope::default()
    );
    let cleared = orgs.set_active(&session.token, None).await.expect("clear");
    assert_eq!(cleared.active_organization_id, None);
}

/// Text no backend can store (a NUL) is a typed error before it reaches the database — a
/// PostgreSQL server would refuse it with an error of its own — and nothing is written.
pub async fn unstorable_input_is_refused_before_the_database(db: &TestDb) {
    let cms = db.cms().await;
    let orgs = cms.organizations();
    let ada = person(db, "ada").await;
    let org = owned_by(&cms, "nul", &ada).await;
    let nul = "a\0b";
    is_validation(
        orgs.create(CreateOrganization::new(nul, "nul-name").owner(ada.as_str()))
            .await,
        "a NUL in the name",
    );
    assert!(
        orgs.get_by_slug("nul-name")
            .await
            .expect("lookup")
            .is_none(),
        "nothing created"
    );
    let not_found = |result: aphex_core::Result<()>, what: &str| {
        assert!(
            matches!(result, Err(Error::NotFound { .. })),
            "{what}: {result:?}"
        );
    };
    not_found(
        orgs.add_member(nul, &ada, "member").await.map(drop),
        "add: org",
    );
    not_found(
        orgs.add_member(&org, nul, "member").await.map(drop),
        "add: user",
    );
    not_found(
        orgs.set_member_role(nul, &ada, "admin").await.map(drop),
        "set role",
    );
    not_found(orgs.remove_member(nul, &ada).await, "remove");
    not_found(
        orgs.create_role(nul, "r", &[Capability::Read])
            .await
            .map(drop),
        "create role",
    );
    not_found(orgs.delete_role(nul, "r").await, "delete role: org");
    not_found(orgs.delete_role(&org, nul).await, "delete role: name");
    is_validation(orgs.add_member(&org, &ada, nul).await, "a NUL in a role");
    is_validation(
        orgs.invite(&org, &ada, Invite::new(nul)).await,
        "a NUL in an email",
    );
    for listed in [
        orgs.members(nul).await.expect("members").len(),
        orgs.roles(nul).await.expect("roles").len(),
        orgs.invitations(nul).await.expect("invitations").len(),
    ] {
        assert_eq!(listed, 0);
    }
    assert!(orgs.invitation(nul).await.expect("invitation").is_none());
    assert_eq!(
        roles_of(orgs, &org).await,
        [(ada.clone(), "owner".to_owned())],
        "the organization is as it was"
    );
    // Making or unmaking an owner takes more than managing members.
    assert_eq!(capability_for_role("owner"), Capability::ManageOrganization);
    assert_eq!(
        capability_for_role("member, owner"),
        Capability::ManageOrganization
    );
    assert_eq!(capability_for_role("admin"), Capability::ManageMembers);
}
