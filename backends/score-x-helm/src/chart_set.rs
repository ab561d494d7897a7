//! One chart being written: its template files, values and the ranges that are secret stores.

use std::collections::BTreeSet;
use std::sync::Arc;

use score_x_core::Bundle;
use serde_json::Value as Json;

use crate::error::Error;
use crate::late::Late;
use crate::route::{self, Routes};
use crate::slots::{Slot, Slots, go_str};
use crate::values::Values;
use crate::{lift, names, secret};

/// A chart under construction.
#[derive(Debug, Default)]
pub struct ChartFiles {
    /// Directory of the chart in the bundle (`estate`, `estate/charts/web`).
    pub dir: String,
    /// The chart's name (the prefix of its helpers).
    pub name: String,
    /// The workload whose objects these are (none for the umbrella).
    pub workload: Option<String>,
    pub values: Values,
    /// The workload's late-bound variables (empty for the umbrella).
    pub late: Late,
    /// The chart's routes, lifted into values.
    routes: Routes,
    /// The Secrets of the estate's shared resources (in the umbrella), set before
    /// `add_objects`; one set shared by every workload chart.
    pub shared_secrets: Arc<BTreeSet<String>>,
    /// Every Secret an `existingSecret` may replace.
    existing: secret::Existing,
    /// Pod template annotations: (key, expression) of the checksums of the chart's ConfigMaps
    /// and Secrets.
    checksums: Vec<(String, String)>,
    /// (file name under templates/, text, whole file is a secret store).
    pub templates: Vec<(String, String, bool)>,
    used: BTreeSet<String>,
}

impl ChartFiles {
    pub fn new(dir: String, name: String, workload: Option<String>) -> Self {
        let mut values = Values::default();
        values.set(
            "nameOverride",
            Json::String(String::new()),
            crate::values::string(),
        );
        values.set(
            "fullnameOverride",
            Json::String(String::new()),
            crate::values::string(),
        );
        ChartFiles {
            dir,
            name,
            workload,
            values,
            ..Default::default()
        }
    }

    /// Add the objects (sorted JSON values, in output order) as templates; `own` tells the
    /// workload's own objects (values are lifted from those, and `fullnameOverride` renames
    /// them) from the objects of resources only this workload uses.
    pub fn add_objects(&mut self, objects: Vec<(Json, bool)>) {
        let names: BTreeSet<String> = objects
            .iter()
            .filter(|(_, own)| *own)
            .filter_map(|(o, _)| o.pointer("/metadata/name").and_then(Json::as_str))
            .map(String::from)
            .collect();
        let services = objects
            .iter()
            .filter(|(o, own)| *own && o["kind"] == "Service")
            .count();
        let files: Vec<String> = objects
            .iter()
            .map(|(o, _)| self.file_name(o["kind"].as_str().unwrap_or_default(), name_of(o)))
            .collect();
        // The Secrets of the chart's resources may name an existing Secret instead: the
        // workload chart's own values, or the global ones for the shared Secrets.
        let local: BTreeSet<String> = objects
            .iter()
            .filter(|(o, own)| !*own && is_secret(o))
            .map(|(o, _)| name_of(o).to_string())
            .collect();
        if self.workload.is_some() {
            self.existing = secret::Existing::workload(local.clone(), self.shared_secrets.clone());
            self.checksums = checksums(&objects, &files);
        } else {
            self.existing = secret::Existing::umbrella(local.clone());
        }
        for ((o, own), file) in objects.into_iter().zip(files) {
            let lift = self.workload.is_some() && own;
            self.add_object(o, file, &names, lift, lift && services == 1);
        }
        if let Some((d, s)) = self.late.values() {
            self.values.set("resources", d, s);
        }
        self.routes.set_values(&mut self.values);
        if self.workload.is_some() {
            secret::values(&local, &mut self.values);
        } else {
            secret::global_values(&local, &mut self.values);
        }
    }

