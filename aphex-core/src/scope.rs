//! [`Scope`]: the organization every content operation acts in.
//!
//! Every content port method ([`DocumentStore`](crate::ports::DocumentStore),
//! [`VersionStore`](crate::ports::VersionStore), [`AssetStore`](crate::ports::AssetStore)) takes
//! a scope as its first argument, so no call reaches content without naming its organization:
//! forgetting it does not compile. Reads see the scope's [`visible`](Scope::visible)
//! organizations; writes — creating, changing or deleting — act only in its own
//! [`organization`](Scope::organization). A scope that includes an organization's descendants
//! ([`Cms::org_with_descendants`](crate::Cms::org_with_descendants)) therefore reads the
//! children's content and still writes only the parent's.

use std::sync::Arc;

/// The organization every row written before organizations existed belongs to, and where an
/// application that never mentions organizations keeps its content (the migrations create it;
/// `aphex_migration::DEFAULT_ORGANIZATION_ID` is the same id).
pub const DEFAULT_ORGANIZATION_ID: &str = "default";

/// The organization a content operation acts in, and the organizations it may read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Scope {
    /// The organization first, then the descendants it reads (if asked for).
    visible: Arc<[String]>,
}

impl Scope {
    /// Acts in `organization` and sees only its content.
    pub fn new(organization: impl Into<String>) -> Self {
        Scope {
            visible: Arc::from(vec![organization.into()]),
        }
    }

    /// Acts in `organization` and also reads the content of `descendants` (its children,
    /// grandchildren, ...). A child's scope never includes its parent or siblings: only the
    /// organization service builds these, from the hierarchy.
    pub(crate) fn with_descendants(
        organization: impl Into<String>,
        descendants: impl IntoIterator<Item = String>,
    ) -> Self {
        let organization = organization.into();
        let mut visible = vec![organization.clone()];
        for id in descendants {
            if !visible.contains(&id) {
                visible.push(id);
            }
        }
        Scope {
            visible: Arc::from(visible),
        }
    }

    /// The default organization ([`DEFAULT_ORGANIZATION_ID`]): what a [`Cms`](crate::Cms)
    /// acts in until [`Cms::org`](crate::Cms::org) says otherwise.
    pub fn default_organization() -> Self {
        Scope::new(DEFAULT_ORGANIZATION_ID)
    }

    /// The organization writes go to.
    pub fn organization(&self) -> &str {
        // `visible` is never empty: every constructor puts the organization first.
        self.visible
            .first()
            .map_or(DEFAULT_ORGANIZATION_ID, String::as_str)
    }

    /// The organizations reads see: [`organization`](Self::organization) first, then any
    /// descendants.
    pub fn visible(&self) -> &[String] {
        &self.visible
    }

    /// Whether a row of `organization` is visible in this scope.
    pub fn sees(&self, organization: &str) -> bool {
        self.visible.iter().any(|o| o == organization)
    }

    /// Whether reads see more than the scope's own organization.
    pub fn includes_descendants(&self) -> bool {
        self.visible.len() > 1
    }
}

impl Default for Scope {
    /// [`Scope::default_organization`].
    fn default() -> Self {
        Scope::default_organization()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_organization_comes_first_and_once() {
        let scope = Scope::with_descendants("a", ["b".to_owned(), "a".to_owned(), "c".into()]);
        assert_eq!(scope.organization(), "a");
        assert_eq!(scope.visible(), ["a", "b", "c"]);
        assert!(scope.sees("c") && !scope.sees("d"));
        assert!(scope.includes_descendants());
        assert!(!Scope::new("a").includes_descendants());
        assert_eq!(Scope::default().organization(), DEFAULT_ORGANIZATION_ID);
    }
}
