//! Template slots: an object's JSON value gets unique sentinel strings where a Helm expression
//! goes; the value is written by the Kubernetes target's YAML emitter, user text is escaped so
//! Helm prints it verbatim, and the sentinels are replaced by template actions.

use std::borrow::Cow;
use std::sync::LazyLock;

use memchr::memmem::Finder;
use serde_json::Value as Json;

/// What replaces a sentinel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// A scalar value: `key: {{ expr }}`.
    Scalar(String),
    /// A block value: `key: {{- toYaml expr | nindent N }}`.
    Block(String),
    /// A whole map entry written only when `expr` is not empty: `key:` and its YAML.
    With { key: String, expr: String },
    /// A whole map entry `key: {{ . | quote }}` written only when `expr` is not empty.
    WithScalar { key: String, expr: String },
    /// Entries merged into the enclosing map: the YAML of `expr` when not empty.
    Merge(String),
}

/// The slots of one template file.
#[derive(Debug)]
pub struct Slots {
    slots: Vec<Slot>,
    /// The sentinels' prefix: one that the object's own text does not contain.
    prefix: String,
    /// Finds `prefix`.
    finder: Finder<'static>,
}

/// Finds the opener of a Helm action.
static ACTION: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("{{"));

const DEFAULT_PREFIX: &str = "sxhelm-slot-";

impl Default for Slots {
    fn default() -> Self {
        Slots::with_prefix(DEFAULT_PREFIX.to_string())
    }
}

impl Slots {
    fn with_prefix(prefix: String) -> Self {
        Slots {
            slots: Vec::new(),
            finder: Finder::new(prefix.as_bytes()).into_owned(),
            prefix,
        }
    }

    /// Slots for `value`, with sentinels that cannot be confused with its text.
    pub fn for_value(value: &Json) -> Self {
        let mut prefix = DEFAULT_PREFIX.to_string();
        // The prefix has no character JSON escapes, so it is in the value's JSON text exactly
        // when it is in one of its keys or strings.
        while holds(value, &Finder::new(prefix.as_bytes())) {
            prefix.insert(6, 'x');
        }
        Slots::with_prefix(prefix)
    }

    fn token(&self, i: usize) -> String {
        format!("{}{i:05}-end", self.prefix)
    }

    /// A sentinel value standing for `slot`.
    pub fn value(&mut self, slot: Slot) -> Json {
        self.slots.push(slot);
        Json::String(self.token(self.slots.len() - 1))
    }

    /// Insert an entry into `map` that `render` replaces with the whole-entry `slot`
    /// ([`Slot::With`], [`Slot::WithScalar`] or [`Slot::Merge`]).
    pub fn entry(&mut self, map: &mut serde_json::Map<String, Json>, slot: Slot) {
        let v = self.value(slot);
        if let Json::String(t) = &v {
            map.insert(t.clone(), v.clone());
        }
    }

