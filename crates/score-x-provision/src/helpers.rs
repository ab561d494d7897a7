//! Handlebars helpers available to template provisioners, and the per-resource context the
//! deterministic `random_string` helper derives secrets from (seed + uid + salt, HMAC-SHA256).

use std::ops::RangeInclusive;
use std::sync::Arc;

use base64::Engine as _;
use handlebars::{
    Context, Handlebars, Helper, HelperDef, RenderContext, RenderError, RenderErrorReason,
    ScopedJson,
};
use score_x_core::value::to_insert_text;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

mod each;

pub(crate) use each::RenderBudget;

/// The secret material of the resource being rendered. Never part of the template data, so a
/// template cannot print the seed.
#[derive(Default)]
pub(crate) struct SecretCtx {
    pub seed: String,
    pub uid: String,
    /// Every string `random_string` produced for this resource (to keep them out of plain fields).
    pub generated: Vec<String>,
    /// The `workloads` template data of the current run, for the `workload NAME` helper
    /// (a map lookup, so templates need not loop over every workload of a large estate).
    pub workloads: Arc<Json>,
}

thread_local! {
    static CURRENT: std::cell::RefCell<SecretCtx> = std::cell::RefCell::default();
}

/// The context of the render running on this thread. A render runs on one thread from start to
/// end (its helpers are called on that thread), so the context is kept per thread: resources
/// rendered in parallel each see their own seed, uid and generated strings.
pub(crate) fn with_ctx<R>(f: impl FnOnce(&mut SecretCtx) -> R) -> R {
    CURRENT.with_borrow_mut(f)
}

type HelperFn = Box<dyn Fn(&[Json]) -> Result<Json, String> + Send + Sync>;

struct Simple {
    name: &'static str,
    arity: RangeInclusive<usize>,
    /// Missing values are passed as `null` instead of failing in strict mode (`default`).
    allow_missing: bool,
    f: HelperFn,
}

impl HelperDef for Simple {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let n = h.params().len();
        if !self.arity.contains(&n) {
            let want = if self.arity.start() == self.arity.end() {
                self.arity.start().to_string()
            } else {
                format!("{} to {}", self.arity.start(), self.arity.end())
            };
            return Err(RenderErrorReason::Other(format!(
                "helper `{}` takes {want} argument(s), got {n}",
                self.name
            ))
            .into());
        }
        let mut args = Vec::with_capacity(n);
        for (i, p) in h.params().iter().enumerate() {
            if p.is_value_missing() {
                if self.allow_missing || !r.strict_mode() {
                    args.push(Json::Null);
                    continue;
                }
                let what = p
                    .relative_path()
                    .map_or_else(|| format!("argument {}", i + 1), |s| format!("`{s}`"));
                return Err(RenderErrorReason::Other(format!(
                    "helper `{}`: {what} does not exist",
                    self.name
                ))
                .into());
            }
            args.push(p.value().clone());
        }
        let out = (self.f)(&args).and_then(|v| match &v {
            Json::String(s) if s.len() > MAX_HELPER_TEXT => Err(too_long()),
            _ => Ok(v),
        });
        out.map(ScopedJson::Derived)
            .map_err(|m| RenderErrorReason::Other(format!("helper `{}`: {m}", self.name)).into())
    }
}

/// The longest text a helper may produce: 1 MiB (nested `concat` or `replace` calls would
/// otherwise grow without bound).
pub(crate) const MAX_HELPER_TEXT: usize = 1 << 20;

fn too_long() -> String {
    format!(
        "the result would be longer than {} KiB, the limit for a helper's text",
        MAX_HELPER_TEXT >> 10
    )
}

/// `Err` before allocating when a result of `len` bytes would pass the bound.
fn within_bound(len: usize) -> Result<(), String> {
    if len > MAX_HELPER_TEXT {
        Err(too_long())
    } else {
        Ok(())
    }
}

fn text(v: &Json) -> String {
    to_insert_text(v)
}

fn uint(v: &Json, what: &str) -> Result<usize, String> {
    match v {
        Json::Number(n) => n
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| format!("{what} must be a non-negative integer")),
        Json::String(s) => s
            .parse()
            .map_err(|_| format!("{what} must be a non-negative integer, got `{s}`")),
        _ => Err(format!("{what} must be a non-negative integer")),
    }
}

