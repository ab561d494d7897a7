//! The provisioner file format: types, and decoding of one file (a YAML list) with precise
//! diagnostics (unknown keys with "did you mean", wrong shapes, bad URIs, bad param specs).

use std::collections::BTreeMap;
use std::time::Duration;

use score_x_core::diag::did_you_mean;
use score_x_core::yaml_tree::{Key, Pos};
use score_x_core::{Code, Diagnostic, Diagnostics, Span, Target};

use crate::yaml::{self, Node, Value};

/// Where a provisioner file comes from (decides its place in the match order).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(tag = "kind", content = "source", rename_all = "lowercase")]
pub enum Origin {
    /// Given with `--provisioners FILE` (the file name).
    User(String),
    /// From `.score-x/provisioners/*.yaml` (the file name).
    Project(String),
    /// Embedded default of a target.
    Default(Target),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::User(n) => write!(f, "user file {n}"),
            Origin::Project(n) => write!(f, "project file {n}"),
            Origin::Default(t) => write!(f, "default provisioners of {t}"),
        }
    }
}

/// The JSON type a declared param must have (after substitution).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    String,
    Integer,
    Number,
    Boolean,
    Object,
    Array,
    Any,
    /// A secret output's reference `{name, key}` (never its value).
    Secret,
}

impl ParamType {
    pub const NAMES: [&'static str; 8] = [
        "string", "integer", "number", "boolean", "object", "array", "any", "secret",
    ];

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "string" => ParamType::String,
            "integer" => ParamType::Integer,
            "number" => ParamType::Number,
            "boolean" => ParamType::Boolean,
            "object" => ParamType::Object,
            "array" => ParamType::Array,
            "any" => ParamType::Any,
            "secret" => ParamType::Secret,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Integer => "integer",
            ParamType::Number => "number",
            ParamType::Boolean => "boolean",
            ParamType::Object => "object",
            ParamType::Array => "array",
            ParamType::Any => "any",
            ParamType::Secret => "secret",
        }
    }

    /// True when `v` has this type (`null` matches nothing but `any`).
    pub fn accepts(self, v: &serde_json::Value) -> bool {
        use serde_json::Value as J;
        match self {
            ParamType::Any => true,
            ParamType::String => v.is_string(),
            ParamType::Integer => v.is_i64() || v.is_u64(),
            ParamType::Number => v.is_number(),
            ParamType::Boolean => v.is_boolean(),
            ParamType::Object => matches!(v, J::Object(_)),
            ParamType::Array => matches!(v, J::Array(_)),
            ParamType::Secret => match v {
                J::Object(m) => {
                    m.get("name").is_some_and(J::is_string)
                        && m.get("key").is_none_or(|k| k.is_string() || k.is_null())
                        && m.keys().all(|k| k == "name" || k == "key")
                }
                _ => false,
            },
        }
    }
}

/// A declared param.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ParamSpec {
    #[serde(rename = "type")]
    pub type_: ParamType,
    pub default: Option<serde_json::Value>,
    pub required: bool,
    pub description: Option<String>,
}

/// The output name of an *open* declaration (`outputs: {"*": {secret: true}}`): the provisioner
/// produces, besides its explicitly declared outputs, exactly the keys its consumers reference
/// (`requested_outputs` in the template data, `requested_outputs` in a command's stdin).
pub const OPEN_OUTPUTS: &str = "*";

/// A declared output.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OutputSpec {
    pub secret: bool,
    pub description: Option<String>,
}

/// A section of a template provisioner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Init,
    State,
    Shared,
    OutputsTemplate,
    Kubernetes,
    Ecs,
    Nomad,
}

impl Section {
    /// Sections in evaluation order.
    pub const ORDER: [Section; 7] = [
        Section::Init,
        Section::State,
        Section::Shared,
        Section::OutputsTemplate,
        Section::Kubernetes,
        Section::Ecs,
        Section::Nomad,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Section::Init => "init",
            Section::State => "state",
            Section::Shared => "shared",
            Section::OutputsTemplate => "outputs_template",
            Section::Kubernetes => "kubernetes",
            Section::Ecs => "ecs",
            Section::Nomad => "nomad",
        }
    }

    /// The target section a target renders (`helm` uses `kubernetes`).
    pub fn for_target(t: Target) -> Section {
        match t.provisioner_section() {
            "ecs" => Section::Ecs,
            "nomad" => Section::Nomad,
            _ => Section::Kubernetes,
        }
    }

    fn is_target(self) -> bool {
        matches!(self, Section::Kubernetes | Section::Ecs | Section::Nomad)
    }
}

/// The text of one template section and where it starts in its file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SectionSource {
    pub text: String,
    /// File line of the template's first line.
    pub line: u32,
    #[serde(skip)]
    pub span: Span,
}

