//! Transactions: a backend either runs multi-statement transactions (commit makes every write
//! visible, rollback or drop discards every write), or declares it cannot
//! (`capabilities().transactions == false`) and `begin` fails with `Error::Unsupported`.

use aphex_core::Error;
use aphex_core::model::{Session, now};
use aphex_core::ports::{DatabaseAdapter, Transaction};

use crate::TestDb;
use crate::fixtures::{auth_id, user};

/// The cases of this module, in order.
pub(crate) fn cases() -> Vec<crate::Case> {
    case_list!(transactions:
        begin_matches_the_declared_capability,
        commit_makes_every_write_visible,
        rollback_and_drop_discard_every_write,
    )
}

/// `Some(tx)` when the backend has transactions; `None` after checking the declared refusal.
async fn begin(adapter: &dyn DatabaseAdapter) -> Option<Box<dyn Transaction>> {
    let supported = adapter.capabilities().transactions;
    match adapter.begin().await {
        Ok(tx) => {
            assert!(
                supported,
                "begin succeeded although transactions are declared unsupported"
            );
            Some(tx)
        }
        Err(Error::Unsupported { backend, operation }) => {
            assert!(
                !supported,
                "transactions are declared but begin refused them"
            );
            assert_eq!(backend, adapter.backend());
            assert!(operation.contains("transaction"), "{operation}");
            None
        }
        Err(e) => panic!("begin failed: {e}"),
    }
}

/// The capability flag and `begin` agree.
pub async fn begin_matches_the_declared_capability(db: &TestDb) {
    if let Some(tx) = begin(&*db.adapter).await {
        tx.rollback().await.expect("rollback an empty transaction");
    }
}

/// Writes inside a transaction appear together on commit.
pub async fn commit_makes_every_write_visible(db: &TestDb) {
    let Some(tx) = begin(&*db.adapter).await else {
        return;
    };
    let u = user("Tx", "tx@example.com");
    tx.insert_user(&u).await.expect("insert user in tx");
    let at = now();
    let session = Session {
        id: auth_id(),
        expires_at: at,
        token: auth_id(),
        created_at: at,
        updated_at: at,
        ip_address: None,
        user_agent: None,
        user_id: u.id.clone(),
        active_organization_id: None,
    };
    tx.insert_session(&session)
        .await
        .expect("insert session in tx");
    assert_eq!(
        tx.find_user(&u.id).await.expect("read in tx"),
        Some(u.clone()),
        "a transaction sees its own writes"
    );
    tx.commit().await.expect("commit");
    assert_eq!(db.adapter.find_user(&u.id).await.expect("read"), Some(u));
    assert!(
        db.adapter
            .find_session_by_token(&session.token)
            .await
            .expect("read session")
            .is_some()
    );
}

/// Rollback — and dropping an unfinished transaction — leaves nothing behind.
pub async fn rollback_and_drop_discard_every_write(db: &TestDb) {
    let Some(tx) = begin(&*db.adapter).await else {
        return;
    };
    let rolled_back = user("Rolled", "rolled@example.com");
    tx.insert_user(&rolled_back).await.expect("insert in tx");
    tx.rollback().await.expect("rollback");
    assert_eq!(
        db.adapter.find_user(&rolled_back.id).await.expect("read"),
        None
    );

    let Some(tx) = begin(&*db.adapter).await else {
        return;
    };
    let dropped = user("Dropped", "dropped@example.com");
    tx.insert_user(&dropped).await.expect("insert in tx");
    drop(tx);
    // The rollback of a dropped transaction may finish asynchronously; a new transaction
    // (which needs the write lock on SQLite) and a read both see nothing.
    let Some(tx) = begin(&*db.adapter).await else {
        return;
    };
    tx.rollback().await.expect("rollback");
    assert_eq!(db.adapter.find_user(&dropped.id).await.expect("read"), None);
    assert_eq!(db.adapter.count_users().await.expect("count"), 0);
}
