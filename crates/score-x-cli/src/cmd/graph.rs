//! `score-x graph`: the resource graph as text, JSON, Graphviz dot or Mermaid; with
//! `--placement`, each workload's and resource's target.

use score_x_core::graph::ResourceGraph;
use score_x_core::graph_fmt;

use crate::cli::{GraphArgs, GraphFormat};
use crate::cmd::Failure;
use crate::cmd::estate;
use crate::inputs::{self, LoadFlags};
use crate::printer::Printer;

pub fn run(printer: &Printer, args: &GraphArgs) -> Result<(), Failure> {
    let mut sources = Vec::new();
    let placement = match &args.placement {
        Some(p) => Some((estate::read_placement(printer, p, &mut sources)?, p)),
        None => None,
    };
    let (loaded_sources, loaded) = inputs::load(printer, &args.inputs, &LoadFlags::default())?;
    sources.extend(loaded_sources);
    let app = &loaded.app;
    let placement = match placement {
        Some((p, file)) => Some(estate::place(printer, p, file, app, &sources)?),
        None => None,
    };
    let graph = ResourceGraph::build(app).map_err(|d| {
        inputs::report(printer, &d, &sources);
        Failure::Invalid
    })?;
    let p = placement.as_ref();
    let text = match args.format {
        GraphFormat::Text => graph_fmt::to_text_placed(app, &graph, p),
        GraphFormat::Json => graph_fmt::to_json_placed(app, &graph, p),
        GraphFormat::Dot => graph_fmt::to_dot_placed(app, &graph, p),
        GraphFormat::Mermaid => graph_fmt::to_mermaid_placed(app, &graph, p),
    };
    printer.out(&text);
    Ok(())
}