/// How the program of a `cmd://` provisioner is found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CmdProgram {
    /// `cmd://NAME`: looked up on `PATH` by the runner.
    OnPath(String),
    /// `cmd://./x` or `cmd://../x`: relative to the provisioner file's directory (`base` is `.`
    /// or `..`, `path` has no leading `/`).
    Relative { base: String, path: String },
    /// `cmd://~/x`: relative to the home directory (expanded by the runner).
    Home(String),
    /// `cmd:///abs/x`: an absolute path.
    Absolute(String),
}

/// A `cmd://` provisioner's command.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CmdSpec {
    pub program: CmdProgram,
    /// Arguments; `<mode>` is replaced by `provision`.
    pub args: Vec<String>,
    pub timeout: Duration,
}

/// Default timeout of a `cmd://` provisioner.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// What a provisioner runs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProvisionerKind {
    /// Handlebars sections (compiled by the [`crate::ProvisionerSet`]).
    Template {
        sections: BTreeMap<Section, SectionSource>,
    },
    Cmd(CmdSpec),
    /// A score-k8s template provisioner: Go `text/template` sections `init`, `state`, `shared`,
    /// `outputs` (as [`Section::OutputsTemplate`]) and `manifests` (as [`Section::Kubernetes`]),
    /// run by [`crate::gotmpl`] (Kubernetes and Helm targets only).
    GoTemplate {
        sections: BTreeMap<Section, SectionSource>,
    },
}

/// One provisioner of a file.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Provisioner {
    pub uri: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub class: Option<String>,
    pub id: Option<String>,
    pub description: Option<String>,
    pub params: BTreeMap<String, ParamSpec>,
    pub outputs: BTreeMap<String, OutputSpec>,
    pub origin: Origin,
    /// False for a `cmd://` provisioner without `supported_params`/`params`: any params pass.
    pub params_declared: bool,
    /// `strict_params: true`: a param the provisioner does not declare is an error, not a warning.
    pub strict_params: bool,
    /// False for a `cmd://` provisioner without `expected_outputs`/`outputs`: any outputs pass.
    /// `outputs` may hold the open declaration [`OPEN_OUTPUTS`] (see [`Provisioner::open_outputs`]).
    pub outputs_declared: bool,
    /// Where the provisioner is declared.
    #[serde(skip)]
    pub span: Span,
    pub kind: ProvisionerKind,
}

impl Provisioner {
    /// Does this provisioner handle a resource of this type, class and id (the part after `#`)?
    pub fn matches(&self, type_: &str, class: &str, id: &str) -> bool {
        self.type_ == type_
            && self.class.as_deref().is_none_or(|c| c == class)
            && self.id.as_deref().is_none_or(|i| i == id)
    }

    /// False for a template provisioner that has target sections but none for `target` (it is
    /// skipped on that target).
    pub fn supports(&self, target: Target) -> bool {
        match &self.kind {
            ProvisionerKind::Cmd(_) => true,
            ProvisionerKind::GoTemplate { .. } => target.provisioner_section() == "kubernetes",
            ProvisionerKind::Template { sections } => {
                let mut targets = sections.keys().filter(|s| s.is_target()).peekable();
                targets.peek().is_none() || sections.contains_key(&Section::for_target(target))
            }
        }
    }

    /// The spec of the open declaration `"*"`, when the provisioner has one: every output the
    /// consumers reference that is not declared explicitly is produced with this spec.
    pub fn open_outputs(&self) -> Option<&OutputSpec> {
        self.outputs.get(OPEN_OUTPUTS)
    }

    /// The explicitly declared outputs (without the open declaration `"*"`).
    pub fn declared_outputs(&self) -> impl Iterator<Item = (&String, &OutputSpec)> {
        self.outputs.iter().filter(|(k, _)| *k != OPEN_OUTPUTS)
    }

    /// Is `name` declared explicitly (not only through the open declaration)?
    pub fn declares_output(&self, name: &str) -> bool {
        name != OPEN_OUTPUTS && self.outputs.contains_key(name)
    }

    /// `template` or `cmd`.
    pub fn scheme(&self) -> &'static str {
        match self.kind {
            ProvisionerKind::Template { .. } | ProvisionerKind::GoTemplate { .. } => "template",
            ProvisionerKind::Cmd(_) => "cmd",
        }
    }
}

/// The keys every provisioner accepts; then [`TEMPLATE_KEYS`] or [`CMD_KEYS`] by scheme.
pub const COMMON_KEYS: [&str; 6] = ["uri", "type", "class", "id", "description", "strict_params"];
pub const TEMPLATE_KEYS: [&str; 11] = [
    "params",
    "outputs",
    "supported_params",
    "expected_outputs",
    "init",
    "state",
    "shared",
    "outputs_template",
    "kubernetes",
    "ecs",
    "nomad",
];
pub const CMD_KEYS: [&str; 6] = [
    "params",
    "outputs",
    "supported_params",
    "expected_outputs",
    "args",
    "timeout",
];

