//! Makes the flat enums (`class RoomType(enum.Enum)`) when they are first used, not at import.
//!
//! They are `enum.Enum`s, and users rely on that. But importing `enum` (with `functools` and
//! `collections`) and running `EnumType` for each of them is ~17 M of the ~85 M instructions that
//! `import qiscus` and the interpreter's exit spend on the package (callgrind, bench/RESULTS.md),
//! and most scripts never name one.
//!
//! For each flat enum of a module, this patch:
//! * moves its class statement, unchanged, into a function `_uniffi_define_{Name}` that declares
//!   the name `global` (so the class's `__qualname__` is its name, and pickling finds it), makes
//!   the class there, and then sets its converter's native plan, which [`crate::speedups`] had
//!   put among the others at the end of the module;
//! * has the converter's methods look the class up through `_uniffi_enum("{Name}")`, which makes
//!   it once, under a lock, if it was not made yet;
//! * makes it a name of the module that its `__getattr__` provides ([`MODULE_GETATTR`]), listed
//!   in `_UNIFFI_LAZY_NAMES` instead of `__all__` (the package's star import would make them all;
//!   the package's own `__getattr__` and `__all__` read that tuple).
//!
//! `import enum` itself becomes a stand-in that imports it on first use ([`crate::python`]).

use crate::{replace_once, unique};

/// Made once, before the first flat enum's function.
const HELPER: &str = "
# qiscus: the flat enums are made when first used, once (uniffi-bindgen/lazy_enums.rs).
_UNIFFI_LAZY_ENUMS = {}
_UNIFFI_ENUM_LOCK = _thread.allocate_lock()

def _uniffi_enum(name):
    cls = globals().get(name)
    if cls is None:
        with _UNIFFI_ENUM_LOCK:
            cls = globals().get(name)
            if cls is None:
                cls = _UNIFFI_LAZY_ENUMS[name]()
    return cls

";

/// The module's `__getattr__` as the Duration patch leaves it ([`crate::python`]), and the same
/// with the flat enums in it.
const MODULE_GETATTR: (&str, &str) = (
    "\ndef __getattr__(name):\n",
    "\ndef __getattr__(name):\n    if name in _UNIFFI_LAZY_ENUMS:\n        return _uniffi_enum(name)\n",
);

