//! `score-x graph`: the resource graph as text, JSON, Graphviz dot or Mermaid.

use score_x_core::graph::ResourceGraph;
use score_x_core::graph_fmt;

use crate::cli::{GraphArgs, GraphFormat};
use crate::cmd::Failure;
use crate::inputs::{self, LoadFlags};
use crate::printer::Printer;

pub fn run(printer: &Printer, args: &GraphArgs) -> Result<(), Failure> {
    let (sources, loaded) = inputs::load(printer, &args.inputs, &LoadFlags::default())?;
    let app = &loaded.app;
    let graph = ResourceGraph::build(app).map_err(|d| {
        inputs::report(printer, &d, &sources);
        Failure::Invalid
    })?;
    let text = match args.format {
        GraphFormat::Text => graph_fmt::to_text(app, &graph),
        GraphFormat::Json => graph_fmt::to_json(app, &graph),
        GraphFormat::Dot => graph_fmt::to_dot(app, &graph),
        GraphFormat::Mermaid => graph_fmt::to_mermaid(app, &graph),
    };
    printer.out(&text);
    Ok(())
}
