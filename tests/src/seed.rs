//! The three example workloads of the seed OpenAPI document
//! (`../shared/seeds/003_2a79d8759af4c2d0.txt`), rebuilt from its whitespace-collapsed text.
//!
//! The seed document is stored with its whitespace collapsed (no newlines, no indentation), so
//! the examples are rebuilt by a small parser guided by the Score structure (see [`unflatten`])
//! and emitted as JSON (which is YAML). The files they name in `files.source` do not exist;
//! stand-ins live in `tests/fixtures/seed/` (see [`seed_reader`]).

use std::path::Path;

use score_x_spec::SourceFile;
use serde_json::{Map, Value as J};

use crate::samples::DirReader;

/// The seed document, relative to `../shared`.
pub const SEED: &str = "seeds/003_2a79d8759af4c2d0.txt";

/// The names of the examples in the seed document's `components.examples`.
pub const EXAMPLES: [&str; 3] = [
    "EcommerceFrontendExample",
    "DataPipelineWorkerExample",
    "MLInferenceServiceExample",
];

/// A token stream with lookahead.
struct P {
    t: Vec<String>,
    i: usize,
}

/// The typed object kinds of Score (used to rebuild structure from the flattened text).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum O {
    Workload,
    Metadata,
    Service,
    Port,
    Container,
    File,
    Volume,
    Requirements,
    Quantities,
    Probe,
    HttpGet,
    Header,
    Exec,
    BeforeEntry,
    Resource,
    ResourceMeta,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum K {
    Obj(O),
    /// A map with arbitrary keys whose values are objects.
    MapObj(O),
    MapScalar,
    ListScalar,
    ListObj(O),
    Scalar,
    Content,
    Any,
}

fn fields(o: O) -> &'static [(&'static str, K)] {
    use K::*;
    match o {
        O::Workload => &[
            ("apiVersion", Scalar),
            ("metadata", Obj(O::Metadata)),
            ("service", Obj(O::Service)),
            ("containers", MapObj(O::Container)),
            ("resources", MapObj(O::Resource)),
        ],
        O::Metadata => &[("name", Scalar), ("annotations", MapScalar)],
        O::Service => &[("ports", MapObj(O::Port))],
        O::Port => &[
            ("port", Scalar),
            ("targetPort", Scalar),
            ("protocol", Scalar),
        ],
        O::Container => &[
            ("image", Scalar),
            ("command", ListScalar),
            ("args", ListScalar),
            ("variables", MapScalar),
            ("files", MapObj(O::File)),
            ("volumes", MapObj(O::Volume)),
            ("resources", Obj(O::Requirements)),
            ("livenessProbe", Obj(O::Probe)),
            ("readinessProbe", Obj(O::Probe)),
            ("before", MapObj(O::BeforeEntry)),
        ],
        O::File => &[
            ("mode", Scalar),
            ("source", Scalar),
            ("content", Content),
            ("binaryContent", Scalar),
            ("noExpand", Scalar),
        ],
        O::Volume => &[("source", Scalar), ("path", Scalar), ("readOnly", Scalar)],
        O::Requirements => &[
            ("limits", Obj(O::Quantities)),
            ("requests", Obj(O::Quantities)),
        ],
        O::Quantities => &[("cpu", Scalar), ("memory", Scalar)],
        O::Probe => &[("httpGet", Obj(O::HttpGet)), ("exec", Obj(O::Exec))],
        O::HttpGet => &[
            ("host", Scalar),
            ("scheme", Scalar),
            ("path", Scalar),
            ("port", Scalar),
            ("httpHeaders", ListObj(O::Header)),
        ],
        O::Header => &[("name", Scalar), ("value", Scalar)],
        O::Exec => &[("command", ListScalar)],
        O::BeforeEntry => &[("ready", Scalar)],
        O::Resource => &[
            ("type", Scalar),
            ("class", Scalar),
            ("id", Scalar),
            ("metadata", Obj(O::ResourceMeta)),
            ("params", Any),
        ],
        O::ResourceMeta => &[("annotations", MapScalar)],
    }
}

