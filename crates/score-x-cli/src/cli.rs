//! Command-line arguments (clap derive): the stable surface of DESIGN §6.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::sources::ProvisionerSource;

/// Translate Score workload files into Kubernetes manifests, ECS task definitions and more.
#[derive(Debug, Parser)]
#[command(name = "score-x", version, about, long_about = None, propagate_version = true)]
#[command(
    after_help = "Examples:\n  score-x validate score.yaml\n  score-x translate --target kubernetes examples/estate/*.yaml -o out/\n  score-x graph --format mermaid examples/estate/*.yaml"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Colour in diagnostics: auto, always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scaffold a sample score.yaml and the .score-x/ project directory.
    #[command(
        after_help = "Example:\n  score-x init            # writes score.yaml (unless present) and .score-x/"
    )]
    Init(InitArgs),
    /// Check Score files for every target, as translate would: schema, placeholders, resources,
    /// provisioners, params, outputs, capabilities (runs no cmd:// provisioner, writes nothing).
    #[command(
        after_help = "Examples:\n  score-x validate score.yaml\n  score-x validate --target ecs --image api:1.2 score.yaml\n  score-x validate --format json services/*/score.yaml\n\nExit codes: 0 valid, 1 invalid, 2 usage error."
    )]
    Validate(ValidateArgs),
    /// Show the resource graph: workloads, shared resources, dependencies, provisioning order.
    #[command(
        after_help = "Examples:\n  score-x graph a.yaml b.yaml\n  score-x graph --format dot *.yaml | dot -Tsvg > graph.svg\n  score-x graph --format mermaid *.yaml >> README.md\n  score-x graph --placement placement.yaml --format dot *.yaml"
    )]
    Graph(GraphArgs),
    /// Translate Score files into deployable artifacts for a target.
    #[command(
        after_help = "Examples:\n  score-x translate --target kubernetes score.yaml     # writes score-x-out/kubernetes/\n  score-x translate --target kubernetes -o - score.yaml | kubectl apply -f -\n  score-x translate --target ecs --target-options ecs.yaml -o out/ecs *.yaml\n  score-x translate --target kubernetes --check -o deploy/ *.yaml   # CI drift check"
    )]
    Translate(TranslateArgs),
    /// Deploy to ECS: check every precondition, print the plan, then register changed task
    /// definitions and create or update changed services (ECS only).
    #[command(
        after_help = "Examples:\n  score-x apply --target ecs --target-options ecs.yaml --dry-run score.yaml   # the plan only\n  score-x apply --target ecs --target-options ecs.yaml score.yaml\n  score-x apply --target ecs --endpoint-url http://127.0.0.1:5000 --region us-east-1 --format json score.yaml"
    )]
    Apply(ApplyArgs),
    /// Portability report: how each Score feature every workload uses maps on a target
    /// (native, approximated, unsupported); `--from` shows what changes when moving between
    /// targets (runs no cmd:// provisioner, writes nothing).
    #[command(
        after_help = "Examples:\n  score-x check --target ecs score.yaml\n  score-x check --target ecs --from kubernetes --format json services/*/score.yaml\n  score-x check --target nomad --strict *.yaml   # approximations fail too\n\nExit codes: 0 portable, 1 unsupported features (or approximated ones with --strict), 2 usage error."
    )]
    Check(CheckArgs),
    /// Inspect the provisioners available for a target.
    #[command(subcommand)]
    Provisioners(ProvisionersCommand),
    /// Inspect provisioned resources recorded in .score-x/state.yaml.
    #[command(subcommand)]
    Resources(ResourcesCommand),
    /// Print a shell completion script (clap_complete) to stdout.
    #[command(
        after_help = "Examples:\n  source <(score-x completions bash)\n  score-x completions zsh > \"${fpath[1]}/_score-x\"\n  score-x completions fish > ~/.config/fish/completions/score-x.fish\n  score-x completions powershell >> $PROFILE"
    )]
    Completions(CompletionsArgs),
    /// Print the JSON Schema (draft 2020-12) of a file score-x reads, for editor completion and
    /// validation (yaml-language-server, SchemaStore-style `yaml.schemas`).
    #[command(
        after_help = "Examples:\n  score-x schema > .score-x/score.schema.json    # then in score.yaml:\n  # yaml-language-server: $schema=.score-x/score.schema.json\n  score-x schema provisioners > provisioners.schema.json\n  score-x schema target-options --target ecs > ecs-options.schema.json"
    )]
    Schema(SchemaArgs),
    /// Print the man page (roff, clap_mangen) to stdout.
    #[command(after_help = "Example:\n  score-x man > /usr/local/share/man/man1/score-x.1")]
    Man,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which file the schema describes.
    #[arg(value_enum, default_value_t = SchemaKind::Score)]
    pub kind: SchemaKind,
    /// The target whose options `target-options` describes.
    #[arg(long, short = 't', value_parser = parse_target, required_if_eq("kind", "target-options"))]
    pub target: Option<TargetArg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// A Score workload (score.dev/v1b1) with the annotations score-x reads.
    Score,
    /// A provisioner file (--provisioners, .score-x/provisioners/).
    Provisioners,
    /// A placement file (--placement).
    Placement,
    /// A patch file (--patch, .score-x/patches/).
    Patches,
    /// A --target-options file (with --target).
    TargetOptions,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The sample Score file to create (kept when it exists).
    #[arg(short = 'f', long = "file", default_value = "score.yaml")]
    pub file: PathBuf,
    /// Do not write a sample Score file.
    #[arg(long)]
    pub no_sample: bool,
    /// Copy the provisioner files of SRC into .score-x/provisioners/ (and pin remote content in
    /// .score-x/provisioners.lock.yaml). Repeatable; SRC as for `translate --provisioners`.
    #[arg(long = "provisioners", value_name = "SRC", value_parser = parse_source)]
    pub provisioners: Vec<ProvisionerSource>,
    /// Accept changed content of pinned remote sources and rewrite their pins.
    #[arg(long)]
    pub update_provisioners: bool,
}