/// HMAC-SHA256 (RFC 2104).
pub(crate) fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(msg);
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `len` alphanumeric characters derived from `seed`, `uid` and `salt` (uniform: rejection sampling).
pub(crate) fn derive_string(seed: &str, uid: &str, salt: &str, len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut counter: u64 = 0;
    while out.len() < len {
        let msg = format!("score-x/random_string\0{uid}\0{salt}\0{counter}");
        for b in hmac_sha256(seed.as_bytes(), msg.as_bytes()) {
            // 248 = 4 * 62: bytes above it would bias the distribution.
            if b < 248 && out.len() < len {
                out.push(char::from(ALNUM[usize::from(b) % 62]));
            }
        }
        counter += 1;
    }
    out
}

fn simple(
    name: &'static str,
    arity: RangeInclusive<usize>,
    f: impl Fn(&[Json]) -> Result<Json, String> + Send + Sync + 'static,
) -> Box<Simple> {
    Box::new(Simple {
        name,
        arity,
        allow_missing: false,
        f: Box::new(f),
    })
}

/// Register every score-x helper on `hb`.
pub(crate) fn register(hb: &mut Handlebars<'static>) {
    hb.register_helper("each", Box::new(each::BoundedEach(RenderBudget)));
    // `lookup` returns null for a missing key (instead of a strict-mode error), so a dynamic
    // key can be tested with `if`/`with` and reported with `fail`.
    hb.register_helper(
        "lookup",
        Box::new(Simple {
            name: "lookup",
            arity: 2..=2,
            allow_missing: true,
            f: Box::new(|a| {
                Ok(match (&a[0], &a[1]) {
                    (Json::Object(m), k) => m.get(&text(k)).cloned().unwrap_or(Json::Null),
                    (Json::Array(items), k) => text(k)
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| items.get(i).cloned())
                        .unwrap_or(Json::Null),
                    _ => Json::Null,
                })
            }),
        }),
    );
    hb.register_helper(
        "default",
        Box::new(Simple {
            name: "default",
            arity: 2..=2,
            allow_missing: true,
            f: Box::new(|a| {
                Ok(match &a[1] {
                    Json::Null => a[0].clone(),
                    Json::String(s) if s.is_empty() => a[0].clone(),
                    v => v.clone(),
                })
            }),
        }),
    );
    hb.register_helper(
        "b64enc",
        simple("b64enc", 1..=1, |a| {
            Ok(Json::String(
                base64::engine::general_purpose::STANDARD.encode(text(&a[0])),
            ))
        }),
    );
    hb.register_helper(
        "b64dec",
        simple("b64dec", 1..=1, |a| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text(&a[0]).trim())
                .map_err(|e| format!("not base64: {e}"))?;
            String::from_utf8(bytes)
                .map(Json::String)
                .map_err(|_| "decoded bytes are not UTF-8".to_string())
        }),
    );
    hb.register_helper(
        "to_json",
        simple("to_json", 1..=1, |a| Ok(Json::String(a[0].to_string()))),
    );
    hb.register_helper(
        "to_yaml",
        simple("to_yaml", 1..=1, |a| {
            let s = serde_yaml::to_string(&a[0]).map_err(|e| e.to_string())?;
            Ok(Json::String(s.trim_end_matches('\n').to_string()))
        }),
    );
    hb.register_helper(
        "quote",
        simple("quote", 1..=1, |a| {
            Ok(Json::String(Json::String(text(&a[0])).to_string()))
        }),
    );
    hb.register_helper(
        "sha256",
        simple("sha256", 1..=1, |a| {
            Ok(Json::String(hex::encode(Sha256::digest(
                text(&a[0]).as_bytes(),
            ))))
        }),
    );
    hb.register_helper(
        "hash",
        simple("hash", 2..=2, |a| {
            let len = uint(&a[1], "LEN")?;
            if !(1..=64).contains(&len) {
                return Err("LEN must be between 1 and 64".into());
            }
            Ok(Json::String(score_x_core::naming::short_hash(
                text(&a[0]).as_bytes(),
                len,
            )))
        }),
    );
    hb.register_helper(
        "dns_label",
        simple("dns_label", 2..=2, |a| {
            let max = uint(&a[1], "MAX")?;
            if !(12..=253).contains(&max) {
                return Err("MAX must be between 12 and 253".into());
            }
            Ok(Json::String(score_x_core::naming::dns_label(
                &text(&a[0]),
                max,
            )))
        }),
    );
    hb.register_helper(
        "lower",
        simple("lower", 1..=1, |a| {
            Ok(Json::String(text(&a[0]).to_lowercase()))
        }),
    );
    hb.register_helper(
        "upper",
        simple("upper", 1..=1, |a| {
            Ok(Json::String(text(&a[0]).to_uppercase()))
        }),
    );
    hb.register_helper(
        "replace",
        simple("replace", 3..=3, |a| {
            let (s, from, to) = (text(&a[0]), text(&a[1]), text(&a[2]));
            if !from.is_empty() && to.len() > from.len() {
                let n = s.matches(from.as_str()).count();
                within_bound(
                    s.len()
                        .saturating_add(n.saturating_mul(to.len() - from.len())),
                )?;
            } else if from.is_empty() {
                // An empty pattern matches between every character.
                let n = s.chars().count().saturating_add(1);
                within_bound(s.len().saturating_add(n.saturating_mul(to.len())))?;
            }
            Ok(Json::String(s.replace(&from, &to)))
        }),
    );
    hb.register_helper(
        "concat",
        simple("concat", 1..=64, |a| {
            let parts: Vec<String> = a.iter().map(text).collect();
            within_bound(parts.iter().map(String::len).fold(0, usize::saturating_add))?;
            Ok(Json::String(parts.concat()))
        }),
    );
    hb.register_helper("fail", simple("fail", 1..=1, |a| Err(text(&a[0]))));
    hb.register_helper(
        "workload",
        Box::new(Simple {
            name: "workload",
            arity: 1..=1,
            allow_missing: true,
            f: Box::new(move |a| {
                let workloads = with_ctx(|c| c.workloads.clone());
                Ok(workloads.get(text(&a[0])).cloned().unwrap_or(Json::Null))
            }),
        }),
    );
    hb.register_helper(
        "random_string",
        simple("random_string", 1..=2, move |a| {
            let len = uint(&a[0], "LEN")?;
            if !(1..=256).contains(&len) {
                return Err("LEN must be between 1 and 256".into());
            }
            let salt = a.get(1).map(text).unwrap_or_default();
            with_ctx(|ctx| {
                if ctx.seed.is_empty() {
                    return Err("no seed is available (the state has no seed)".into());
                }
                let s = derive_string(&ctx.seed, &ctx.uid, &salt, len);
                ctx.generated.push(s.clone());
                Ok(Json::String(s))
            })
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hb() -> Handlebars<'static> {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_escape_fn(handlebars::no_escape);
        register(&mut hb);
        hb
    }

    fn render(t: &str, data: &Json) -> Result<String, String> {
        let hb = hb();
        with_ctx(|c| {
            c.seed = "seed".into();
            c.uid = "postgres.default#a.db".into();
        });
        hb.render_template(t, data).map_err(|e| e.to_string())
    }

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn helpers_render() {
        let d = json!({"s": "Hello World", "n": 5432, "m": {"a": [1, "x"]}, "e": ""});
        assert_eq!(render("{{default \"16\" p}}", &json!({})).unwrap(), "16");
        assert_eq!(render("{{default \"16\" e}}", &d).unwrap(), "16");
        assert_eq!(render("{{default \"16\" n}}", &d).unwrap(), "5432");
        assert_eq!(render("{{b64enc s}}", &d).unwrap(), "SGVsbG8gV29ybGQ=");
        assert_eq!(render("{{b64dec (b64enc s)}}", &d).unwrap(), "Hello World");
        assert_eq!(render("{{to_json m}}", &d).unwrap(), "{\"a\":[1,\"x\"]}");
        assert_eq!(render("{{to_yaml m}}", &d).unwrap(), "a:\n- 1\n- x");
        assert_eq!(
            render("{{quote s}} {{quote n}}", &d).unwrap(),
            "\"Hello World\" \"5432\""
        );
        assert_eq!(render("{{quote \"a\\\"b\"}}", &d).unwrap(), "\"a\\\"b\"");
        assert_eq!(
            render("{{hash s 8}}", &d).unwrap(),
            score_x_core::naming::short_hash(b"Hello World", 8)
        );
        assert_eq!(render("{{sha256 s}}", &d).unwrap().len(), 64);
        assert_eq!(
            render("{{dns_label s 63}}", &d).unwrap(),
            score_x_core::naming::dns_label("Hello World", 63)
        );
        assert_eq!(
            render("{{lower s}}-{{upper s}}", &d).unwrap(),
            "hello world-HELLO WORLD"
        );
        assert_eq!(
            render("{{replace s \" \" \"_\"}}", &d).unwrap(),
            "Hello_World"
        );
        assert_eq!(
            render("{{concat \"pg-\" n \"-x\"}}", &d).unwrap(),
            "pg-5432-x"
        );
        assert_eq!(render("{{#if (eq n 5432)}}yes{{/if}}", &d).unwrap(), "yes");
        assert_eq!(
            render("{{#if missing}}yes{{else}}no{{/if}}", &d).unwrap(),
            "no"
        );
        assert_eq!(
            render("{{#with (lookup m \"nope\")}}x{{else}}none{{/with}}", &d).unwrap(),
            "none"
        );
        assert_eq!(
            render("{{#each m.a}}[{{this}}]{{/each}}", &d).unwrap(),
            "[1][x]"
        );
        assert_eq!(render("{{len m.a}}", &d).unwrap(), "2");
    }

    #[test]
    fn block_helpers_on_their_own_lines_leave_no_blank_lines() {
        let t =
            "a: 1\n{{#if x}}\nb: 2\n{{/if}}\nlist:\n{{#each l}}\n  - {{this}}\n{{/each}}\nc: 3\n";
        let out = render(t, &json!({"x": true, "l": [1, 2]})).unwrap();
        assert_eq!(out, "a: 1\nb: 2\nlist:\n  - 1\n  - 2\nc: 3\n");
    }

    #[test]
    fn errors_name_the_helper() {
        let e = render("{{fail \"port must be set\"}}", &json!({})).unwrap_err();
        assert!(e.contains("helper `fail`: port must be set"), "{e}");
        let e = render("{{hash s}}", &json!({"s": "x"})).unwrap_err();
        assert!(
            e.contains("helper `hash` takes 2 argument(s), got 1"),
            "{e}"
        );
        let e = render("{{upper nope}}", &json!({})).unwrap_err();
        assert!(e.contains("`nope` does not exist"), "{e}");
        let e = render("{{nope}}", &json!({})).unwrap_err();
        assert!(e.contains("nope"), "{e}");
        assert!(render("{{b64dec \"%%\"}}", &json!({})).is_err());
    }

    #[test]
    fn nested_concat_doubling_stops_at_the_bound() {
        // Each level doubles the text: 64 bytes × 2^25 = 2 GiB if it were built.
        let depth = 25;
        let t = format!(
            "{{{{#with s}}}}{}{{{{this}}}}{}",
            "{{#with (concat this this)}}".repeat(depth),
            "{{/with}}".repeat(depth + 1)
        );
        let e = render(&t, &json!({"s": "x".repeat(64)})).unwrap_err();
        assert!(
            e.contains("helper `concat`: the result would be longer than 1024 KiB"),
            "{e}"
        );
        let ok = render("{{concat s s}}", &json!({"s": "x".repeat(1000)})).unwrap();
        assert_eq!(ok.len(), 2000);
    }

    #[test]
    fn replace_growth_is_bounded() {
        let d = json!({"s": "a".repeat(2000), "big": "b".repeat(1000)});
        let e = render("{{replace s \"a\" big}}", &d).unwrap_err();
        assert!(
            e.contains("helper `replace`: the result would be longer"),
            "{e}"
        );
        let e = render("{{replace s \"\" big}}", &d).unwrap_err();
        assert!(
            e.contains("helper `replace`: the result would be longer"),
            "{e}"
        );
        assert_eq!(
            render("{{replace \"a-b\" \"-\" \"+\"}}", &d).unwrap(),
            "a+b"
        );
    }

    #[test]
    fn random_string_is_deterministic_and_seeded() {
        let a = render("{{random_string 24 \"pw\"}}", &json!({})).unwrap();
        assert_eq!(a.len(), 24);
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(
            a,
            render("{{random_string 24 \"pw\"}}", &json!({})).unwrap()
        );
        assert_ne!(
            a,
            render("{{random_string 24 \"other\"}}", &json!({})).unwrap()
        );
        assert_ne!(
            derive_string("seed", "u", "", 24),
            derive_string("seed2", "u", "", 24)
        );
        assert_ne!(
            derive_string("seed", "u", "", 24),
            derive_string("seed", "v", "", 24)
        );
        assert_eq!(derive_string("s", "u", "", 100).len(), 100);
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn derived_strings_are_alphanumeric_of_the_asked_length(seed in "\\PC{1,40}", uid in "\\PC{0,40}", salt in "\\PC{0,10}", len in 1usize..200) {
            let s = derive_string(&seed, &uid, &salt, len);
            prop_assert_eq!(s.len(), len);
            prop_assert!(s.bytes().all(|b| b.is_ascii_alphanumeric()));
            prop_assert_eq!(s, derive_string(&seed, &uid, &salt, len));
        }
    }
}