pub(crate) fn err(code: Code, pos: &Pos, path: &str, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::error(code, msg).at(pos.span(path))
}

/// Decode a provisioner file. Every problem of the file is reported.
pub(crate) fn decode_file(
    file: &str,
    text: &str,
    origin: &Origin,
) -> Result<Vec<Provisioner>, Diagnostics> {
    let root = yaml::parse(file, text)?;
    let Some(root) = root else { return Ok(vec![]) };
    let items = match &root.value {
        Value::Seq(items) => items,
        _ if root.is_null() => return Ok(vec![]),
        _ => {
            return Err(Diagnostics(vec![
                err(
                    Code::WrongShape,
                    &root.pos,
                    "",
                    format!(
                        "a provisioner file is a YAML list of provisioners, found {}",
                        root.type_name()
                    ),
                )
                .hint("start each provisioner with `- uri: template://…`"),
            ]));
        }
    };
    let mut diags = Diagnostics::new();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(p) = decode_one(item, &format!("/{i}"), origin, &mut diags) {
            out.push(p);
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(out)
    }
}

pub(crate) fn scalar(
    node: &Node,
    path: &str,
    key: &str,
    diags: &mut Diagnostics,
) -> Option<String> {
    match node.scalar_text() {
        Some(s) => Some(s),
        _ => {
            diags.push(err(
                Code::InvalidType,
                &node.pos,
                path,
                format!("`{key}` must be a string, found {}", node.type_name()),
            ));
            None
        }
    }
}

/// A boolean field `key`, or an error.
fn flag(node: &Node, path: &str, key: &str, diags: &mut Diagnostics) -> Option<bool> {
    match node.to_json() {
        serde_json::Value::Bool(b) => Some(b),
        _ => {
            diags.push(err(
                Code::InvalidType,
                &node.pos,
                path,
                format!("`{key}` must be true or false"),
            ));
            None
        }
    }
}

pub(crate) fn string_list(
    node: &Node,
    path: &str,
    key: &str,
    diags: &mut Diagnostics,
) -> Vec<String> {
    match &node.value {
        Value::Seq(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, n)| scalar(n, &format!("{path}/{i}"), key, diags))
            .collect(),
        _ if node.is_null() => vec![],
        _ => {
            diags.push(err(
                Code::InvalidType,
                &node.pos,
                path,
                format!(
                    "`{key}` must be a list of strings, found {}",
                    node.type_name()
                ),
            ));
            vec![]
        }
    }
}