/// Where user provisioner files come from (`translate`, `apply`, `validate`, `provisioners list`).
#[derive(Debug, Args, Clone, Default)]
pub struct ProvisionerArgs {
    /// Provisioners matched before .score-x/provisioners/ and the target's defaults, in order.
    /// Repeatable. SRC is a FILE; a DIR (its *.yaml and *.yml, sorted, not recursive); an
    /// https:// URL of a YAML file; git+https://HOST/REPO.git//PATH@REF or
    /// git+file:///ABS/REPO//PATH@REF (PATH a file or directory, REF a branch, tag or commit); or
    /// oci://REGISTRY/REPO:TAG (or @sha256:DIGEST; #FILE.yaml for one layer). Remote content is
    /// cached in <state-dir>/cache/ and its digest pinned in <state-dir>/provisioners.lock.yaml.
    #[arg(long = "provisioners", value_name = "SRC", value_parser = parse_source)]
    pub sources: Vec<ProvisionerSource>,
    /// Accept changed content of pinned remote provisioner sources and rewrite their pins.
    #[arg(long)]
    pub update_provisioners: bool,
    /// Do not add the target's built-in default provisioners.
    #[arg(long)]
    pub no_default_provisioners: bool,
}

fn parse_source(s: &str) -> Result<ProvisionerSource, String> {
    s.parse()
}

