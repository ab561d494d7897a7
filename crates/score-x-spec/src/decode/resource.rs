//! Decoding `resources` declarations: type, class, id, metadata and params.

use std::collections::BTreeMap;

use score_x_core::Code;

use super::*;

impl Dec<'_> {
    pub(super) fn resources(&mut self, node: &Node, path: &str) -> BTreeMap<String, ResourceDecl> {
        let mut out = BTreeMap::new();
        let Some(entries) = self.map(node, path) else {
            return out;
        };
        for (k, v) in entries {
            let p = child(path, &k.name);
            self.label_key(k, &p, "resource name");
            if let Some(r) = self.resource(v, &p) {
                out.insert(k.name.clone(), r);
            }
        }
        out
    }

    pub(super) fn resource(&mut self, node: &Node, path: &str) -> Option<ResourceDecl> {
        let entries = self.map(node, path)?;
        self.known(entries, path, RESOURCE, "a resource");
        let type_ = match self.required(node, path, "type", "the resource") {
            Some(n) => {
                let p = child(path, "type");
                let s = self.string(n, &p).unwrap_or_default();
                if !s.is_empty() && !patterns::is_type_name(&s) {
                    self.error(Code::PatternMismatch, format!("resource type `{s}` is not valid"), n, &p).hint =
                        Some("use 2-63 characters of A-Z, a-z, 0-9 and '-', starting and ending with a letter or digit".into());
                }
                s
            }
            None => String::new(),
        };
        let class = node.get("class").and_then(|n| {
            let p = child(path, "class");
            let s = self.string(n, &p)?;
            if !patterns::is_type_name(&s) {
                self.error(Code::PatternMismatch, format!("resource class `{s}` is not valid"), n, &p).hint =
                    Some("use 2-63 characters of A-Z, a-z, 0-9 and '-', starting and ending with a letter or digit".into());
            }
            Some(s)
        });
        let id = node.get("id").and_then(|n| {
            let p = child(path, "id");
            let s = self.string(n, &p)?;
            if !patterns::is_resource_id(&s) {
                self.error(Code::PatternMismatch, format!("resource id `{s}` is not valid"), n, &p).hint =
                    Some("use 2-63 characters: dot-separated labels of a-z, 0-9 and '-', e.g. `shared.orders-db`".into());
            }
            Some(s)
        });
        let metadata = match node.get("metadata") {
            Some(m) => {
                let p = child(path, "metadata");
                if self.map(m, &p).is_some() {
                    if let Some(a) = m.get("annotations") {
                        self.annotations(a, &child(&p, "annotations"));
                    }
                    m.to_json()
                } else {
                    serde_json::Value::Null
                }
            }
            None => serde_json::Value::Null,
        };
        let metadata_span = node
            .get("metadata")
            .map(|m| m.pos.span(&child(path, "metadata")));
        let params = match node.get("params") {
            Some(n) if matches!(n.value, Value::Map(_)) => Some((n.clone(), child(path, "params"))),
            Some(n) if matches!(n.value, Value::Null) => None,
            Some(n) => {
                self.type_error(n, &child(path, "params"), "a map");
                None
            }
            None => None,
        };
        Some(ResourceDecl {
            span: node.pos.span(path),
            type_,
            class,
            id,
            metadata,
            metadata_span,
            params,
        })
    }
}
