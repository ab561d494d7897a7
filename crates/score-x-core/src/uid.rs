//! Resource identity: `TYPE.CLASS#WORKLOAD.NAME` without an `id`, `TYPE.CLASS#ID` with one.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A resource uid. Ordering is the string ordering, which keeps output deterministic.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResourceUid(String);

impl ResourceUid {
    /// Build the uid of a resource named `name` in workload `workload`; `class` defaults to `default`.
    pub fn new(
        type_: &str,
        class: Option<&str>,
        id: Option<&str>,
        workload: &str,
        name: &str,
    ) -> Self {
        let class = class.unwrap_or("default");
        match id {
            Some(id) => ResourceUid(format!("{type_}.{class}#{id}")),
            None => ResourceUid(format!("{type_}.{class}#{workload}.{name}")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The resource type (before the first `.`).
    pub fn type_(&self) -> &str {
        self.0.split_once('.').map_or(&self.0, |(t, _)| t)
    }

    /// The class (between the first `.` and `#`).
    pub fn class(&self) -> &str {
        let after = self.0.split_once('.').map_or("", |(_, r)| r);
        after.split_once('#').map_or(after, |(c, _)| c)
    }

    /// The id part after `#` (`WORKLOAD.NAME` or the explicit id).
    pub fn id(&self) -> &str {
        self.0.split_once('#').map_or("", |(_, i)| i)
    }
}

impl fmt::Display for ResourceUid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Error for a string that is not `TYPE.CLASS#ID`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a resource uid; expected TYPE.CLASS#ID, e.g. `postgres.default#api.db`")]
pub struct UidError(pub String);

impl TryFrom<String> for ResourceUid {
    type Error = UidError;
    fn try_from(s: String) -> Result<Self, UidError> {
        s.parse()
    }
}

impl From<ResourceUid> for String {
    fn from(u: ResourceUid) -> String {
        u.0
    }
}

impl std::str::FromStr for ResourceUid {
    type Err = UidError;
    fn from_str(s: &str) -> Result<Self, UidError> {
        let (tc, id) = s.split_once('#').ok_or_else(|| UidError(s.into()))?;
        let (t, c) = tc.split_once('.').ok_or_else(|| UidError(s.into()))?;
        if t.is_empty() || c.is_empty() || id.is_empty() || c.contains('.') {
            return Err(UidError(s.into()));
        }
        Ok(ResourceUid(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workload_scoped_and_shared() {
        let a = ResourceUid::new("postgres", None, None, "api", "db");
        assert_eq!(a.as_str(), "postgres.default#api.db");
        assert_eq!(
            (a.type_(), a.class(), a.id()),
            ("postgres", "default", "api.db")
        );
        let b = ResourceUid::new("redis", Some("large"), Some("main-cache"), "api", "cache");
        assert_eq!(b.as_str(), "redis.large#main-cache");
        assert_eq!("redis.large#main-cache".parse::<ResourceUid>(), Ok(b));
        assert!("redis#x".parse::<ResourceUid>().is_err());
    }
}
