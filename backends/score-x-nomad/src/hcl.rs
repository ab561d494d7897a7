//! The job model → an HCL2 jobspec, written with `hcl-rs` (its string escaping turns `${` into
//! `$${` and `%{` into `%%{`). Every value comes from the same [`crate::model::Job`] the JSON
//! is serialised from.

use std::collections::BTreeMap;

use hcl::expr::{Traversal, Variable};
use hcl::{Attribute, Block, BlockBuilder, Body, Expression, Identifier, Object, ObjectKey};

use crate::error::Error;
use crate::model::{
    DockerConfig, Job, Port, Resources, Service, ServiceCheck, Task, TaskGroup, Template,
    VolumeRequest,
};
use crate::options::{HclVariable, Options};

/// A string literal. The library escapes quotes, control characters and `${` / `%{`, but its
/// marker escaping (hcl-primitives 0.1.13 `escape_markers`) misses a marker right after another
/// `$` or `%` (`$${a} $${b}` came back as `${b}`): each marker is therefore handed to it at the
/// start of its own piece, where it is escaped, and the escaped pieces are joined.
fn s(v: &str) -> Expression {
    let mut starts: Vec<usize> = v
        .match_indices("${")
        .chain(v.match_indices("%{"))
        .map(|(i, _)| i)
        .collect();
    if starts.is_empty() {
        return Expression::String(v.to_string());
    }
    starts.sort_unstable();
    starts.insert(0, 0);
    starts.push(v.len());
    let mut inner = String::new();
    for w in starts.windows(2) {
        let piece = Expression::String(v[w[0]..w[1]].to_string());
        let quoted = hcl::format::to_string(&piece).unwrap_or_default();
        inner.push_str(
            quoted
                .get(1..quoted.len().saturating_sub(1))
                .unwrap_or_default(),
        );
    }
    Expression::TemplateExpr(Box::new(hcl::expr::TemplateExpr::QuotedString(inner)))
}

fn list(v: &[String]) -> Expression {
    Expression::Array(v.iter().map(|x| s(x)).collect())
}

fn attr(b: BlockBuilder, k: &str, e: Expression) -> BlockBuilder {
    b.add_attribute(Attribute::new(Identifier::unchecked(k), e))
}

fn opt_s(b: BlockBuilder, k: &str, v: &Option<String>) -> BlockBuilder {
    match v {
        Some(v) => attr(b, k, s(v)),
        None => b,
    }
}

fn opt_n(b: BlockBuilder, k: &str, v: Option<u64>) -> BlockBuilder {
    match v {
        Some(v) => attr(b, k, Expression::from(v)),
        None => b,
    }
}

/// A string map: a block of attributes when every key is an identifier, else `name = { … }`.
fn map<V>(
    b: BlockBuilder,
    name: &str,
    m: &BTreeMap<String, V>,
    f: impl Fn(&V) -> Expression,
) -> BlockBuilder {
    if m.is_empty() {
        return b;
    }
    if m.keys().all(|k| Identifier::new(k.as_str()).is_ok()) {
        let mut inner = Block::builder(Identifier::unchecked(name));
        for (k, v) in m {
            inner = attr(inner, k, f(v));
        }
        return b.add_block(inner.build());
    }
    let obj: Object<ObjectKey, Expression> = m
        .iter()
        .map(|(k, v)| (ObjectKey::Expression(s(k)), f(v)))
        .collect();
    attr(b, name, Expression::Object(obj))
}

fn port(p: &Port) -> Block {
    let b = Block::builder("port").add_label(p.label.as_str());
    let b = opt_n(b, "static", p.value.map(u64::from));
    attr(b, "to", Expression::from(u64::from(p.to))).build()
}