fn decode_one(
    item: &Node,
    path: &str,
    origin: &Origin,
    diags: &mut Diagnostics,
) -> Option<Provisioner> {
    let Value::Map(entries) = &item.value else {
        diags.push(err(
            Code::WrongShape,
            &item.pos,
            path,
            format!("a provisioner is a map, found {}", item.type_name()),
        ));
        return None;
    };
    let get = |k: &str| {
        entries
            .iter()
            .find(|(key, _)| key.name == k)
            .map(|(_, v)| v)
    };
    let before = diags.len();
    let required = |k: &str, example: &str, diags: &mut Diagnostics| match get(k) {
        Some(n) => scalar(n, &format!("{path}/{k}"), k, diags),
        None => {
            diags.push(
                err(
                    Code::RequiredField,
                    &item.pos,
                    path,
                    format!("provisioner has no `{k}`"),
                )
                .hint(format!("add e.g. `{k}: {example}`")),
            );
            None
        }
    };

    let uri = required("uri", "template://my-team/postgres", diags);
    let scheme_is_cmd = uri.as_deref().is_some_and(|u| u.starts_with("cmd://"));
    if let Some(u) = &uri
        && !u.starts_with("cmd://")
        && !u.starts_with("template://")
    {
        let span = get("uri").map_or(&item.pos, |n| &n.pos);
        diags.push(
            err(
                Code::InvalidValue,
                span,
                &format!("{path}/uri"),
                format!("unsupported provisioner uri `{u}`"),
            )
            .hint("the scheme must be `template://` or `cmd://`"),
        );
    }

    if !scheme_is_cmd && crate::k8s_dialect::is_score_k8s(entries) {
        return crate::k8s_dialect::decode(item, entries, path, origin, uri, diags);
    }
    let allowed: Vec<&str> = COMMON_KEYS
        .iter()
        .chain(if scheme_is_cmd {
            CMD_KEYS.as_slice()
        } else {
            TEMPLATE_KEYS.as_slice()
        })
        .copied()
        .collect();
    for (k, _) in entries {
        // Duplicate keys are errors of the YAML tree already.
        let name = k.name.as_str();
        if allowed.contains(&name) {
            continue;
        }
        let mut d = err(
            Code::UnknownField,
            &k.pos,
            &format!("{path}/{name}"),
            format!(
                "unknown field `{name}` in a {} provisioner",
                if scheme_is_cmd {
                    "cmd://"
                } else {
                    "template://"
                }
            ),
        );
        d = match (name, scheme_is_cmd) {
            ("manifests", false) => d.hint("score-x template provisioners write Kubernetes objects in `kubernetes:` (handlebars, not Go templates)"),
            (_, _) => match did_you_mean(name, allowed.iter().copied()) {
                Some(s) => d.hint(format!("did you mean `{s}`?")),
                None => d.hint(format!("known fields: {}", allowed.join(", "))),
            },
        };
        diags.push(d);
    }

    let opt = |k: &str, diags: &mut Diagnostics| {
        get(k)
            .filter(|n| !n.is_null())
            .and_then(|n| scalar(n, &format!("{path}/{k}"), k, diags))
    };
    let type_ = required("type", "postgres", diags);
    let class = opt("class", diags);
    let id = opt("id", diags);
    let description = opt("description", diags);
    let strict_params = match get("strict_params").map(|n| &n.value) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            let n = get("strict_params").map_or(&item.pos, |n| &n.pos);
            let at = format!("{path}/strict_params");
            diags.push(err(
                Code::InvalidType,
                n,
                &at,
                "`strict_params` must be true or false",
            ));
            false
        }
    };

    // Params: `params` (typed) or `supported_params` (names only); likewise outputs.
    let (params, params_declared) = PARAMS.decode(&get, path, !scheme_is_cmd, diags);
    let (outputs, outputs_declared) = OUTPUTS.decode(&get, path, !scheme_is_cmd, diags);

    let kind = if scheme_is_cmd {
        let program = uri.as_deref().and_then(|u| {
            parse_cmd_uri(u)
                .map_err(|m| {
                    let span = get("uri").map_or(&item.pos, |n| &n.pos);
                    diags.push(err(Code::InvalidValue, span, &format!("{path}/uri"), m));
                })
                .ok()
        });
        let args = get("args")
            .map(|n| string_list(n, &format!("{path}/args"), "args", diags))
            .unwrap_or_default();
        let timeout = match get("timeout") {
            None => DEFAULT_TIMEOUT,
            Some(n) => match n.scalar_text().as_deref().and_then(parse_duration) {
                Some(d) => d,
                None => {
                    diags.push(err(Code::InvalidValue, &n.pos, &format!("{path}/timeout"), "`timeout` must be a duration such as `30s`, `2m`, `500ms` or a number of seconds"));
                    DEFAULT_TIMEOUT
                }
            },
        };
        ProvisionerKind::Cmd(CmdSpec {
            program: program.unwrap_or(CmdProgram::OnPath(String::new())),
            args,
            timeout,
        })
    } else {
        let mut sections = BTreeMap::new();
        for s in Section::ORDER {
            if let Some(n) = get(s.key()) {
                if n.is_null() {
                    continue;
                }
                if let Some(text) = scalar(n, &format!("{path}/{}", s.key()), s.key(), diags) {
                    let span = n.pos.span(&format!("{path}/{}", s.key()));
                    sections.insert(
                        s,
                        SectionSource {
                            text,
                            line: n.pos.line,
                            span,
                        },
                    );
                }
            }
        }
        ProvisionerKind::Template { sections }
    };

    if diags.len() > before {
        return None;
    }
    Some(Provisioner {
        uri: uri?,
        type_: type_?,
        class,
        id,
        description,
        params,
        outputs,
        origin: origin.clone(),
        params_declared,
        strict_params,
        outputs_declared,
        // The first key's position (a block mapping's own mark is less useful).
        span: entries
            .first()
            .map_or(&item.pos, |(k, _)| &k.pos)
            .span(path),
        kind,
    })
}

/// Where a provisioner declares its params or outputs: typed under `typed` (a map read by
/// `decode_typed`), or as bare names under `names`, each then `untyped`; never both. In the typed
/// form each entry declares a `what` by a map such as `such` with some of `fields`, or is null.
struct Declaration<T: 'static> {
    typed: &'static str,
    names: &'static str,
    decode_typed: fn(&Node, &str, &mut Diagnostics) -> BTreeMap<String, T>,
    untyped: T,
    what: &'static str,
    such: &'static str,
    fields: &'static [&'static str],
}

/// The fields of a typed param declaration (`params: {NAME: {type, …}}`).
pub const PARAM_FIELDS: [&str; 4] = ["type", "default", "required", "description"];
/// The fields of a typed output declaration (`outputs: {NAME: {secret, description}}`).
pub const OUTPUT_FIELDS: [&str; 2] = ["secret", "description"];

