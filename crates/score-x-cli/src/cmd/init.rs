//! `score-x init`: scaffold a sample score.yaml and the .score-x/ project directory.

use std::collections::BTreeMap;
use std::path::Path;

use crate::cli::{InitArgs, ProvisionerArgs, SeedArgs};
use crate::cmd::Failure;
use crate::fsio;
use crate::printer::Printer;
use crate::project;
use crate::sources::{self, Mode};

const SAMPLE: &str = r#"# A Score workload: https://docs.score.dev/docs/score-specification/score-spec-reference/
apiVersion: score.dev/v1b1
metadata:
  name: hello-world
service:
  ports:
    web:
      port: 8080
      targetPort: 80
containers:
  main:
    image: nginx:1.27-alpine
    variables:
      GREETING: Hello from ${metadata.name}
    readinessProbe:
      httpGet:
        path: /
        port: 80
resources: {}
"#;

const PROVISIONERS_README: &str = "# Project provisioners\n\nProvisioner files (`*.yaml`) placed here are matched after `--provisioners` files and before\nthe target's built-in defaults, in file-name order. See docs/provisioners.md.\n";

pub fn run(printer: &Printer, args: &InitArgs) -> Result<(), Failure> {
    let dir = Path::new(".score-x");
    let pdir = dir.join("provisioners");
    std::fs::create_dir_all(&pdir)
        .map_err(|e| Failure::Fatal(format!("cannot create `{}`: {e}", pdir.display())))?;
    let readme = pdir.join("README.md");
    if !readme.exists() {
        fsio::write_atomic(
            &readme,
            PROVISIONERS_README.as_bytes(),
            fsio::Access::Public,
        )
        .map_err(Failure::Fatal)?;
    }
    let _lock = project::lock(printer, dir).map_err(Failure::Fatal)?;
    project::load_state(dir, &SeedArgs::default()).map_err(|d| {
        Failure::Fatal(
            d.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    copy_provisioners(printer, args, dir, &pdir)?;
    printer.err(&format!("initialised {}", dir.display()));
    if !args.no_sample {
        if args.file.exists() {
            printer.err(&format!("kept existing {}", args.file.display()));
        } else {
            fsio::write_atomic(&args.file, SAMPLE.as_bytes(), fsio::Access::Public)
                .map_err(Failure::Fatal)?;
            printer.err(&format!("wrote {}", args.file.display()));
        }
    }
    printer.err("next: score-x translate --target kubernetes score.yaml");
    Ok(())
}

/// `init --provisioners SRC`: fetch (pinning remote content) and copy the files into
/// `.score-x/provisioners/`. An existing file with other content is an error, never overwritten.
fn copy_provisioners(
    printer: &Printer,
    args: &InitArgs,
    dir: &Path,
    pdir: &Path,
) -> Result<(), Failure> {
    if args.provisioners.is_empty() {
        return Ok(());
    }
    let pargs = ProvisionerArgs {
        sources: args.provisioners.clone(),
        update_provisioners: args.update_provisioners,
        no_default_provisioners: false,
    };
    let loaded = sources::load(printer, &pargs, dir, Mode::Record).map_err(Failure::Fatal)?;
    let mut taken: BTreeMap<&str, &str> = BTreeMap::new();
    for f in &loaded.files {
        if let Some(other) = taken.insert(&f.file_name, &f.name) {
            return Err(Failure::Fatal(format!(
                "`{}` and `{other}` would both be copied to {}\n  hint: copy one of them by hand under another name",
                f.name,
                pdir.join(&f.file_name).display()
            )));
        }
        let dest = pdir.join(&f.file_name);
        match std::fs::read(&dest) {
            Ok(old) if old == f.text.as_bytes() => {
                printer.err(&format!("kept {} (unchanged)", dest.display()));
                continue;
            }
            Ok(_) => {
                return Err(Failure::Fatal(format!(
                    "{} exists with other content than `{}`\n  hint: remove or rename it, then run init again",
                    dest.display(),
                    f.name
                )));
            }
            Err(_) => {}
        }
        fsio::write_atomic(&dest, f.text.as_bytes(), fsio::Access::Public)
            .map_err(Failure::Fatal)?;
        printer.err(&format!("copied {} to {}", f.name, dest.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn sample_is_valid_score() {
        let files = [score_x_spec::SourceFile {
            name: "score.yaml".into(),
            text: super::SAMPLE.into(),
        }];
        struct NoFiles;
        impl score_x_spec::FileReader for NoFiles {
            fn read(&self, _: &str, p: &str) -> Result<Vec<u8>, String> {
                Err(format!("no file {p}"))
            }
        }
        let loaded = score_x_spec::load(&files, &NoFiles, &Default::default());
        assert!(loaded.is_ok(), "{:?}", loaded.err());
    }
}
