//! Makes the generated converters objects instead of classes.
//!
//! UniFFI's Python has one class per type that crosses the FFI (`_UniffiFfiConverterTypeComment`,
//! `_UniffiFfiConverterOptionalString`, ...), used only through its static and class methods:
//! ~160 classes between the two modules. Creating a class is the most expensive thing
//! `import qiscus` does (CPython fills each new class's ~90 slots from its MRO), and a class is
//! also more for the collector to walk and free at exit.
//!
//! This patch keeps every converter's body as it is, and gives its class statement
//! `metaclass=_uniffi_converter` ([`HELPER`]), which returns an instance of the converter's base
//! (or of `_UniffiConverter`) holding the body's attributes: static methods as plain functions,
//! class methods bound to the converter. Every use in the generated code, `Converter.read(buf)`,
//! `Converter.lift(value)`, `Converter._plan = ...`, reads the same. The four shared bases
//! (`_UniffiConverterPrimitive`, `...Int`, `...Float`, `_UniffiConverterRustBuffer`) stay classes;
//! their class methods become methods, whose `cls` is then the converter.

use crate::replace_once;

/// The bases the converters derive from, which become their instances' classes.
const BASES: [&str; 4] = [
    "\nclass _UniffiConverterPrimitive:\n",
    "\nclass _UniffiConverterPrimitiveInt(_UniffiConverterPrimitive):\n",
    "\nclass _UniffiConverterPrimitiveFloat(_UniffiConverterPrimitive):\n",
    "\nclass _UniffiConverterRustBuffer:\n",
];

/// Where [`HELPER`] goes: after the `dataclass` stand-in, before any converter.
const HELPER_AFTER: &str = "        cls.__repr__ = cls.__str__\n    return cls\n";
const HELPER: &str = "
class _UniffiConverter:
    # qiscus: what a converter without a base is an instance of (uniffi-bindgen/converters.rs).
    pass

def _uniffi_converter(name, bases, namespace):
    # qiscus: a generated converter is an object, not a class (uniffi-bindgen/converters.rs): an
    # instance of its base holding its body's attributes, the class methods bound to it.
    converter = (bases[0] if bases else _UniffiConverter)()
    attributes = converter.__dict__
    for key, value in namespace.items():
        kind = type(value)
        if kind is staticmethod:
            value = value.__func__
        elif kind is classmethod:
            value = value.__func__.__get__(converter)
        attributes[key] = value
    return converter
";

/// The class statement of a converter, with the metaclass, if `line` is one.
fn converter_header(line: &str) -> Option<String> {
    let rest = line.strip_prefix("class _UniffiFfiConverter")?;
    let name_len = rest
        .find(|c: char| c != '_' && !c.is_ascii_alphanumeric())
        .unwrap_or(rest.len());
    let (name, tail) = rest.split_at(name_len);
    let base = match tail {
        ":" => None,
        _ => Some(tail.strip_prefix('(')?.strip_suffix("):")?),
    };
    if base.is_some_and(|b| !crate::identifier(b)) {
        return None;
    }
    Some(match base {
        None => format!("class _UniffiFfiConverter{name}(metaclass=_uniffi_converter):"),
        Some(base) => {
            format!("class _UniffiFfiConverter{name}({base}, metaclass=_uniffi_converter):")
        }
    })
}

/// Applies the patch (see the module docs).
pub fn patch_converters(source: &str) -> Result<String, String> {
    let mut source = replace_once(
        source,
        HELPER_AFTER,
        &format!("{HELPER_AFTER}{HELPER}"),
        "the end of the dataclass stand-in",
    )?;
    for base in BASES {
        // A module whose converters need no such base has none.
        let Some(at) = source.find(base) else {
            continue;
        };
        crate::unique(&source, base, base.trim())?;
        let start = at + base.len();
        let end = crate::class_end(&source, start);
        let body = source[start..end].replace("    @classmethod\n    def ", "    def ");
        source.replace_range(start..end, &body);
    }
    let mut out = String::with_capacity(source.len() + 8192);
    let mut converters = 0;
    for line in source.split_inclusive('\n') {
        match converter_header(line.trim_end_matches('\n')) {
            Some(header) => {
                out.push_str(&header);
                out.push('\n');
                converters += 1;
            }
            None => out.push_str(line),
        }
    }
    if converters == 0 {
        return Err("no converter class was found in the generated code".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GENERATED: &str = "def dataclass(cls):
    if \"__str__\" in cls.__dict__:
        cls.__repr__ = cls.__str__
    return cls

class _UniffiConverterPrimitive:
    @classmethod
    def lift(cls, value):
        return value

class _UniffiConverterPrimitiveInt(_UniffiConverterPrimitive):
    @classmethod
    def check_lower(cls, value):
        pass

class _UniffiConverterPrimitiveFloat(_UniffiConverterPrimitive):
    @classmethod
    def check_lower(cls, value):
        pass

class _UniffiConverterRustBuffer:
    _plan = None

    @classmethod
    def lift(cls, rbuf):
        return cls.read(rbuf)

class _UniffiFfiConverterString:
    @staticmethod
    def read(buf):
        return buf

class _UniffiFfiConverterTypeUser(_UniffiConverterRustBuffer):
    @classmethod
    def read(cls, buf):
        return buf
";

    #[test]
    fn converters_get_the_metaclass_and_their_bases_plain_methods() {
        let out = patch_converters(GENERATED).unwrap();
        assert!(out.contains("class _UniffiFfiConverterString(metaclass=_uniffi_converter):\n"));
        assert!(out.contains(
            "class _UniffiFfiConverterTypeUser(_UniffiConverterRustBuffer, metaclass=_uniffi_converter):\n    @classmethod\n    def read(cls, buf):"
        ));
        assert!(out.contains(
            "class _UniffiConverterRustBuffer:\n    _plan = None\n\n    def lift(cls, rbuf):"
        ));
        assert!(out.contains("class _UniffiConverterPrimitive:\n    def lift(cls, value):"));
        assert!(out.contains("    return cls\n\nclass _UniffiConverter:\n"));
    }

    #[test]
    fn headers_of_other_shapes_are_not_converters() {
        assert_eq!(converter_header("class _UniffiFfiConverterX(a.b):"), None);
        assert_eq!(converter_header("class Other:"), None);
        assert_eq!(converter_header("    class _UniffiFfiConverterX:"), None);
    }
}