const PARAMS: Declaration<ParamSpec> = Declaration {
    typed: "params",
    names: "supported_params",
    decode_typed: decode_params,
    untyped: ParamSpec {
        type_: ParamType::Any,
        default: None,
        required: false,
        description: None,
    },
    what: "param",
    such: "`{ type: string, default: \"x\" }`",
    fields: &PARAM_FIELDS,
};

const OUTPUTS: Declaration<OutputSpec> = Declaration {
    typed: "outputs",
    names: "expected_outputs",
    decode_typed: decode_outputs,
    untyped: OutputSpec {
        secret: false,
        description: None,
    },
    what: "output",
    such: "`{ secret: true }` or `{}`",
    fields: &OUTPUT_FIELDS,
};

impl<T: Clone> Declaration<T> {
    /// The declared entries of the provisioner at `path` and whether it declared any key;
    /// `undeclared` is that flag when it gives neither key.
    fn decode<'n>(
        &self,
        get: &dyn Fn(&str) -> Option<&'n Node>,
        path: &str,
        undeclared: bool,
        diags: &mut Diagnostics,
    ) -> (BTreeMap<String, T>, bool) {
        let typed_path = format!("{path}/{}", self.typed);
        let names_path = format!("{path}/{}", self.names);
        match (get(self.typed), get(self.names)) {
            (Some(t), Some(n)) => {
                diags.push(err(
                    Code::InvalidValue,
                    &n.pos,
                    &names_path,
                    format!("give either `{}` or `{}`, not both", self.typed, self.names),
                ));
                ((self.decode_typed)(t, &typed_path, diags), true)
            }
            (Some(t), None) => ((self.decode_typed)(t, &typed_path, diags), true),
            (None, Some(n)) => {
                let names = string_list(n, &names_path, self.names, diags);
                let entries = names
                    .into_iter()
                    .map(|name| (name, self.untyped.clone()))
                    .collect();
                (entries, true)
            }
            (None, None) => (BTreeMap::new(), undeclared),
        }
    }
}

impl<T: Clone> Declaration<T> {
    /// The typed entries at `path`: each starts `untyped`, every known field goes to `field`
    /// (spec, field name, value, path), then `check` sees the entry (spec, name, node, path).
    /// Unknown fields and entries of another shape are reported.
    fn typed_entries(
        &self,
        entries: &[(Key, Node)],
        path: &str,
        diags: &mut Diagnostics,
        mut field: impl FnMut(&mut T, &str, &Node, &str, &mut Diagnostics),
        mut check: impl FnMut(&T, &str, &Node, &str, &mut Diagnostics),
    ) -> BTreeMap<String, T> {
        let mut out = BTreeMap::new();
        for (k, v) in entries {
            let name = k.name.clone();
            let p = format!("{path}/{name}");
            let mut spec = self.untyped.clone();
            match &v.value {
                Value::Map(fields) => {
                    for (fk, fv) in fields {
                        let f = fk.name.as_str();
                        let fp = format!("{p}/{f}");
                        if self.fields.contains(&f) {
                            field(&mut spec, f, fv, &fp, diags);
                            continue;
                        }
                        let what = self.what;
                        let mut d = err(
                            Code::UnknownField,
                            &fk.pos,
                            &fp,
                            format!("unknown field `{f}` in {what} `{name}`"),
                        );
                        if let Some(s) = did_you_mean(f, self.fields.iter().copied()) {
                            d = d.hint(format!("did you mean `{s}`?"));
                        }
                        diags.push(d);
                    }
                }
                _ if v.is_null() => {}
                _ => diags.push(err(
                    Code::InvalidType,
                    &v.pos,
                    &p,
                    format!(
                        "{} `{name}` must be a map such as {}, found {}",
                        self.what,
                        self.such,
                        v.type_name()
                    ),
                )),
            }
            check(&spec, &name, v, &p, diags);
            out.insert(name, spec);
        }
        out
    }
}