/// Input Score files (default `./score.yaml`).
#[derive(Debug, Args, Clone)]
pub struct Inputs {
    /// Score files; defaults to ./score.yaml.
    #[arg(value_name = "FILES")]
    pub files: Vec<PathBuf>,
    /// Let `files.*.source` name files outside the project (the score file's directory and the
    /// working directory).
    #[arg(long)]
    pub allow_outside_sources: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidateFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ValidateFormat::Text)]
    pub format: ValidateFormat,
    /// Check for this target (repeatable; default: every target of this build).
    #[arg(long, short = 't', value_parser = parse_target)]
    pub target: Vec<TargetArg>,
    /// Replace `image: "."` with this image (without it, `.` is accepted as it is).
    #[arg(long, short = 'i')]
    pub image: Option<String>,
    #[command(flatten)]
    pub provisioners: ProvisionerArgs,
    /// YAML file with the target's settings (with exactly one --target).
    #[arg(long, value_name = "FILE")]
    pub target_options: Option<PathBuf>,
    /// The project state directory (its provisioners/, provisioner pins and cache are read;
    /// nothing is written).
    #[arg(long, default_value = ".score-x", value_name = "DIR")]
    pub state_dir: PathBuf,
    /// A placement file: check it against the inputs (unknown workloads and resources, targets,
    /// unplaced workloads) as `translate --placement` does, without provisioning.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["target", "target_options"])]
    pub placement: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    /// The target to check the estate against.
    #[arg(long, short = 't', value_parser = parse_target)]
    pub target: TargetArg,
    /// Show only what differs from this target (a migration from it): fields whose mapping
    /// changes, addresses that change, resources provisioned differently.
    #[arg(long, value_parser = parse_target)]
    pub from: Option<TargetArg>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ValidateFormat::Text)]
    pub format: ValidateFormat,
    /// Approximated features are errors too (exit 1).
    #[arg(long)]
    pub strict: bool,
    /// Replace `image: "."` with this image.
    #[arg(long, short = 'i')]
    pub image: Option<String>,
    #[command(flatten)]
    pub provisioners: ProvisionerArgs,
    /// YAML file with the --target's settings.
    #[arg(long, value_name = "FILE")]
    pub target_options: Option<PathBuf>,
    /// The project state directory (only its provisioners/ are read; nothing is written).
    #[arg(long, default_value = ".score-x", value_name = "DIR")]
    pub state_dir: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Text,
    Json,
    Dot,
    Mermaid,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Text)]
    pub format: GraphFormat,
    /// A placement file: show each workload's and resource's target (grouped and coloured in
    /// dot and mermaid; a `target` key in JSON).
    #[arg(long, value_name = "FILE")]
    pub placement: Option<PathBuf>,
}

/// A `--target` value: a target name (or the alias `k8s`), checked against the known targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetArg(score_x_core::Target);

impl TargetArg {
    pub fn target(self) -> score_x_core::Target {
        self.0
    }
}

impl std::fmt::Display for TargetArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

fn parse_target(s: &str) -> Result<TargetArg, String> {
    crate::registry::parse(s).map(TargetArg)
}

/// Options shared by `translate` and `apply`.
#[derive(Debug, Args)]
pub struct PipelineArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    #[arg(long, short = 't', value_parser = parse_target, help = crate::registry::target_help(),
          required_unless_present = "placement", conflicts_with = "placement")]
    pub target: Option<TargetArg>,
    /// A placement file: translate a hybrid estate, each workload on its target, into
    /// DIR/<target>/ (see docs/hybrid.md). Instead of --target.
    #[arg(long, value_name = "FILE")]
    pub placement: Option<PathBuf>,
    /// Replace `image: "."` with this image.
    #[arg(long, short = 'i')]
    pub image: Option<String>,
    /// A YAML file deep-merged into the Score file before validation (single input file only).
    #[arg(long, value_name = "FILE")]
    pub overrides_file: Option<PathBuf>,
    /// Set PATH=VALUE in the Score file (VALUE is YAML; empty deletes; `\.` escapes a dot). Repeatable.
    #[arg(long, value_name = "PATH=VALUE")]
    pub override_property: Vec<String>,
    #[command(flatten)]
    pub provisioners: ProvisionerArgs,
    /// YAML file with the target's settings (see docs/targets/<target>.md); `TARGET=FILE` for
    /// one target of a --placement (repeatable).
    #[arg(long, value_name = "[TARGET=]FILE", value_parser = parse_target_options)]
    pub target_options: Vec<TargetOptionsArg>,
    /// A patch file (set/delete/merge/add-document at JSON Pointers, docs/patches.md) applied to the
    /// output, before those of <state-dir>/patches/. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub patch: Vec<PathBuf>,
    /// A score-k8s patch template (Go template printing `{op: set|delete, path, value}` over
    /// `.Manifests`, `.Workloads`, `.Namespace`), applied after the patches (kubernetes, helm;
    /// single-target runs, not --placement). Repeatable.
    #[arg(long, value_name = "FILE", conflicts_with = "placement")]
    pub patch_templates: Vec<PathBuf>,
    /// Kubernetes namespace for every object (also passed to provisioners).
    #[arg(long, short = 'n')]
    pub namespace: Option<String>,
    /// Also emit a Namespace object (kubernetes).
    #[arg(long)]
    pub generate_namespace: bool,
    /// Name of the umbrella chart and its directory (helm; default: the current directory's name, sanitised).
    #[arg(long, value_name = "NAME")]
    pub chart_name: Option<String>,
    /// The project state directory.
    #[arg(long, default_value = ".score-x", value_name = "DIR")]
    pub state_dir: PathBuf,
    #[command(flatten)]
    pub seed: SeedArgs,
}

