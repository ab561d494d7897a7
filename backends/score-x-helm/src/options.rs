//! Target options of the Helm backend (read from `--target-options FILE`).

use serde::{Deserialize, Serialize};

/// The chart version written when `chartVersion` is not set.
pub const DEFAULT_CHART_VERSION: &str = "0.1.0";
/// The umbrella chart's name when `chartName` is not set.
pub const DEFAULT_CHART_NAME: &str = "estate";

/// Options of the Helm target. Unknown keys are rejected; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Options {
    /// Name of the umbrella chart and of its directory (`--chart-name`); default
    /// `defaultChartName` sanitised, else `estate`.
    pub chart_name: Option<String>,
    /// What the umbrella is named after when `chartName` is not set: the CLI passes the current
    /// directory's name here; it is sanitised into a chart name ([`sanitize_chart_name`]).
    pub default_chart_name: Option<String>,
    /// SemVer version of every chart (default `0.1.0`).
    pub chart_version: Option<String>,
    /// Namespace set on every namespaced object that does not name one itself (as for the
    /// Kubernetes target).
    pub namespace: Option<String>,
    /// `imagePullPolicy` of every workload container, as for the Kubernetes target.
    pub image_pull_policy: Option<score_x_kubernetes::ImagePullPolicy>,
    /// How the default `route` provisioner exposes routes, as for the Kubernetes target.
    pub route: Option<score_x_kubernetes::RouteKind>,
    /// Gateway the `HTTPRoute`s attach to, as for the Kubernetes target.
    pub gateway_name: Option<String>,
    /// Namespace of that Gateway, as for the Kubernetes target.
    pub gateway_namespace: Option<String>,
    /// `ingressClassName` of generated Ingresses, as for the Kubernetes target.
    pub ingress_class_name: Option<String>,
    /// Secret the default `environment` provisioner reads from, as for the Kubernetes target.
    pub environment_secret: Option<String>,
}

impl Options {
    /// The umbrella chart's name: `chartName` as given, else `defaultChartName` sanitised (with
    /// `-estate` appended when `taken` says a workload has that name), else `estate`.
    pub fn chart_name(&self, taken: impl Fn(&str) -> bool) -> String {
        if let Some(n) = &self.chart_name {
            return n.clone();
        }
        let Some(dir) = &self.default_chart_name else {
            return DEFAULT_CHART_NAME.to_string();
        };
        let name = sanitize_chart_name(dir);
        if taken(&name) {
            let mut n = name;
            n.truncate(MAX_CHART_NAME - "-estate".len());
            format!("{}-estate", n.trim_end_matches('-'))
        } else {
            name
        }
    }

    /// The chart version to write.
    pub fn chart_version(&self) -> &str {
        self.chart_version
            .as_deref()
            .unwrap_or(DEFAULT_CHART_VERSION)
    }

    /// The options of the Kubernetes builders these options stand for.
    pub fn kubernetes(&self) -> score_x_kubernetes::Options {
        score_x_kubernetes::Options {
            namespace: self.namespace.clone(),
            generate_namespace: false,
            image_pull_policy: self.image_pull_policy,
            route: self.route,
            gateway_name: self.gateway_name.clone(),
            gateway_namespace: self.gateway_namespace.clone(),
            ingress_class_name: self.ingress_class_name.clone(),
            environment_secret: self.environment_secret.clone(),
        }
    }
}

/// The longest chart name a default is cut to (Helm release names stop at 53 characters).
pub const MAX_CHART_NAME: usize = 53;

/// A chart name from arbitrary text (a directory's name): lowercase, every character other than
/// an ASCII letter or digit becomes `-`, runs of `-` collapse, leading and trailing `-` are
/// trimmed, at most [`MAX_CHART_NAME`] characters; `estate` when nothing usable is left.
pub fn sanitize_chart_name(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().map(|c| c.to_ascii_lowercase()) {
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() {
            c
        } else {
            '-'
        };
        if !(c == '-' && (out.is_empty() || out.ends_with('-'))) {
            out.push(c);
        }
    }
    out.truncate(MAX_CHART_NAME);
    let out = out.trim_end_matches('-').to_string();
    if score_x_core::naming::is_score_name(&out) {
        out
    } else {
        DEFAULT_CHART_NAME.to_string()
    }
}

/// True when `v` is a SemVer 2 version (`MAJOR.MINOR.PATCH[-pre][+build]`).
pub fn is_semver(v: &str) -> bool {
    let (core, build) = v.split_once('+').map_or((v, None), |(c, b)| (c, Some(b)));
    let (core, pre) = core
        .split_once('-')
        .map_or((core, None), |(c, p)| (c, Some(p)));
    let numeric = |s: &str| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
    };
    let ident = |s: &str| {
        !s.is_empty()
            && s.split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    };
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| numeric(p))
        && pre.is_none_or(ident)
        && build.is_none_or(ident)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_camel_case_and_rejects_unknown_keys() {
        let o: Options =
            serde_yaml::from_str("chartName: shop\nchartVersion: 1.2.3\nnamespace: shop\n")
                .unwrap();
        assert_eq!(o.chart_name(|_| false), "shop");
        assert_eq!(o.chart_version(), "1.2.3");
        assert_eq!(o.kubernetes().namespace.as_deref(), Some("shop"));
        assert!(serde_yaml::from_str::<Options>("chartname: x\n").is_err());
        assert_eq!(Options::default().chart_version(), "0.1.0");
    }

    #[test]
    fn chart_names_from_directories() {
        for (dir, want) in [
            ("shop", "shop"),
            ("My Shop_2", "my-shop-2"),
            ("--a..b--", "a-b"),
            ("Ünïcode", "n-code"),
            ("x", "estate"),
            ("", "estate"),
            ("___", "estate"),
            (&"a".repeat(80), &"a".repeat(53)),
            (&format!("{}-b", "a".repeat(52)), &"a".repeat(52)),
        ] {
            assert_eq!(sanitize_chart_name(dir), want, "{dir}");
        }
        let o = Options {
            default_chart_name: Some("Web".into()),
            ..Default::default()
        };
        assert_eq!(o.chart_name(|_| false), "web");
        assert_eq!(o.chart_name(|n| n == "web"), "web-estate");
        let o = Options {
            chart_name: Some("shop".into()),
            ..o
        };
        assert_eq!(o.chart_name(|_| true), "shop");
        assert_eq!(Options::default().chart_name(|_| false), "estate");
    }

    #[test]
    fn semver() {
        for ok in ["0.1.0", "1.2.3-rc.1", "1.0.0+build.5", "10.20.30"] {
            assert!(is_semver(ok), "{ok}");
        }
        for bad in ["1.2", "01.2.3", "1.2.3-", "v1.2.3", "1.2.x", ""] {
            assert!(!is_semver(bad), "{bad}");
        }
    }
}