/// A frame of the typed structure being built: it may accept a key that ends a nested value.
#[derive(Clone, Debug)]
enum Frame {
    Obj(O, Vec<&'static str>),
    Map(K),
}

fn key_of(tok: &str) -> Option<&str> {
    if tok.len() > 1 && tok.ends_with(':') && !tok.starts_with('"') && !tok.starts_with('-') {
        Some(&tok[..tok.len() - 1])
    } else {
        None
    }
}

impl P {
    fn tok(&self, i: usize) -> Option<&str> {
        self.t.get(i).map(String::as_str)
    }

    /// Can a value of kind `k` start at token `i`?
    fn fits(&self, k: K, i: usize) -> bool {
        let Some(t) = self.tok(i) else { return false };
        match k {
            K::Obj(o) => {
                key_of(t).is_some_and(|key| fields(o).iter().any(|(f, _)| *f == key))
                    && (o != O::Resource || self.resource_at(i))
            }
            K::MapObj(o) => key_of(t).is_some() && self.fits(K::Obj(o), i + 1),
            K::MapScalar => key_of(t).is_some() && self.fits(K::Scalar, i + 1),
            K::ListScalar | K::ListObj(_) => t == "-",
            K::Scalar => key_of(t).is_none() && t != "-",
            K::Content => t == "|" || key_of(t).is_none(),
            K::Any => true,
        }
    }

    /// A resource starts at `i` (its fields): `type: T` then another resource field, the end,
    /// or the next resource. This tells `partitioning: type: time interval: …` (params) apart.
    fn resource_at(&self, i: usize) -> bool {
        if self.tok(i) != Some("type:") || !self.fits(K::Scalar, i + 1) {
            return self
                .tok(i)
                .is_some_and(|t| matches!(t, "class:" | "id:" | "metadata:" | "params:"));
        }
        match self.tok(i + 2) {
            None => true,
            Some(t) => {
                matches!(t, "class:" | "id:" | "metadata:" | "params:")
                    || (key_of(t).is_some() && self.resource_at(i + 3))
            }
        }
    }

    /// Does a frame of `stack` accept the key at token `i`?
    fn accepted(&self, stack: &[Frame], i: usize) -> bool {
        let Some(t) = self.tok(i) else { return true };
        let Some(key) = key_of(t) else { return false };
        stack.iter().any(|f| match f {
            Frame::Obj(o, seen) => {
                !seen.contains(&key)
                    && fields(*o)
                        .iter()
                        .any(|(name, k)| *name == key && self.fits(*k, i + 1))
            }
            Frame::Map(k) => self.fits(*k, i),
        })
    }

    fn scalar(&mut self) -> J {
        let first = self.t[self.i].clone();
        self.i += 1;
        if first.starts_with('"') {
            let mut s = first;
            while !(s.len() > 1 && s.ends_with('"')) && self.i < self.t.len() {
                s.push(' ');
                s.push_str(&self.t[self.i]);
                self.i += 1;
            }
            return J::String(s[1..s.len() - 1].to_string());
        }
        let mut s = first;
        while let Some(t) = self.tok(self.i) {
            if key_of(t).is_some() || t == "-" {
                break;
            }
            s.push(' ');
            s.push_str(t);
            self.i += 1;
        }
        match s.as_str() {
            "true" => J::Bool(true),
            "false" => J::Bool(false),
            _ => s.parse::<i64>().map_or(J::String(s), J::from),
        }
    }

    fn value(&mut self, k: K, stack: &mut Vec<Frame>) -> J {
        match k {
            K::Scalar => self.scalar(),
            K::Content => {
                if self.tok(self.i) == Some("|") {
                    self.i += 1;
                }
                let mut words = Vec::new();
                while self.i < self.t.len() && !self.accepted(stack, self.i) {
                    words.push(self.t[self.i].clone());
                    self.i += 1;
                }
                J::String(words.join(" ") + "\n")
            }
            K::Obj(o) => self.obj(o, stack),
            K::MapObj(_) | K::MapScalar => {
                let inner = if let K::MapObj(o) = k {
                    K::Obj(o)
                } else {
                    K::Scalar
                };
                let mut m = Map::new();
                while self.fits(k, self.i) {
                    let key = key_of(&self.t[self.i]).unwrap_or_default().to_string();
                    self.i += 1;
                    stack.push(Frame::Map(k));
                    let v = self.value(inner, stack);
                    stack.pop();
                    m.insert(key, v);
                }
                J::Object(m)
            }
            K::ListScalar | K::ListObj(_) => {
                let inner = if let K::ListObj(o) = k {
                    K::Obj(o)
                } else {
                    K::Scalar
                };
                let mut l = Vec::new();
                while self.tok(self.i) == Some("-") {
                    self.i += 1;
                    l.push(self.value(inner, stack));
                }
                J::Array(l)
            }
            K::Any => self.any(stack),
        }
    }

