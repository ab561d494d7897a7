//! POSIX shell quoting for the generated `sh -c` scripts (files init container, shell wrapper).

/// Quote `s` as one single-quoted shell word.
pub fn single_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Escape `s` for use inside a double-quoted shell string.
pub fn dq_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '"' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Make `s` usable in an environment variable name: `[A-Za-z0-9_]`, others become `_`.
pub fn env_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Run a string through a real `sh` to check the quoting round-trips.
    fn sh_echo(script: &str) -> Option<String> {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .output()
            .ok()?;
        Some(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    #[test]
    fn quoting_round_trips_through_sh() {
        let nasty = "it's a \"test\" $HOME `id` \\ ${x} \n end";
        if let Some(out) = sh_echo(&format!("printf %s {}", single_quote(nasty))) {
            assert_eq!(out, nasty);
        }
        if let Some(out) = sh_echo(&format!("printf %s \"{}\"", dq_escape(nasty))) {
            assert_eq!(out, nasty);
        }
        assert_eq!(env_name("a-b.c"), "a_b_c");
    }
}