    /// `yaml` (written from a value holding this set's sentinels) as template text.
    /// Only the lines holding a sentinel or `{{` are rewritten ([`Slots::render_lines`] is the
    /// reference); the text between them is copied as it is.
    pub fn render(&self, yaml: &str) -> String {
        let mut out = String::with_capacity(yaml.len() + 48 * self.slots.len());
        let text = yaml.as_bytes();
        let (mut sentinel, mut action) = (self.finder.find(text), ACTION.find(text));
        let mut done = 0;
        while let Some(at) = sentinel.into_iter().chain(action).min() {
            let start = memchr::memrchr(b'\n', &text[..at]).map_or(0, |i| i + 1);
            let end = memchr::memchr(b'\n', &text[at..]).map_or(yaml.len(), |i| at + i);
            out.push_str(&yaml[done..start]);
            out.push_str(&self.line(&escape(&yaml[start..end])));
            done = end;
            let after = |found: Option<usize>, finder: &Finder<'_>| match found {
                Some(i) if i < end => finder.find(&text[end..]).map(|j| end + j),
                other => other,
            };
            sentinel = after(sentinel, &self.finder);
            action = after(action, &ACTION);
        }
        out.push_str(&yaml[done..]);
        out
    }

    /// `render` line by line: every line escaped and looked at.
    #[cfg(test)]
    fn render_lines(&self, yaml: &str) -> String {
        let mut out = String::with_capacity(yaml.len());
        for line in yaml.split_inclusive('\n') {
            let (body, nl) = line.strip_suffix('\n').map_or((line, ""), |b| (b, "\n"));
            out.push_str(&self.line(&escape(body)));
            out.push_str(nl);
        }
        out
    }

    fn line(&self, line: &str) -> String {
        let Some((i, _)) = self.find(line) else {
            return line.to_string();
        };
        let t = self.token(i);
        let col = key_column(line);
        let pad = || " ".repeat(col);
        let replaced = match &self.slots[i] {
            Slot::Scalar(e) => replace_token(line, &t, &format!("{{{{ {e} }}}}")),
            Slot::Block(e) => replace_token(
                line,
                &format!(" {t}"),
                &format!("{{{{- toYaml {e} | nindent {} }}}}", col + 2),
            ),
            Slot::With { key, expr } => {
                let pad = pad();
                format!(
                    "{pad}{{{{- with {expr} }}}}\n{pad}{key}:\n{pad}  {{{{- toYaml . | nindent {} }}}}\n{pad}{{{{- end }}}}",
                    col + 2
                )
            }
            Slot::WithScalar { key, expr } => {
                let pad = pad();
                format!(
                    "{pad}{{{{- with {expr} }}}}\n{pad}{key}: {{{{ . | quote }}}}\n{pad}{{{{- end }}}}"
                )
            }
            Slot::Merge(e) => {
                let pad = pad();
                format!("{pad}{{{{- with {e} }}}}{{{{- toYaml . | nindent {col} }}}}{{{{- end }}}}")
            }
        };
        // A line holds at most one sentinel value, but a scalar may sit in a flow context.
        if self.find(&replaced).is_some() && replaced != line {
            return self.line(&replaced);
        }
        replaced
    }

    /// The slot of the first sentinel of `line` and where it starts (none when the first
    /// occurrence of the prefix is not one of this set's sentinels).
    fn find(&self, line: &str) -> Option<(usize, usize)> {
        let at = self.finder.find(line.as_bytes())?;
        let start = at + self.prefix.len();
        let digits = line.get(start..start + 5)?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let i: usize = digits.parse().ok()?;
        (i < self.slots.len() && line[start + 5..].starts_with("-end")).then_some((i, at))
    }
}

/// Whether a key or a string of `value` contains what `text` finds.
fn holds(value: &Json, text: &Finder<'_>) -> bool {
    let has = |s: &str| s.len() >= text.needle().len() && text.find(s.as_bytes()).is_some();
    match value {
        Json::String(s) => has(s),
        Json::Array(items) => items.iter().any(|v| holds(v, text)),
        Json::Object(map) => map.iter().any(|(k, v)| has(k) || holds(v, text)),
        _ => false,
    }
}

/// The sentinel with any quotes the emitter put around it replaced.
fn replace_token(line: &str, token: &str, with: &str) -> String {
    if !line.contains(['\'', '"']) {
        return line.replacen(token, with, 1);
    }
    for q in ["'", "\""] {
        let quoted = format!("{q}{}{q}", token.trim_start());
        if line.contains(&quoted) {
            let lead = if token.starts_with(' ') { " " } else { "" };
            return line.replacen(&format!("{lead}{quoted}"), with, 1);
        }
    }
    line.replacen(token, with, 1)
}

/// The column where the line's map key starts (after indentation and `- ` markers).
fn key_column(line: &str) -> usize {
    let mut col = line.len() - line.trim_start_matches(' ').len();
    while line[col..].starts_with("- ") {
        col += 2;
    }
    col
}

/// Text in which `{{` is an action opener for Helm printed as itself.
pub fn escape(text: &str) -> Cow<'_, str> {
    if ACTION.find(text.as_bytes()).is_none() {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.replace("{{", "{{ \"{{\" }}"))
}