/// A `--target-options` value: `FILE`, or `TARGET=FILE` naming the target it is for.
#[derive(Debug, Clone)]
pub struct TargetOptionsArg {
    pub target: Option<score_x_core::Target>,
    pub path: PathBuf,
}

fn parse_target_options(s: &str) -> Result<TargetOptionsArg, String> {
    match s.split_once('=') {
        Some((t, p)) if !t.is_empty() && !t.contains(['/', '.', '\\']) => Ok(TargetOptionsArg {
            target: Some(crate::registry::parse(t)?),
            path: PathBuf::from(p),
        }),
        _ => Ok(TargetOptionsArg {
            target: None,
            path: PathBuf::from(s),
        }),
    }
}

impl PipelineArgs {
    /// The single target of a translate without --placement.
    pub fn single_target(&self) -> Option<score_x_core::Target> {
        self.target.map(TargetArg::target)
    }

    /// The --target-options file for `target`: one naming it, or (single target) one naming none.
    pub fn options_file(&self, target: score_x_core::Target) -> Result<Option<&PathBuf>, String> {
        let mut found = self.target_options.iter().filter(|o| {
            o.target == Some(target) || (o.target.is_none() && self.placement.is_none())
        });
        match (found.next(), found.next()) {
            (Some(o), None) => Ok(Some(&o.path)),
            (None, _) => Ok(None),
            (Some(_), Some(_)) => Err(format!(
                "--target-options is given twice for {target}; merge the files into one"
            )),
        }
    }
}

