//! One chart being written: its template files, values and the ranges that are secret stores.

use std::collections::BTreeSet;

use score_x_core::Bundle;
use serde_json::Value as Json;

use crate::error::Error;
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
    pub fn add_objects(&mut self, objects: &[(Json, bool)]) {
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
        for (o, own) in objects {
            let lift = self.workload.is_some() && *own;
            self.add_object(o.clone(), &names, lift, lift && services == 1);
        }
    }

    fn add_object(&mut self, mut v: Json, names: &BTreeSet<String>, own: bool, lift_service: bool) {
        let mut slots = Slots::for_value(&v);
        let kind = v["kind"].as_str().unwrap_or_default().to_string();
        let name = v
            .pointer("/metadata/name")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string();
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
        let mut prelude = String::new();
        let is_secret = kind == "Secret" && v["apiVersion"] == "v1";
        match kind.as_str() {
            "Deployment" | "StatefulSet" | "Job" | "CronJob" if own => {
                lift::workload(&mut v, &self.name, &mut self.values, &mut slots)
            }
            "Service" if lift_service => lift::service(&mut v, &mut self.values, &mut slots),
            "Secret" if is_secret => prelude = secret::template(&mut v, &name_expr, &mut slots),
            _ => {}
        }
        let text = format!(
            "{prelude}{}",
            slots.render(&score_x_core::yaml::to_yaml(&v))
        );
        let file = self.file_name(&kind, &name);
        self.templates.push((file, text, is_secret));
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
    pub fn write(&self, bundle: &mut Bundle, header: &str) -> Result<(), Error> {
        let d = &self.dir;
        let values = Json::Object(self.values.defaults.clone());
        bundle.add(
            format!("{d}/values.yaml"),
            format!("{header}{}", score_x_core::yaml::to_yaml(&values)),
        );
        let schema =
            serde_json::to_string_pretty(&self.values.schema(&self.name)).map_err(|e| {
                Error::Serialize {
                    what: format!("{d}/values.schema.json"),
                    reason: e.to_string(),
                }
            })?;
        bundle.add(format!("{d}/values.schema.json"), format!("{schema}\n"));
        bundle.add(format!("{d}/.helmignore"), crate::chart::HELMIGNORE);
        for (file, text, is_secret) in &self.templates {
            let path = format!("{d}/templates/{file}");
            if *is_secret {
                bundle.mark_secret_store(&path, std::iter::once(0..text.len()).collect());
            }
            bundle.add(path, text.clone());
        }
        Ok(())
    }
}