/// A Go template string literal of `s` (JSON string syntax is a subset Go accepts).
pub fn go_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sentinels_become_actions() {
        let mut s = Slots::default();
        let mut spec = serde_json::Map::new();
        spec.insert(
            "replicas".into(),
            s.value(Slot::Scalar(".Values.replicaCount".into())),
        );
        spec.insert(
            "resources".into(),
            s.value(Slot::Block(".Values.resources".into())),
        );
        s.entry(
            &mut spec,
            Slot::With {
                key: "nodeSelector".into(),
                expr: ".Values.nodeSelector".into(),
            },
        );
        let v = json!({"spec": {"containers": [spec]}, "data": {"a": "x {{ y }}"}});
        let out = s.render(&score_x_core::yaml::to_yaml(&v));
        assert!(
            out.contains("  - replicas: {{ .Values.replicaCount }}\n"),
            "{out}"
        );
        assert!(
            out.contains("    resources:{{- toYaml .Values.resources | nindent 6 }}\n"),
            "{out}"
        );
        assert!(
            out.contains("    {{- with .Values.nodeSelector }}\n    nodeSelector:\n      {{- toYaml . | nindent 6 }}\n    {{- end }}"),
            "{out}"
        );
        assert!(out.contains(r#"a: 'x {{ "{{" }} y }}'"#), "{out}");
        assert!(!out.contains("sxhelm"), "{out}");
    }

    #[test]
    fn user_text_that_looks_like_a_sentinel_stays_text() {
        let v = json!({"data": {"a": "sxhelm-slot-00000-end"}});
        let mut s = Slots::for_value(&v);
        let mut v = v;
        v["spec"] = s.value(Slot::Scalar(".Values.x".into()));
        let out = s.render(&score_x_core::yaml::to_yaml(&v));
        assert!(out.contains("a: sxhelm-slot-00000-end\n"), "{out}");
        assert!(out.contains("spec: {{ .Values.x }}\n"), "{out}");
    }

    #[test]
    fn rendering_only_the_lines_that_need_it_equals_rendering_every_line() {
        let texts = [
            "a {{b}}",
            "sxhelm-slot-00000-end",
            "x sxhelm-slot-00001-end {{",
            "{{",
            "",
            "multi\nline {{ x }}\nsxhelm-slot-00000-end",
            "no braces",
        ];
        for (i, t) in texts.iter().enumerate() {
            let v = json!({"data": {"a": t, "b": "plain", "k{{": ["sxhelm-slot-", t]}, "x": i});
            let mut s = Slots::for_value(&v);
            let mut v = v;
            v["spec"] = json!({"r": s.value(Slot::Scalar(".Values.r".into())), "list": [1, t]});
            v["spec"]["res"] = s.value(Slot::Block(".Values.res".into()));
            if let Some(m) = v["spec"].as_object_mut() {
                s.entry(m, Slot::Merge(".Values.extra".into()));
            }
            let yaml = score_x_core::yaml::to_yaml(&v);
            assert_eq!(s.render(&yaml), s.render_lines(&yaml), "{yaml}");
            let no_newline = yaml.trim_end();
            assert_eq!(s.render(no_newline), s.render_lines(no_newline));
        }
    }

    #[test]
    fn the_prefix_avoids_keys_and_strings_at_any_depth() {
        for v in [
            json!({"sxhelm-slot-": 1}),
            json!({"a": [{"b": "x sxhelm-slot-"}]}),
            json!({"a": "sxhelm-slot- sxhelmx-slot-"}),
        ] {
            let s = Slots::for_value(&v);
            assert!(!v.to_string().contains(&s.prefix), "{v} {}", s.prefix);
        }
        assert_eq!(Slots::for_value(&json!({"a": 1})).prefix, "sxhelm-slot-");
    }

    #[test]
    fn escape_and_go_strings() {
        assert_eq!(escape("a {{b}}"), "a {{ \"{{\" }}b}}");
        assert_eq!(go_str("a\"b\n"), "\"a\\\"b\\n\"");
    }
}