fn check(c: &ServiceCheck) -> Block {
    let mut b = attr(Block::builder("check"), "name", s(&c.name));
    b = attr(b, "type", s(&c.type_));
    b = opt_s(b, "path", &c.path);
    b = opt_s(b, "method", &c.method);
    b = opt_s(b, "protocol", &c.protocol);
    b = opt_s(b, "port", &c.port_label);
    b = opt_s(b, "command", &c.command);
    if !c.args.is_empty() {
        b = attr(b, "args", list(&c.args));
    }
    b = opt_s(b, "task", &c.task_name);
    b = attr(b, "interval", s(&c.interval.text()));
    b = attr(b, "timeout", s(&c.timeout.text()));
    b = map(b, "header", &c.header, |v| list(v));
    if let Some(r) = &c.check_restart {
        let rb = attr(
            Block::builder("check_restart"),
            "limit",
            Expression::from(u64::from(r.limit)),
        );
        b = b.add_block(attr(rb, "grace", s(&r.grace.text())).build());
    }
    b.build()
}

fn service(v: &Service) -> Block {
    let mut b = attr(Block::builder("service"), "name", s(&v.name));
    b = opt_s(b, "port", &v.port_label);
    b = attr(b, "provider", s(&v.provider));
    b.add_blocks(v.checks.iter().map(check)).build()
}

fn volume(v: &VolumeRequest) -> Block {
    let mut b = Block::builder("volume").add_label(v.name.as_str());
    b = attr(b, "type", s(&v.type_));
    b = attr(b, "source", s(&v.source));
    b = attr(b, "read_only", Expression::Bool(v.read_only));
    b = opt_s(b, "access_mode", &v.access_mode);
    opt_s(b, "attachment_mode", &v.attachment_mode).build()
}

/// The HCL variable holding the image of task `task`.
pub fn image_variable(task: &str) -> String {
    format!(
        "image_{}",
        task.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    )
}

fn config(c: &DockerConfig, task: &str, opts: &Options) -> Block {
    let image = if opts.variables.contains(&HclVariable::Image) {
        let var = Variable::unchecked("var");
        Expression::from(
            Traversal::builder(var)
                .attr(Identifier::unchecked(image_variable(task)))
                .build(),
        )
    } else {
        s(&c.image)
    };
    let mut b = attr(Block::builder("config"), "image", image);
    if let Some(e) = &c.entrypoint {
        b = attr(b, "entrypoint", list(e));
    }
    if let Some(a) = &c.args {
        b = attr(b, "args", list(a));
    }
    if !c.ports.is_empty() {
        b = attr(b, "ports", list(&c.ports));
    }
    if !c.volumes.is_empty() {
        b = attr(b, "volumes", list(&c.volumes));
    }
    for m in &c.mounts {
        let mut mb = attr(Block::builder("mount"), "type", s(&m.type_));
        mb = attr(mb, "source", s(&m.source));
        mb = attr(mb, "target", s(&m.target));
        b = b.add_block(attr(mb, "readonly", Expression::Bool(m.readonly)).build());
    }
    b.build()
}

fn template(t: &Template) -> Block {
    let mut b = attr(Block::builder("template"), "data", s(&t.embedded_tmpl));
    b = attr(b, "destination", s(&t.dest_path));
    b = opt_s(b, "perms", &t.perms);
    b = attr(b, "left_delimiter", s(&t.left_delim));
    b = attr(b, "right_delimiter", s(&t.right_delim));
    b = attr(b, "env", Expression::Bool(t.envvars));
    attr(b, "change_mode", s(&t.change_mode)).build()
}

fn resources(r: &Resources) -> Block {
    let mut b = Block::builder("resources");
    b = opt_n(b, "cpu", r.cpu);
    b = opt_n(b, "cores", r.cores);
    b = opt_n(b, "memory", r.memory_mb);
    opt_n(b, "memory_max", r.memory_max_mb).build()
}

fn task(t: &Task, opts: &Options) -> Block {
    let mut b = Block::builder("task").add_label(t.name.as_str());
    b = attr(b, "driver", s(&t.driver));
    if let Some(l) = &t.lifecycle {
        let lb = attr(Block::builder("lifecycle"), "hook", s(&l.hook));
        b = b.add_block(attr(lb, "sidecar", Expression::Bool(l.sidecar)).build());
    }
    b = b.add_block(config(&t.config, &t.name, opts));
    b = map(b, "env", &t.env, |v| s(v));
    b = b.add_blocks(t.templates.iter().map(template));
    for m in &t.volume_mounts {
        let mut mb = attr(Block::builder("volume_mount"), "volume", s(&m.volume));
        mb = attr(mb, "destination", s(&m.destination));
        b = b.add_block(attr(mb, "read_only", Expression::Bool(m.read_only)).build());
    }
    if let Some(r) = &t.resources {
        b = b.add_block(resources(r));
    }
    b.build()
}

