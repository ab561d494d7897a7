//! Variables and files that need Nomad templates: secret or runtime values become one env
//! template (`env = true`), files become templates mounted at their target path.

use base64::Engine as _;
use score_x_core::naming::short_hash;
use score_x_core::resolved::{ResolvedContainer, ResolvedContent};

use crate::ctx::Ctx;
use crate::gotmpl::{self, LEFT, RIGHT};
use crate::model::{DockerMount, Template};

/// Where the env template of a container is rendered when it holds secrets.
pub const SECRET_ENV_FILE: &str = "secrets/score-x.env";
/// Where it is rendered when it holds only runtime addresses.
pub const ENV_FILE: &str = "local/score-x.env";

fn template(data: String, dest: String, perms: Option<String>, env: bool) -> Template {
    Template {
        embedded_tmpl: data,
        dest_path: dest,
        perms,
        left_delim: LEFT.to_string(),
        right_delim: RIGHT.to_string(),
        envvars: env,
        change_mode: "restart".to_string(),
    }
}

/// The env template of container `c` of job `job` (variables holding secrets or runtime
/// references), or `None`. Plain variables stay in `env`.
pub fn env_template(ctx: &mut Ctx, job: &str, c: &ResolvedContainer) -> Option<Template> {
    let mut data = String::new();
    let mut secret = false;
    for (name, var) in &c.variables {
        if !gotmpl::needs_template(&var.value) {
            continue;
        }
        secret |= !gotmpl::only_services(&var.value);
        let plain: String = var
            .value
            .segments
            .iter()
            .filter_map(|s| match s {
                score_x_core::resolved::Segment::Text(t) => Some(t.as_str()),
                score_x_core::resolved::Segment::Secret(_) => None,
            })
            .collect();
        if plain.contains('\n') {
            ctx.warn(
                Some(&var.span),
                format!(
                    "variable `{name}` of container `{}` spans several lines; the env template holds one `KEY=value` a line, so only its first line is read",
                    c.name
                ),
            );
        }
        let text = ctx.template_text(job, &var.value);
        data.push_str(&format!("{name}={text}\n"));
    }
    if data.is_empty() {
        return None;
    }
    let dest = if secret { SECRET_ENV_FILE } else { ENV_FILE };
    Some(template(data, dest.to_string(), None, true))
}

/// A file's templates and bind mounts.
#[derive(Debug, Default)]
pub struct Files {
    pub templates: Vec<Template>,
    pub mounts: Vec<DockerMount>,
}

/// `files` of container `c` of job `job`: one template each, rendered under `local/` (or
/// `secrets/` when it holds a secret) and bind-mounted read-only at its target path.
pub fn files(ctx: &mut Ctx, job: &str, c: &ResolvedContainer) -> Files {
    let mut out = Files::default();
    for f in c.files.values() {
        let hash = short_hash(f.target.as_bytes(), 12);
        let (data, secret) = match &f.content {
            ResolvedContent::Text(v) => {
                let secret = v.is_secret() && !gotmpl::only_services(v);
                (ctx.template_text(job, v), secret)
            }
            ResolvedContent::Binary(bytes) => {
                let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
                (format!("{LEFT} base64Decode \"{b64}\" {RIGHT}"), false)
            }
        };
        let dir = if secret { "secrets" } else { "local" };
        let dest = format!("{dir}/score-x/files/{hash}");
        let perms = f.mode.map(|m| format!("{m:04o}"));
        out.templates
            .push(template(data, dest.clone(), perms, false));
        out.mounts.push(DockerMount {
            type_: "bind".to_string(),
            source: dest,
            target: f.target.clone(),
            readonly: true,
        });
    }
    out
}
