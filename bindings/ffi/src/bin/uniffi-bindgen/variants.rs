//! Makes each variant of an enum with data one class instead of two.
//!
//! UniFFI's Python defines every variant of such an enum (`Payload.TEXT`, `ConformanceCall.*`) as
//! a class nested in the enum's body, then, below the enum, a second class that derives from it
//! and from the enum (`Payload.TEXT = type("Payload.TEXT", (Payload.TEXT, Payload,), {})`), so
//! that a variant is an instance of its enum. Creating a class is the most expensive thing
//! `import qiscus` does (CPython fills each new class's ~90 slots from its MRO), and the first of
//! each pair is never used again.
//!
//! This patch keeps each nested body but not its class: `_uniffi_variant` (the nested class's
//! metaclass) returns the body's namespace as it is, and the line below the enum makes the one
//! class from that namespace with the enum as its base. The variant's name, qualified name,
//! module, docstring and methods are the same as before; its MRO lacks the unused class. What the
//! `dataclass` stand-in did to the nested class (`__repr__` as `__str__`), `_uniffi_variant` does
//! to the namespace.

use crate::{identifier, replace_once};

const HELPER_AFTER: &str = "\nimport enum\n";
const HELPER: &str = "
def _uniffi_variant(name, bases, namespace):
    # qiscus: an enum variant's body is kept as its namespace, and the variant's one class is made
    # from it below the enum, with the enum as its base (uniffi-bindgen/variants.rs).
    if \"__str__\" in namespace:
        namespace[\"__repr__\"] = namespace[\"__str__\"]
    return namespace
";

/// The enum and variant of one of UniFFI's variant lines, if `line` is one.
fn variant_line(line: &str) -> Option<(&str, &str)> {
    let (target, rest) = line.split_once(" = type(\"")?;
    let (enum_name, variant) = target.split_once('.')?;
    if !identifier(enum_name) || !identifier(variant) {
        return None;
    }
    let expected = format!(
        "{enum_name}.{variant}\", ({enum_name}.{variant}, {enum_name},), {{}})  # type: ignore"
    );
    (rest == expected).then_some((enum_name, variant))
}

/// Applies the patch (see the module docs); a module without enums with data is returned as it
/// is.
pub fn patch_variants(source: &str) -> Result<String, String> {
    let variants: Vec<(String, String)> = source
        .lines()
        .filter_map(variant_line)
        .map(|(e, v)| (e.to_string(), v.to_string()))
        .collect();
    if variants.is_empty() {
        return Ok(source.to_string());
    }
    let mut source = replace_once(
        source,
        HELPER_AFTER,
        &format!("{HELPER_AFTER}{HELPER}"),
        "the enum import",
    )?;
    for (enum_name, variant) in &variants {
        let what = format!("the class of {enum_name}.{variant}");
        let header = format!("\nclass {enum_name}:\n");
        let start = crate::unique(&source, &header, &format!("the class {enum_name}"))?;
        let body_start = start + header.len();
        let body_end = crate::class_end(&source, body_start);
        let nested = format!("\n    @dataclass\n    class {variant}:\n");
        let body = replace_once(
            &source[body_start..body_end],
            &nested,
            &format!("\n    class {variant}(metaclass=_uniffi_variant):\n"),
            &what,
        )?;
        source.replace_range(body_start..body_end, &body);
        source = replace_once(
            &source,
            &format!(
                "\n{enum_name}.{variant} = type(\"{enum_name}.{variant}\", ({enum_name}.{variant}, {enum_name},), {{}})  # type: ignore\n"
            ),
            &format!(
                "\n{enum_name}.{variant} = type(\"{enum_name}.{variant}\", ({enum_name},), {enum_name}.{variant})  # type: ignore\n"
            ),
            &format!("the variant line of {enum_name}.{variant}"),
        )?;
    }
    Ok(source)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GENERATED: &str = "import os
import enum
def dataclass(cls):
    return cls

class Shape:
    def __init__(self):
        raise RuntimeError(\"Shape cannot be instantiated directly\")

    # Each enum variant is a nested class of the enum itself.
    @dataclass
    class DOT:
        def __init__(self, ):
            pass

    @dataclass
    class LINE:
        def __init__(self, *values):
            self._values = values

    def is_DOT(self) -> bool:
        return isinstance(self, Shape.DOT)

Shape.DOT = type(\"Shape.DOT\", (Shape.DOT, Shape,), {})  # type: ignore
Shape.LINE = type(\"Shape.LINE\", (Shape.LINE, Shape,), {})  # type: ignore

class Other:
    @dataclass
    class DOT:
        pass
";

    #[test]
    fn each_variant_becomes_one_class_made_from_its_body() {
        let out = patch_variants(GENERATED).unwrap();
        assert!(out.contains("import enum\n\ndef _uniffi_variant(name, bases, namespace):"));
        assert!(out.contains("\n    class DOT(metaclass=_uniffi_variant):\n"));
        assert!(out.contains("\n    class LINE(metaclass=_uniffi_variant):\n"));
        assert!(out
            .contains("\nShape.DOT = type(\"Shape.DOT\", (Shape,), Shape.DOT)  # type: ignore\n"));
        assert!(out.contains(
            "\nShape.LINE = type(\"Shape.LINE\", (Shape,), Shape.LINE)  # type: ignore\n"
        ));
        // Another class's nested class of the same name is left alone.
        assert!(out.contains("class Other:\n    @dataclass\n    class DOT:\n"));
    }

    #[test]
    fn a_module_without_variants_is_unchanged() {
        let plain = "import enum\nclass A:\n    pass\n";
        assert_eq!(patch_variants(plain).unwrap(), plain);
    }

    #[test]
    fn a_variant_whose_nested_class_has_another_shape_is_an_error() {
        let odd = GENERATED.replace("    @dataclass\n    class LINE:", "    class LINE:");
        let err = patch_variants(&odd).unwrap_err();
        assert!(err.contains("Shape.LINE"), "{err}");
    }
}