/// A module-level `__getattr__` for a module that has none.
const NEW_GETATTR: &str = "
def __getattr__(name):
    # qiscus: the flat enums, made when first used (uniffi-bindgen/lazy_enums.rs).
    if name in _UNIFFI_LAZY_ENUMS:
        return _uniffi_enum(name)
    raise AttributeError(f\"module {__name__!r} has no attribute {name!r}\")
";

/// Whether `line` opens or closes a `\"\"\"` string (an odd number of them on it).
fn toggles_string(line: &str) -> bool {
    line.matches("\"\"\"").count() % 2 == 1
}

/// The end (a byte offset into `source`) of the top-level block starting at `start`: the first
/// line after it that is neither blank, indented, nor inside a `\"\"\"` string.
fn block_end(source: &str, start: usize) -> usize {
    let mut at = start;
    let mut in_string = false;
    let mut first = true;
    for line in source[start..].split_inclusive('\n') {
        let top_level = !line.trim().is_empty() && !line.starts_with([' ', '\t']);
        if !first && !in_string && top_level {
            return at;
        }
        first = false;
        if toggles_string(line) {
            in_string = !in_string;
        }
        at += line.len();
    }
    at
}

/// `block` indented by four more spaces, except the lines inside `\"\"\"` strings (so that
/// docstrings keep their text).
fn indent(block: &str) -> String {
    let mut out = String::with_capacity(block.len() + block.len() / 8);
    let mut in_string = false;
    for line in block.split_inclusive('\n') {
        if !in_string && !line.trim().is_empty() {
            out.push_str("    ");
        }
        out.push_str(line);
        if toggles_string(line) {
            in_string = !in_string;
        }
    }
    out
}

/// The flat enums of a module, in order.
fn flat_enums(source: &str) -> Vec<String> {
    source
        .lines()
        .filter_map(|l| l.strip_prefix("class ")?.strip_suffix("(enum.Enum):"))
        .filter(|name| crate::identifier(name))
        .map(str::to_string)
        .collect()
}

/// Applies the patch (see the module docs); a module without flat enums is returned as it is.
pub fn patch_lazy_enums(source: &str) -> Result<String, String> {
    let enums = flat_enums(source);
    if enums.is_empty() {
        return Ok(source.to_string());
    }
    let mut source = source.to_string();
    for (n, name) in enums.iter().enumerate() {
        // The converter's plan, out of the block of plans at the end of the module.
        let plan_start = format!(
            "\n    _UniffiFfiConverterType{name}._plan = _uniffi_speedups.enumeration(InternalError, (\n"
        );
        let plan = match source.find(&plan_start) {
            Some(at) => {
                unique(&source, &plan_start, &format!("the plan of {name}"))?;
                let from = at + 1;
                let end = source[from..]
                    .find("\n    ))\n")
                    .ok_or(format!("the plan of {name} does not end"))?;
                let to = from + end + "\n    ))\n".len();
                let plan = source[from..to].to_string();
                source.replace_range(from..to, "");
                Some(plan)
            }
            None => None,
        };

        // The converter's methods find the class through `_uniffi_enum`.
        let converter =
            format!("\nclass _UniffiFfiConverterType{name}(_UniffiConverterRustBuffer):\n");
        let conv_start = unique(&source, &converter, &format!("the converter of {name}"))? + 1;
        let conv_end = block_end(&source, conv_start);
        let mut body = String::new();
        let mut methods = 0;
        for line in source[conv_start..conv_end].split_inclusive('\n') {
            body.push_str(line);
            if line.starts_with("    def ") && line.trim_end().ends_with(':') {
                body.push_str(&format!("        {name} = _uniffi_enum(\"{name}\")\n"));
                methods += 1;
            }
        }
        if methods == 0 {
            return Err(format!("the converter of {name} has no methods"));
        }
        source.replace_range(conv_start..conv_end, &body);

        // The class, into its function.
        let header = format!("\nclass {name}(enum.Enum):\n");
        let start = unique(&source, &header, &format!("the class {name}"))? + 1;
        let end = block_end(&source, start);
        let class = indent(&source[start..end]);
        let plan = plan.map_or(String::new(), |plan| {
            format!("    if _uniffi_speedups is not None:\n{}", indent(&plan))
        });
        let helper = if n == 0 { HELPER } else { "" };
        let function = format!(
            "{helper}def _uniffi_define_{name}():\n    global {name}\n{class}{plan}    return {name}\n\n_UNIFFI_LAZY_ENUMS[\"{name}\"] = _uniffi_define_{name}\n\n"
        );
        source.replace_range(start..end, &function);

        // Not in `__all__`.
        source = replace_once(
            &source,
            &format!("\n    \"{name}\",\n"),
            "\n",
            &format!("{name} in __all__"),
        )?;
    }
    // A block of plans that held only the enums' keeps a statement.
    const PLANS: &str = "\nif _uniffi_speedups is not None:\n";
    if let Some(at) = source.find(PLANS) {
        if !source[at + PLANS.len()..].starts_with("    ") {
            source.insert_str(at + PLANS.len(), "    pass\n");
        }
    }
    let names: String = enums.iter().map(|n| format!("\"{n}\", ")).collect();
    source.push_str(&format!(
        "\n# qiscus: the names `__getattr__` makes when first used (uniffi-bindgen/lazy_enums.rs).\n_UNIFFI_LAZY_NAMES = ({names})\n"
    ));
    if source.contains(MODULE_GETATTR.0) {
        replace_once(
            &source,
            MODULE_GETATTR.0,
            MODULE_GETATTR.1,
            "the module's __getattr__",
        )
    } else {
        source.push_str(NEW_GETATTR);
        Ok(source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GENERATED: &str = r#"import _thread
class Color(enum.Enum):
    """
    A color.
"""
    
    RED = 0
    """
    Red.
"""
    
    BLUE = 1
    


class _UniffiFfiConverterTypeColor(_UniffiConverterRustBuffer):
    _plan = None

    @staticmethod
    def read(buf):
        plan = _UniffiFfiConverterTypeColor._plan
        if plan is not None:
            return plan.read(buf)
        variant = buf.read_i32()
        if variant == 1:
            return Color.RED
        raise InternalError("Raw enum value doesn't match any cases")

    @staticmethod
    def check_lower(value):
        if value == Color.RED:
            return
        raise ValueError(value)

class Other:
    pass

__all__ = [
    "Color",
    "Other",
]

_uniffi_speedups = _uniffi_load_speedups()
if _uniffi_speedups is not None:
    _UniffiFfiConverterTypeColor._plan = _uniffi_speedups.enumeration(InternalError, (
        (Color.RED, None),
        (Color.BLUE, None),
    ))
    _UniffiFfiConverterOptionalTypeColor._plan = _uniffi_speedups.value(InternalError, ("optional", _UniffiFfiConverterTypeColor))
"#;

    #[test]
    fn a_flat_enum_is_made_by_its_function_with_its_plan() {
        let out = patch_lazy_enums(GENERATED).unwrap();
        let expected_function = r#"def _uniffi_define_Color():
    global Color
    class Color(enum.Enum):
        """
    A color.
"""
    
        RED = 0
        """
    Red.
"""
    
        BLUE = 1
    


    if _uniffi_speedups is not None:
        _UniffiFfiConverterTypeColor._plan = _uniffi_speedups.enumeration(InternalError, (
            (Color.RED, None),
            (Color.BLUE, None),
        ))
    return Color

_UNIFFI_LAZY_ENUMS["Color"] = _uniffi_define_Color
"#;
        assert!(out.contains(expected_function), "{out}");
        assert!(out.contains("_UNIFFI_LAZY_ENUMS = {}\n"));
        assert!(out.contains(
            "    def read(buf):\n        Color = _uniffi_enum(\"Color\")\n        plan = "
        ));
        assert!(
            out.contains("    def check_lower(value):\n        Color = _uniffi_enum(\"Color\")\n")
        );
        assert!(out.contains("__all__ = [\n    \"Other\",\n]\n"));
        // The other plans stay where they were.
        assert!(out.contains(
            "if _uniffi_speedups is not None:\n    _UniffiFfiConverterOptionalTypeColor._plan"
        ));
        assert!(out.contains("_UNIFFI_LAZY_NAMES = (\"Color\", )\n"));
        assert!(out.contains(NEW_GETATTR));
        assert!(!out.contains("\nclass Color("));
    }

    #[test]
    fn an_existing_module_getattr_provides_them_too() {
        let with_getattr =
            format!("{GENERATED}\ndef __getattr__(name):\n    raise AttributeError(name)\n");
        let out = patch_lazy_enums(&with_getattr).unwrap();
        assert!(out.contains(
            "\ndef __getattr__(name):\n    if name in _UNIFFI_LAZY_ENUMS:\n        return _uniffi_enum(name)\n    raise AttributeError(name)\n"
        ));
        assert!(!out.contains(NEW_GETATTR));
    }

    #[test]
    fn a_block_of_plans_left_empty_keeps_a_statement() {
        let only_enum = GENERATED.replace(
            "    _UniffiFfiConverterOptionalTypeColor._plan = _uniffi_speedups.value(InternalError, (\"optional\", _UniffiFfiConverterTypeColor))\n",
            "",
        );
        let out = patch_lazy_enums(&only_enum).unwrap();
        assert!(
            out.contains("if _uniffi_speedups is not None:\n    pass\n"),
            "{out}"
        );
    }

    #[test]
    fn a_module_without_flat_enums_is_unchanged() {
        let plain = "class A:\n    pass\n";
        assert_eq!(patch_lazy_enums(plain).unwrap(), plain);
    }

    #[test]
    fn blocks_end_at_the_next_top_level_line_outside_strings() {
        let src = "class A:\n    \"\"\"\ndoc\n\"\"\"\n    x = 1\n\nclass B:\n";
        assert_eq!(
            &src[..block_end(src, 0)],
            "class A:\n    \"\"\"\ndoc\n\"\"\"\n    x = 1\n\n"
        );
    }
}
