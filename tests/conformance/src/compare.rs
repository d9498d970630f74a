//! Compares the languages' transcripts scenario by scenario.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

/// Prints every problem and the summary line; `Ok(true)` when all scenarios passed everywhere
/// with identical transcripts.
pub fn compare(dir: &Path, languages: &[String]) -> Result<bool, String> {
    let mut names = Vec::new();
    for file in crate::scenario_files().map_err(|e| e.to_string())? {
        let text = std::fs::read_to_string(&file).map_err(|e| e.to_string())?;
        let v: Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        let name = v["name"].as_str().unwrap_or_default().to_owned();
        if names.contains(&name) {
            return Err(format!("two scenarios are named {name:?}"));
        }
        names.push(name);
    }
    // language -> scenario name -> transcript
    let mut runs: BTreeMap<&str, BTreeMap<String, Value>> = BTreeMap::new();
    for lang in languages {
        let path = dir.join(format!("{lang}.json"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            println!("{lang}: no transcript at {}", path.display());
            continue;
        };
        let doc: Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let scenarios = doc["scenarios"].as_array().cloned().unwrap_or_default();
        runs.insert(
            lang,
            scenarios
                .into_iter()
                .map(|s| (s["name"].as_str().unwrap_or_default().to_owned(), s))
                .collect(),
        );
    }
    let (mut failed, mut mismatches) = (0, 0);
    for name in &names {
        let mut scenario_failed = false;
        let mut reference: Option<(&str, &Value)> = None;
        let mut mismatch = false;
        for lang in languages {
            let Some(t) = runs.get(lang.as_str()).and_then(|r| r.get(name)) else {
                println!("{name}: {lang}: not run");
                scenario_failed = true;
                continue;
            };
            for f in t["failures"].as_array().into_iter().flatten() {
                println!("{name}: {lang}: {}", f.as_str().unwrap_or_default());
                scenario_failed = true;
            }
            match reference {
                None => reference = Some((lang, &t["steps"])),
                Some((ref_lang, steps)) if *steps != t["steps"] => {
                    mismatch = true;
                    println!(
                        "{name}: {lang} differs from {ref_lang}: {}",
                        first_difference(steps, &t["steps"])
                    );
                }
                Some(_) => {}
            }
        }
        failed += usize::from(scenario_failed);
        mismatches += usize::from(mismatch);
    }
    println!(
        "conformance: scenarios={} languages={} failed={failed} mismatches={mismatches}",
        names.len(),
        runs.len()
    );
    Ok(failed == 0 && mismatches == 0 && runs.len() == languages.len())
}

fn first_difference(a: &Value, b: &Value) -> String {
    let (a, b) = (
        a.as_array().cloned().unwrap_or_default(),
        b.as_array().cloned().unwrap_or_default(),
    );
    for i in 0..a.len().max(b.len()) {
        if a.get(i) != b.get(i) {
            let show = |v: Option<&Value>| {
                let s = v.map(Value::to_string).unwrap_or_else(|| "nothing".into());
                if s.chars().count() > 400 {
                    format!("{}...", s.chars().take(400).collect::<String>())
                } else {
                    s
                }
            };
            return format!("entry {i}: {} vs {}", show(a.get(i)), show(b.get(i)));
        }
    }
    "same steps".into()
}
