//! Every entity under its table-like name.

pub use super::account::Entity as Account;
pub use super::apikey::Entity as Apikey;
pub use super::asset::Entity as CmsAsset;
pub use super::document::Entity as CmsDocument;
pub use super::document_version::Entity as CmsDocumentVersion;
pub use super::event::Entity as CmsEvent;
pub use super::event_stream::Entity as CmsEventStream;
pub use super::invitation::Entity as Invitation;
pub use super::job::Entity as CmsJob;
pub use super::member::Entity as Member;
pub use super::organization::Entity as Organization;
pub use super::organization_role::Entity as OrganizationRole;
pub use super::outbox::Entity as CmsOutbox;
pub use super::schema_type::Entity as CmsSchemaType;
pub use super::session::Entity as Session;
pub use super::user::Entity as User;
pub use super::user_profile::Entity as CmsUserProfile;
pub use super::verification::Entity as Verification;
pub use super::webhook::Entity as CmsWebhook;