/// Where the project seed comes from. Precedence: `--seed-file`, then the `SCORE_X_SEED`
/// environment variable, then `<state-dir>/seed` (created on first use); see docs/gitops.md.
#[derive(Debug, Args, Clone, Default)]
pub struct SeedArgs {
    /// Read the project seed (64 hex characters) from FILE instead of SCORE_X_SEED or <state-dir>/seed.
    #[arg(long, value_name = "FILE")]
    pub seed_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TranslateArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,
    /// Output directory, `-` for stdout, or (kubernetes) a FILE.yaml. Default: ./score-x-out/<target>.
    #[arg(long, short = 'o', value_name = "DIR|FILE.yaml|-")]
    pub output: Option<PathBuf>,
    /// Do not write; exit 1 and show a diff when the files on disk differ from what would be written.
    #[arg(long)]
    pub check: bool,
    /// Approximated features are errors: nothing is written when the target approximates one
    /// (the warnings `score-x check --target T` lists).
    #[arg(long)]
    pub strict: bool,
    /// Manifest format (kubernetes): block YAML, or KYAML (flow style, every string quoted).
    #[arg(long, value_enum, default_value_t = ManifestFormat::Yaml)]
    pub format: ManifestFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ManifestFormat {
    Yaml,
    Kyaml,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ApplyFormat {
    Text,
    Json,
}

/// `apply` deploys to ECS only: its `--target` help says so, and the Kubernetes-only flags
/// of the shared pipeline are hidden.
#[derive(Debug, Args)]
#[command(
    mut_arg("target", |a| a.help("The target: `ecs` (the only target apply deploys to)")),
    mut_arg("placement", |a| a.hide(true)),
    mut_arg("namespace", |a| a.hide(true)),
    mut_arg("generate_namespace", |a| a.hide(true)),
    mut_arg("chart_name", |a| a.hide(true)),
    mut_arg("patch", |a| a.hide(true)),
    mut_arg("patch_templates", |a| a.hide(true))
)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,
    /// Send API calls to this endpoint instead of AWS (e.g. a local moto server).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// AWS region (else from target options or the AWS environment).
    #[arg(long)]
    pub region: Option<String>,
    /// Create the ECS cluster when it does not exist (else a missing cluster is an error).
    #[arg(long)]
    pub create_cluster: bool,
    /// Deploy even when secrets the task definitions read do not exist (the tasks cannot start
    /// until they do); else that is an error and nothing is written.
    #[arg(long)]
    pub allow_missing_secrets: bool,
    /// Print the plan only: read-only API calls, nothing written.
    #[arg(long)]
    pub dry_run: bool,
    /// Plan and result on stdout as text, or as one JSON object `{"plan", "result"}`.
    #[arg(long, value_enum, default_value_t = ApplyFormat::Text)]
    pub format: ApplyFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum ProvisionersCommand {
    /// List provisioners in match order (user files, .score-x/provisioners/, target defaults).
    #[command(
        after_help = "Examples:\n  score-x provisioners list --target ecs\n  score-x provisioners list --format json"
    )]
    List(ProvisionersListArgs),
}

#[derive(Debug, Args)]
pub struct ProvisionersListArgs {
    #[arg(long, short = 't', value_parser = parse_target, default_value = "kubernetes")]
    pub target: TargetArg,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    #[command(flatten)]
    pub provisioners: ProvisionerArgs,
    #[arg(long, default_value = ".score-x", value_name = "DIR")]
    pub state_dir: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputsFormat {
    Json,
    Yaml,
}

#[derive(Debug, Subcommand)]
pub enum ResourcesCommand {
    /// List resources in the state, with their outputs and orphan status.
    #[command(after_help = "Example:\n  score-x resources list --format json")]
    List(ResourcesListArgs),
    /// Print the outputs of one resource (secret outputs masked unless --show-secrets).
    #[command(
        after_help = "Example:\n  score-x resources get-outputs 'postgres.default#api.db' --format yaml"
    )]
    GetOutputs(GetOutputsArgs),
    /// Remove the state of workloads and resources no longer among the inputs (flagged
    /// `orphaned` by the last translate).
    #[command(
        after_help = "Examples:\n  score-x resources prune --dry-run      # list what would be removed\n  score-x resources prune --target ecs"
    )]
    Prune(PruneArgs),
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Only this target's section (default: every target).
    #[arg(long, short = 't', value_parser = parse_target)]
    pub target: Option<TargetArg>,
    /// Print what would be removed; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, default_value = ".score-x", value_name = "DIR")]
    pub state_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct ResourcesListArgs {
    /// Only this target's resources (default: every target translated so far).
    #[arg(long, short = 't', value_parser = parse_target)]
    pub target: Option<TargetArg>,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    #[arg(long, default_value = ".score-x", value_name = "DIR")]
    pub state_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct GetOutputsArgs {
    /// Resource uid, e.g. `postgres.default#api.db`.
    pub uid: String,
    /// The target whose outputs to show (needed when several targets provisioned the uid).
    #[arg(long, short = 't', value_parser = parse_target)]
    pub target: Option<TargetArg>,
    #[arg(long, value_enum, default_value_t = OutputsFormat::Json)]
    pub format: OutputsFormat,
    /// Show where each secret output lives (Secret name and key, SSM parameter, ARN) instead of
    /// `<secret>`. Secret values are never stored, so they are never shown.
    #[arg(long)]
    pub show_secrets: bool,
    #[arg(long, default_value = ".score-x", value_name = "DIR")]
    pub state_dir: PathBuf,
}