    fn obj(&mut self, o: O, stack: &mut Vec<Frame>) -> J {
        let mut m = Map::new();
        stack.push(Frame::Obj(o, Vec::new()));
        while let Some(key) = self.tok(self.i).and_then(key_of).map(str::to_string) {
            let Some(&(name, k)) = fields(o).iter().find(|(f, _)| *f == key) else {
                break;
            };
            if m.contains_key(name) || !self.fits(k, self.i + 1) {
                break;
            }
            self.i += 1;
            if let Some(Frame::Obj(_, seen)) = stack.last_mut() {
                seen.push(name);
            }
            let v = self.value(k, stack);
            m.insert(name.to_string(), v);
        }
        stack.pop();
        J::Object(m)
    }

    /// Free-form YAML (resource params): lists, maps and scalars until a typed frame takes over.
    fn any(&mut self, stack: &mut Vec<Frame>) -> J {
        match self.tok(self.i) {
            Some("-") => {
                let mut l = Vec::new();
                while self.tok(self.i) == Some("-") {
                    self.i += 1;
                    l.push(self.any(stack));
                }
                J::Array(l)
            }
            Some(t) if key_of(t).is_some() => {
                let mut m = Map::new();
                while let Some(key) = self.tok(self.i).and_then(key_of).map(str::to_string) {
                    if self.accepted(stack, self.i) {
                        break;
                    }
                    self.i += 1;
                    let v = self.any(stack);
                    m.insert(key, v);
                }
                J::Object(m)
            }
            Some(_) => self.scalar(),
            None => J::Null,
        }
    }
}

/// Rebuild a Score workload from its whitespace-collapsed text; `Err` names the tokens left over.
pub fn unflatten(text: &str) -> Result<J, String> {
    let mut p = P {
        t: text.split_whitespace().map(str::to_string).collect(),
        i: 0,
    };
    let v = p.obj(O::Workload, &mut Vec::new());
    if p.i < p.t.len() {
        return Err(format!("unparsed tail: {:?}", &p.t[p.i..]));
    }
    Ok(v)
}

/// The `value:` of each example of [`EXAMPLES`] in the seed document, rebuilt, by name.
pub fn seed_examples(shared: &Path) -> Result<Vec<(String, J)>, String> {
    let path = shared.join(SEED);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    EXAMPLES
        .iter()
        .map(|name| {
            let start = text
                .find(&format!("{name}: summary:"))
                .ok_or_else(|| format!("{name} not found in the seed"))?;
            let rest = &text[start..];
            let value = rest
                .find(" value: ")
                .ok_or_else(|| format!("{name} has no value"))?
                + " value: ".len();
            let rest = &rest[value..];
            // The example ends at the next `# Comment` line of the components section.
            let end = rest.find(" # ").unwrap_or(rest.len());
            let v = unflatten(&rest[..end]).map_err(|e| format!("{name}: {e}"))?;
            Ok((name.to_string(), v))
        })
        .collect()
}

/// Reads the seed examples' `files.source` from `tests/fixtures/seed/`.
pub fn seed_reader() -> DirReader {
    DirReader(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seed"))
}

/// A rebuilt example as a score file named `NAME.yaml` (pretty JSON, which is YAML).
pub fn seed_file(name: &str, v: &J) -> SourceFile {
    SourceFile {
        name: format!("{name}.yaml"),
        text: serde_json::to_string_pretty(v).unwrap_or_default(),
    }
}
