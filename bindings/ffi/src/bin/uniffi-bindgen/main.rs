//! `uniffi-bindgen`: generates the Python, Kotlin and Swift bindings from the built library.
//!
//! It is UniFFI's own generator (`uniffi::uniffi_bindgen_main`, the pinned uniffi version), plus
//! one step for Python: the generated modules are patched (see [`python`]) to make `import
//! qiscus` and the crossing of records cheaper. maturin runs this binary (it looks for a
//! `uniffi-bindgen` bin target) for every wheel, so `pip install ./bindings/python` gets the same
//! code the tests and the benchmark use.

mod python;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    uniffi::uniffi_bindgen_main();
    let Some(out_dir) = python_out_dir(&args) else {
        return ExitCode::SUCCESS;
    };
    match python::patch_dir(&out_dir) {
        Ok(patched) => {
            for file in patched {
                eprintln!("uniffi-bindgen: patched {}", file.display());
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("uniffi-bindgen: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The output directory of a `generate` run that includes Python, if this is one.
fn python_out_dir(args: &[String]) -> Option<PathBuf> {
    if args.get(1).map(String::as_str) != Some("generate") {
        return None;
    }
    let mut python = false;
    let mut out_dir = None;
    let mut iter = args.iter().skip(2);
    while let Some(arg) = iter.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || inline.clone().or_else(|| iter.next().cloned());
        match flag {
            "-l" | "--language" => python |= value().as_deref() == Some("python"),
            "-o" | "--out-dir" => out_dir = value().map(PathBuf::from),
            _ => {}
        }
    }
    if python {
        out_dir
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn finds_the_python_out_dir_in_every_spelling() {
        let maturin = args(&[
            "uniffi-bindgen",
            "generate",
            "--no-format",
            "--language",
            "python",
            "--out-dir",
            "/t/out",
            "--library",
            "lib.so",
        ]);
        assert_eq!(python_out_dir(&maturin), Some(PathBuf::from("/t/out")));
        let short = args(&["b", "generate", "-o", "out", "-l", "python", "x.so"]);
        assert_eq!(python_out_dir(&short), Some(PathBuf::from("out")));
        let inline = args(&["b", "generate", "--language=python", "--out-dir=o2"]);
        assert_eq!(python_out_dir(&inline), Some(PathBuf::from("o2")));
    }

    #[test]
    fn leaves_other_languages_and_commands_alone() {
        let kotlin = args(&["b", "generate", "--language", "kotlin", "--out-dir", "o"]);
        assert_eq!(python_out_dir(&kotlin), None);
        let scaffolding = args(&["b", "scaffolding", "x.udl", "--out-dir", "o"]);
        assert_eq!(python_out_dir(&scaffolding), None);
    }
}