    fn add_object(
        &mut self,
        mut v: Json,
        file: String,
        names: &BTreeSet<String>,
        own: bool,
        lift_service: bool,
    ) {
        let mut slots = Slots::for_value(&v);
        let kind = v["kind"].as_str().unwrap_or_default().to_string();
        let name = name_of(&v).to_string();
        let mut name_expr = go_str(&name);
        if let Some(w) = self.workload.clone() {
            if own && let Some(e) = names::expr(&self.name, &w, &name) {
                name_expr = format!("({e})");
            }
            if own {
                names::rename(&mut v, &self.name, &w, names, &mut slots);
            }
        }
        let chart_label = format!(
            "include {} . | quote",
            go_str(&format!("{}.chart", self.name))
        );
        if let Some(Json::Object(labels)) = v.pointer_mut("/metadata/labels") {
            labels.insert(
                "helm.sh/chart".into(),
                slots.value(Slot::Scalar(chart_label)),
            );
        }
        let secret = is_secret(&v);
        if let Some(spec) = v.get_mut("spec") {
            secret::reference(spec, "", &self.existing, &mut slots);
        }
        let (mut open, mut close) = (String::new(), "");
        match kind.as_str() {
            "Deployment" | "StatefulSet" | "Job" | "CronJob" if own => lift::workload(
                &mut v,
                &self.name,
                &mut self.values,
                &mut slots,
                &self.late,
                &self.checksums,
            ),
            "Service" if lift_service => lift::service(&mut v, &mut self.values, &mut slots),
            "Secret" if secret => {
                if let Some(e) = self.existing.expr(&name) {
                    open = secret::open(&e);
                    close = secret::END;
                }
                open.push_str(&secret::template(&mut v, &name_expr, &mut slots));
            }
            _ => {
                if let Some(key) = route::key_of(&v) {
                    open = self.routes.lift(key, &mut v, &mut slots);
                    close = route::END;
                }
            }
        }
        let text = format!(
            "{open}{}{close}",
            slots.render(&score_x_core::yaml::to_yaml(&v))
        );
        self.templates.push((file, text, secret));
    }

    fn file_name(&mut self, kind: &str, name: &str) -> String {
        let base = format!("{}-{}", kind.to_ascii_lowercase(), name);
        let mut file = format!("{base}.yaml");
        let mut i = 2;
        while !self.used.insert(file.clone()) {
            file = format!("{base}-{i}.yaml");
            i += 1;
        }
        file
    }

    /// Write the chart's values and templates into `bundle`.
    pub fn write(mut self, bundle: &mut Bundle, header: &str) -> Result<(), Error> {
        let d = &self.dir;
        let is_workload = self.workload.is_some();
        let mut schema = serde_json::to_string_pretty(&self.values.schema(&self.name, is_workload))
            .map_err(|e| Error::Serialize {
                what: format!("{d}/values.schema.json"),
                reason: e.to_string(),
            })?;
        schema.push('\n');
        let values = Json::Object(self.values.defaults);
        let mut values_text = String::from(header);
        values_text.push_str(&score_x_core::yaml::to_yaml(&values));
        bundle.add(format!("{d}/values.yaml"), values_text);
        bundle.add(format!("{d}/values.schema.json"), schema);
        bundle.add(format!("{d}/.helmignore"), crate::chart::HELMIGNORE);
        for (file, text, is_secret) in self.templates {
            let path = format!("{d}/templates/{file}");
            if is_secret {
                bundle.mark_secret_store(&path, std::iter::once(0..text.len()).collect());
            }
            bundle.add(path, text);
        }
        Ok(())
    }
}

/// The `metadata.name` of an object.
fn name_of(o: &Json) -> &str {
    o.pointer("/metadata/name")
        .and_then(Json::as_str)
        .unwrap_or_default()
}

/// True for a core v1 Secret.
fn is_secret(o: &Json) -> bool {
    o["kind"] == "Secret" && o["apiVersion"] == "v1"
}

/// The checksum annotations of a workload chart's pod templates: `checksum/config` over its
/// ConfigMaps' templates, `checksum/secret` over its Secrets' (each rendered with `include`),
/// so a change of their content rolls the pods.
fn checksums(objects: &[(Json, bool)], files: &[String]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (key, kind) in [
        ("checksum/config", "ConfigMap"),
        ("checksum/secret", "Secret"),
    ] {
        let parts: Vec<String> = objects
            .iter()
            .zip(files)
            .filter(|((o, _), _)| o["kind"] == kind && o["apiVersion"] == "v1")
            .map(|(_, f)| {
                format!(
                    "(include (print $.Template.BasePath {}) .)",
                    go_str(&format!("/{f}"))
                )
            })
            .collect();
        if !parts.is_empty() {
            let e = format!("print {} | sha256sum | quote", parts.join(" "));
            out.push((key.to_string(), e));
        }
    }
    out
}