fn group(g: &TaskGroup, opts: &Options) -> Block {
    let mut b = Block::builder("group").add_label(g.name.as_str());
    b = attr(b, "count", Expression::from(u64::from(g.count)));
    for n in &g.networks {
        let nb = attr(Block::builder("network"), "mode", s(&n.mode));
        let nb = nb.add_blocks(n.reserved_ports.iter().chain(&n.dynamic_ports).map(port));
        b = b.add_block(nb.build());
    }
    b = b.add_blocks(g.services.iter().map(service));
    b = b.add_blocks(g.volumes.values().map(volume));
    b.add_blocks(g.tasks.iter().map(|t| task(t, opts))).build()
}

fn variables(job: &Job, opts: &Options) -> Vec<Block> {
    if !opts.variables.contains(&HclVariable::Image) {
        return Vec::new();
    }
    let string = Expression::Variable(Variable::unchecked("string"));
    job.task_groups
        .iter()
        .flat_map(|g| &g.tasks)
        .map(|t| {
            let b = Block::builder("variable").add_label(image_variable(&t.name));
            let b = attr(b, "type", string.clone());
            let b = attr(b, "description", s(&format!("Image of task `{}`.", t.name)));
            attr(b, "default", s(&t.config.image)).build()
        })
        .collect()
}

/// The jobspec text of `job`.
pub fn jobspec(job: &Job, opts: &Options) -> Result<String, Error> {
    let mut b = Block::builder("job").add_label(job.id.as_str());
    b = attr(b, "name", s(&job.name));
    b = attr(b, "type", s(&job.type_));
    b = attr(b, "datacenters", list(&job.datacenters));
    b = opt_s(b, "namespace", &job.namespace);
    b = opt_s(b, "region", &job.region);
    b = opt_s(b, "node_pool", &job.node_pool);
    b = map(b, "meta", &job.meta, |v| s(v));
    if let Some(p) = &job.periodic {
        let mut pb = attr(
            Block::builder("periodic"),
            "crons",
            list(std::slice::from_ref(&p.spec)),
        );
        pb = attr(pb, "prohibit_overlap", Expression::Bool(p.prohibit_overlap));
        b = b.add_block(attr(pb, "enabled", Expression::Bool(p.enabled)).build());
    }
    b = b.add_blocks(job.task_groups.iter().map(|g| group(g, opts)));
    let body = Body::builder()
        .add_blocks(variables(job, opts))
        .add_block(b.build())
        .build();
    hcl::to_string(&body).map_err(|e| Error::Serialize {
        what: format!("the HCL of job `{}`", job.id),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_read_back_unchanged() {
        for text in [
            "plain",
            "a ${b}",
            "echo $${GREETING} $${NAME}!",
            "%%{x} %{y} $%{z} %${w}",
            "$$$",
            "${",
            "%{",
            "x\n\"q\"\n\t",
            "{{ .x }} [[score: y :score]]",
        ] {
            let b = Body::builder()
                .add_attribute(Attribute::new(Identifier::unchecked("data"), s(text)))
                .build();
            let printed = hcl::to_string(&b).unwrap();
            let back: BTreeMap<String, String> = hcl::from_str(&printed).unwrap();
            assert_eq!(back["data"], text, "{printed}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_string_reads_back_unchanged(text in "([$%{}\"\\\\\na ]|\\$\\{|%\\{){0,16}") {
            let b = Body::builder()
                .add_attribute(Attribute::new(Identifier::unchecked("data"), s(&text)))
                .build();
            let printed = hcl::to_string(&b).unwrap();
            let back: BTreeMap<String, String> = hcl::from_str(&printed).unwrap();
            proptest::prop_assert_eq!(&back["data"], &text, "{}", printed);
        }
    }
}