fn decode_params(node: &Node, path: &str, diags: &mut Diagnostics) -> BTreeMap<String, ParamSpec> {
    let Value::Map(entries) = &node.value else {
        if !node.is_null() {
            diags.push(err(Code::InvalidType, &node.pos, path, format!("`params` must be a map of param name → {{type, default, required, description}}, found {}", node.type_name())));
        }
        return BTreeMap::new();
    };
    let field =
        |spec: &mut ParamSpec, f: &str, fv: &Node, fp: &str, diags: &mut Diagnostics| match f {
            "type" => match fv.scalar_text().as_deref().and_then(ParamType::parse) {
                Some(t) => spec.type_ = t,
                None => {
                    let got = fv.scalar_text().unwrap_or_default();
                    let mut d = err(
                        Code::InvalidValue,
                        &fv.pos,
                        fp,
                        format!("unknown param type `{got}`"),
                    );
                    d = match did_you_mean(&got, ParamType::NAMES) {
                        Some(s) => d.hint(format!("did you mean `{s}`?")),
                        None => d.hint(format!("expected one of {}", ParamType::NAMES.join(", "))),
                    };
                    diags.push(d);
                }
            },
            "default" => spec.default = Some(fv.to_json()),
            "required" => spec.required = flag(fv, fp, f, diags).unwrap_or(spec.required),
            _ => spec.description = scalar(fv, fp, "description", diags),
        };
    let check = |spec: &ParamSpec, name: &str, v: &Node, p: &str, diags: &mut Diagnostics| {
        if let Some(def) = &spec.default
            && !spec.type_.accepts(def)
        {
            diags.push(err(
                Code::InvalidType,
                &v.pos,
                p,
                format!(
                    "the default of param `{name}` is not of type {}",
                    spec.type_.as_str()
                ),
            ));
        }
    };
    PARAMS.typed_entries(entries, path, diags, field, check)
}

fn decode_outputs(
    node: &Node,
    path: &str,
    diags: &mut Diagnostics,
) -> BTreeMap<String, OutputSpec> {
    let entries = match &node.value {
        Value::Map(entries) => entries,
        Value::Str(_) | Value::Int(_) | Value::Float(..) | Value::Bool(_) => {
            diags.push(err(Code::InvalidType, &node.pos, path, "`outputs` declares the outputs (a map of name → {secret, description}); found a string")
                .hint("score-k8s template provisioners render outputs with a Go template in `outputs`; in score-x, declare them here and render them with handlebars in `outputs_template`"));
            return BTreeMap::new();
        }
        _ if node.is_null() => return BTreeMap::new(),
        _ => {
            diags.push(err(
                Code::InvalidType,
                &node.pos,
                path,
                format!(
                    "`outputs` must be a map of output name → {{secret, description}}, found {}",
                    node.type_name()
                ),
            ));
            return BTreeMap::new();
        }
    };
    let field =
        |spec: &mut OutputSpec, f: &str, fv: &Node, fp: &str, diags: &mut Diagnostics| match f {
            "secret" => spec.secret = flag(fv, fp, f, diags).unwrap_or(spec.secret),
            _ => spec.description = scalar(fv, fp, "description", diags),
        };
    OUTPUTS.typed_entries(entries, path, diags, field, |_, _, _, _, _| {})
}

/// Parse `cmd://BINARY[/path][#fragment]` (score-k8s rules).
pub(crate) fn parse_cmd_uri(uri: &str) -> Result<CmdProgram, String> {
    let rest = uri
        .strip_prefix("cmd://")
        .ok_or_else(|| format!("`{uri}` is not a cmd:// uri"))?;
    let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
    if rest.contains('?') {
        return Err(format!("cmd provisioner uri `{uri}` must not have a query"));
    }
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if host.contains('@') || (host.contains(':') && host != "..") {
        return Err(format!(
            "cmd provisioner uri `{uri}` must not have user info or a port"
        ));
    }
    let trimmed = path.trim_start_matches('/');
    match host {
        "" if trimmed.is_empty() => Err(format!("cmd provisioner uri `{uri}` names no program")),
        "" => Ok(CmdProgram::Absolute(path.to_string())),
        "." | ".." if trimmed.is_empty() => Err(format!(
            "cmd provisioner uri `{uri}` names a directory, not a program"
        )),
        "." | ".." => Ok(CmdProgram::Relative {
            base: host.to_string(),
            path: trimmed.to_string(),
        }),
        "~" if trimmed.is_empty() => Err(format!(
            "cmd provisioner uri `{uri}` names a directory, not a program"
        )),
        "~" => Ok(CmdProgram::Home(trimmed.to_string())),
        name if trimmed.is_empty() => Ok(CmdProgram::OnPath(name.to_string())),
        _ => Err(format!(
            "cmd provisioner uri `{uri}`: a program looked up on PATH cannot have a path; use `cmd://./{}` for a file next to the provisioner file",
            rest
        )),
    }
}

