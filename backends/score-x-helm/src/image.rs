//! Container image references split into the `repository` / `tag` / `digest` values.

use serde::Serialize;

/// An image reference as chart values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Image {
    pub repository: String,
    pub tag: String,
    pub digest: String,
}

impl Image {
    /// Split `reference`: a digest after the last `@`, a tag after the last `:` that follows the
    /// last `/` (so `registry:5000/app` keeps its port), the rest is the repository.
    pub fn parse(reference: &str) -> Image {
        let (rest, digest) = reference
            .rsplit_once('@')
            .map_or((reference, ""), |(r, d)| (r, d));
        let slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match rest[slash..].rfind(':') {
            Some(i) => (&rest[..slash + i], &rest[slash + i + 1..]),
            None => (rest, ""),
        };
        Image {
            repository: repository.to_string(),
            tag: tag.to_string(),
            digest: digest.to_string(),
        }
    }

    /// The reference the chart's `image` helper writes for these values.
    pub fn reference(&self) -> String {
        let mut s = self.repository.clone();
        if !self.tag.is_empty() {
            s.push(':');
            s.push_str(&self.tag);
        }
        if !self.digest.is_empty() {
            s.push('@');
            s.push_str(&self.digest);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_keep_registry_ports_and_digests() {
        let cases = [
            ("nginx", ("nginx", "", "")),
            ("nginx:1.27", ("nginx", "1.27", "")),
            ("registry:5000/team/app", ("registry:5000/team/app", "", "")),
            (
                "registry:5000/team/app:2",
                ("registry:5000/team/app", "2", ""),
            ),
            (
                "ghcr.io/a/b:1@sha256:abcd",
                ("ghcr.io/a/b", "1", "sha256:abcd"),
            ),
            (
                "ghcr.io/a/b@sha256:abcd",
                ("ghcr.io/a/b", "", "sha256:abcd"),
            ),
        ];
        for (r, (repo, tag, digest)) in cases {
            let i = Image::parse(r);
            assert_eq!(
                (i.repository.as_str(), i.tag.as_str(), i.digest.as_str()),
                (repo, tag, digest),
                "{r}"
            );
            assert_eq!(i.reference(), r);
        }
    }
}
