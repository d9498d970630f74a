//! `uniffi-bindgen`: generates the Python, Kotlin and Swift bindings from the built library.
//!
//! It is UniFFI's own generator (`uniffi::uniffi_bindgen_main`, the pinned uniffi version), plus
//! one step for Python and Kotlin: the generated code is patched to make the crossing of records
//! and calls cheaper (see [`python`] and [`kotlin`]). maturin runs this binary (it looks for a
//! `uniffi-bindgen` bin target) for every wheel, and the Kotlin package's Maven build runs it too,
//! so what users install is the code the tests and the benchmark use.

mod converters;
mod kotlin;
mod lazy_enums;
mod lazy_ffi;
mod native_calls;
mod python;
mod records;
mod speedups;
mod variants;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    uniffi::uniffi_bindgen_main();
    let Some(run) = generate_run(&args) else {
        return ExitCode::SUCCESS;
    };
    match patch_generated(&run) {
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

/// Patches what `run` generated, for the languages that have patches.
fn patch_generated(run: &GenerateRun) -> Result<Vec<PathBuf>, String> {
    let mut patched = Vec::new();
    for language in &run.languages {
        match language.as_str() {
            "python" => patched.extend(python::patch_dir(&run.out_dir)?),
            "kotlin" => patched.extend(kotlin::patch_dir(&run.out_dir)?),
            _ => {}
        }
    }
    Ok(patched)
}

/// Applies `patch` to every file under `dir` (recursively) whose name ends in `.{extension}`;
/// returns the files patched, sorted.
fn patch_files(
    dir: &Path,
    extension: &str,
    patch: fn(&str) -> Result<String, String>,
) -> Result<Vec<PathBuf>, String> {
    let mut patched = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = fs::read_dir(&dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some(extension) {
                continue;
            }
            let source = fs::read_to_string(&path)
                .map_err(|e| format!("reading {}: {e}", path.display()))?;
            let out = patch(&source).map_err(|e| format!("{}: {e}", path.display()))?;
            fs::write(&path, out).map_err(|e| format!("writing {}: {e}", path.display()))?;
            patched.push(path);
        }
    }
    patched.sort();
    Ok(patched)
}

/// Whether `s` is a plain name of the generated code (letters, digits, `_`; not empty).
fn identifier(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// Where the class whose body starts at `start` of `source` ends: at the newline before the next
/// top-level class, or at the end of `source`.
fn class_end(source: &str, start: usize) -> usize {
    source[start..]
        .find("\nclass ")
        .map_or(source.len(), |e| start + e)
}

/// Where `needle` occurs in `source`, if exactly once (else an error naming `what`).
fn unique(source: &str, needle: &str, what: &str) -> Result<usize, String> {
    match source
        .match_indices(needle)
        .map(|(i, _)| i)
        .collect::<Vec<_>>()[..]
    {
        [at] => Ok(at),
        [] => Err(format!("{what} was not found in the generated code")),
        _ => Err(format!(
            "{what} occurs more than once in the generated code"
        )),
    }
}

/// `source` with its one occurrence of `needle` replaced (an error naming `what` if there is not
/// exactly one).
fn replace_once(source: &str, needle: &str, with: &str, what: &str) -> Result<String, String> {
    unique(source, needle, what)?;
    Ok(source.replacen(needle, with, 1))
}

/// A `generate` run: the languages it generated and where it wrote them.
#[derive(Debug, PartialEq)]
struct GenerateRun {
    languages: Vec<String>,
    out_dir: PathBuf,
}

/// The languages and output directory of a `generate` run, if this is one.
fn generate_run(args: &[String]) -> Option<GenerateRun> {
    if args.get(1).map(String::as_str) != Some("generate") {
        return None;
    }
    let mut languages = Vec::new();
    let mut out_dir = None;
    let mut iter = args.iter().skip(2);
    while let Some(arg) = iter.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || inline.clone().or_else(|| iter.next().cloned());
        match flag {
            "-l" | "--language" => languages.extend(value()),
            "-o" | "--out-dir" => out_dir = value().map(PathBuf::from),
            _ => {}
        }
    }
    Some(GenerateRun {
        languages,
        out_dir: out_dir?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn run(languages: &[&str], out_dir: &str) -> Option<GenerateRun> {
        Some(GenerateRun {
            languages: languages.iter().map(|s| s.to_string()).collect(),
            out_dir: PathBuf::from(out_dir),
        })
    }

    #[test]
    fn reads_languages_and_out_dir_in_every_spelling() {
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
        assert_eq!(generate_run(&maturin), run(&["python"], "/t/out"));
        let short = args(&[
            "b", "generate", "-o", "out", "-l", "kotlin", "-l", "swift", "x.so",
        ]);
        assert_eq!(generate_run(&short), run(&["kotlin", "swift"], "out"));
        let inline = args(&["b", "generate", "--language=python", "--out-dir=o2"]);
        assert_eq!(generate_run(&inline), run(&["python"], "o2"));
    }

    #[test]
    fn other_commands_are_not_generate_runs() {
        let scaffolding = args(&["b", "scaffolding", "x.udl", "--out-dir", "o"]);
        assert_eq!(generate_run(&scaffolding), None);
        let no_out_dir = args(&["b", "generate", "--language", "kotlin", "x.so"]);
        assert_eq!(generate_run(&no_out_dir), None);
    }
}