/// `30s`, `2m`, `500ms`, `1h` or a plain number of seconds.
pub(crate) fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: u64 = num.parse().ok()?;
    let d = match unit {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.checked_mul(60)?),
        "h" => Duration::from_secs(n.checked_mul(3600)?),
        _ => return None,
    };
    (!d.is_zero()).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &str) -> Result<Vec<Provisioner>, Diagnostics> {
        decode_file("p.yaml", text, &Origin::User("p.yaml".into()))
    }

    #[test]
    fn template_provisioner() {
        let ps = decode(
            "- uri: template://acme/pg\n  type: postgres\n  class: managed\n  params:\n    version: { type: string, default: \"16\" }\n  outputs:\n    host: {}\n    password: { secret: true }\n  outputs_template: |\n    host: h\n  kubernetes: |\n    []\n",
        )
        .unwrap();
        let p = &ps[0];
        assert_eq!(p.type_, "postgres");
        assert_eq!(p.params["version"].default, Some(serde_json::json!("16")));
        assert!(p.outputs["password"].secret);
        let ProvisionerKind::Template { sections } = &p.kind else {
            panic!()
        };
        assert_eq!(sections[&Section::OutputsTemplate].line, 10);
        assert!(p.supports(Target::KUBERNETES) && p.supports(Target::HELM));
        assert!(!p.supports(Target::ECS));
        assert!(p.matches("postgres", "managed", "x") && !p.matches("postgres", "default", "x"));
    }

    #[test]
    fn unknown_key_did_you_mean_with_line() {
        let e = decode("- uri: template://a\n  type: t\n  outptus: {}\n").unwrap_err();
        let d = &e.0[0];
        assert_eq!(d.code, Code::UnknownField);
        assert_eq!(d.span.as_ref().unwrap().line, 3);
        assert_eq!(d.hint.as_deref(), Some("did you mean `outputs`?"));
    }

    #[test]
    fn score_k8s_cmd_file_loads_unchanged() {
        let ps = decode("- uri: cmd://python3#dotenv\n  type: environment\n  description: env\n  args: [\"-c\", \"print(1)\", \"<mode>\"]\n  supported_params: [a]\n  expected_outputs: [x]\n").unwrap();
        let ProvisionerKind::Cmd(c) = &ps[0].kind else {
            panic!()
        };
        assert_eq!(c.program, CmdProgram::OnPath("python3".into()));
        assert_eq!(c.timeout, DEFAULT_TIMEOUT);
        assert!(ps[0].params_declared && ps[0].outputs.contains_key("x"));
        let open = decode("- uri: cmd://bash\n  type: x\n").unwrap();
        assert!(!open[0].params_declared && !open[0].outputs_declared);
    }

    /// Every error of decoding `text`, as shown (position, code, YAML path, message, hint).
    fn errors(text: &str) -> Vec<String> {
        decode(text)
            .err()
            .map_or_else(Vec::new, |e| e.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn uri_and_type_are_required() {
        assert_eq!(
            errors("- class: x\n"),
            [
                "p.yaml:1:3: error[REQUIRED_FIELD] at /0: provisioner has no `uri` (hint: add e.g. `uri: template://my-team/postgres`)",
                "p.yaml:1:3: error[REQUIRED_FIELD] at /0: provisioner has no `type` (hint: add e.g. `type: postgres`)",
            ]
        );
    }

    #[test]
    fn params_and_outputs_are_typed_or_names_never_both() {
        assert_eq!(
            errors(
                "- uri: template://a\n  type: t\n  params: { a: {} }\n  supported_params: [a]\n  outputs: { x: {} }\n  expected_outputs: [x]\n"
            ),
            [
                "p.yaml:4:3: error[INVALID_VALUE] at /0/supported_params: give either `params` or `supported_params`, not both",
                "p.yaml:6:3: error[INVALID_VALUE] at /0/expected_outputs: give either `outputs` or `expected_outputs`, not both",
            ]
        );
        let ps = decode("- uri: template://a\n  type: t\n  supported_params: [a, b]\n  expected_outputs: [x]\n- uri: template://b\n  type: u\n").unwrap();
        assert_eq!(ps[0].params["b"], PARAMS.untyped);
        assert_eq!(ps[0].params.len(), 2);
        assert_eq!(ps[0].outputs["x"], OUTPUTS.untyped);
        assert!(ps[0].params_declared && ps[0].outputs_declared);
        // A template provisioner that declares nothing accepts nothing.
        assert!(ps[1].params.is_empty() && ps[1].params_declared && ps[1].outputs_declared);
    }

    #[test]
    fn declaration_entries_and_fields_are_checked() {
        assert_eq!(
            errors(
                "- uri: template://a\n  type: t\n  params: { a: 1, b: { typ: string } }\n  outputs: { x: [], y: { secert: true } }\n"
            ),
            [
                "p.yaml:3:16: error[INVALID_TYPE] at /0/params/a: param `a` must be a map such as `{ type: string, default: \"x\" }`, found an integer",
                "p.yaml:3:24: error[UNKNOWN_FIELD] at /0/params/b/typ: unknown field `typ` in param `b` (hint: did you mean `type`?)",
                "p.yaml:4:14: error[INVALID_TYPE] at /0/outputs/x: output `x` must be a map such as `{ secret: true }` or `{}`, found a list",
                "p.yaml:4:26: error[UNKNOWN_FIELD] at /0/outputs/y/secert: unknown field `secert` in output `y` (hint: did you mean `secret`?)",
            ]
        );
        assert_eq!(
            errors(
                "- uri: template://a\n  type: t\n  params: { a: { type: integer, default: x, required: 1 } }\n  outputs: { x: { secret: yes } }\n"
            ),
            [
                "p.yaml:3:55: error[INVALID_TYPE] at /0/params/a/required: `required` must be true or false",
                "p.yaml:3:13: error[INVALID_TYPE] at /0/params/a: the default of param `a` is not of type integer",
                "p.yaml:4:27: error[INVALID_TYPE] at /0/outputs/x/secret: `secret` must be true or false",
            ]
        );
    }

    #[test]
    fn duplicate_fields_are_errors() {
        let e = decode("- uri: template://a\n  type: t\n  type: u\n").unwrap_err();
        assert_eq!(e.0[0].message, "duplicate key `type`");
        assert_eq!(e.0[0].span.as_ref().unwrap().line, 3);
        assert_eq!(e.0[0].related[0].0.line, 2);
    }

    #[test]
    fn score_k8s_templates_are_recognised_and_mixed_keys_get_a_hint() {
        let ps = decode("- uri: template://x\n  type: t\n  outputs: |\n    host: {{ .Uid }}\n  manifests: |\n    []\n").unwrap();
        assert!(matches!(ps[0].kind, ProvisionerKind::GoTemplate { .. }));
        assert!(ps[0].supports(Target::HELM) && !ps[0].supports(Target::ECS));
        let e = decode(
            "- uri: template://x\n  type: t\n  outputs_template: 'a: b'\n  manifests: |\n    []\n",
        )
        .unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(
            e.0[0]
                .message
                .contains("unknown field `outputs_template` in a score-k8s template provisioner")
        );
        assert!(
            e.0[0]
                .hint
                .as_deref()
                .is_some_and(|h| h.contains("cannot be mixed in"))
        );
        let e =
            decode("- uri: template://x\n  type: t\n  outputs: |\n    a: b\n    c: {{ if .X }}\n")
                .unwrap_err();
        assert!(
            e.0[0]
                .message
                .contains("section `outputs` is not a valid Go template: line 2"),
            "{:?}",
            e.0[0]
        );
        assert_eq!(e.0[0].span.as_ref().unwrap().line, 5);
    }

    #[test]
    fn cmd_uris() {
        assert_eq!(
            parse_cmd_uri("cmd://./bin/p.sh#x"),
            Ok(CmdProgram::Relative {
                base: ".".into(),
                path: "bin/p.sh".into()
            })
        );
        assert_eq!(
            parse_cmd_uri("cmd://../p"),
            Ok(CmdProgram::Relative {
                base: "..".into(),
                path: "p".into()
            })
        );
        assert_eq!(parse_cmd_uri("cmd://~/p"), Ok(CmdProgram::Home("p".into())));
        assert_eq!(
            parse_cmd_uri("cmd:///usr/bin/env"),
            Ok(CmdProgram::Absolute("/usr/bin/env".into()))
        );
        assert!(parse_cmd_uri("cmd://python3/x").is_err());
        assert!(parse_cmd_uri("cmd://u@h").is_err());
        assert!(parse_cmd_uri("cmd://").is_err());
    }

    #[test]
    fn durations_and_param_types() {
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_duration("0s"), None);
        assert_eq!(parse_duration("3d"), None);
        let e = decode(
            "- uri: template://a\n  type: t\n  params:\n    v: { type: strng, default: 1 }\n",
        )
        .unwrap_err();
        assert_eq!(e.0[0].hint.as_deref(), Some("did you mean `string`?"));
        let e = decode(
            "- uri: template://a\n  type: t\n  params:\n    v: { type: string, default: 1 }\n",
        )
        .unwrap_err();
        assert!(e.0[0].message.contains("default"));
        assert!(decode("uri: x").is_err());
        assert!(decode("- uri: http://x\n  type: t\n").is_err());
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn decoding_never_panics(text in "\\PC{0,200}") {
            let _ = decode_file("p.yaml", &text, &Origin::User("p.yaml".into()));
        }

        #[test]
        fn decoding_yaml_soup_never_panics(text in "[- :a-z{}\\[\\]|\n'\"#&*!]{0,120}") {
            let _ = decode_file("p.yaml", &text, &Origin::User("p.yaml".into()));
        }

        #[test]
        fn cmd_uris_never_panic(rest in "\\PC{0,40}") {
            let _ = parse_cmd_uri(&format!("cmd://{rest}"));
            let _ = parse_duration(&rest);
        }
    }
}
