//! Hands the generated Python's readers and writers of records, enums and lists to native code.
//!
//! Even inline (see [`crate::records`]), reading a record in Python costs ~5.8 µs per `Comment`:
//! a `load_comments(limit=100)` spent more time building its objects than on the request
//! (bench/RESULTS.md, fix 12). With the wheel's library built with `qiscus-ffi`'s `python`
//! feature, the library is also the extension module `qiscus._native._speedups`
//! (bindings/python/speedups), which reads the same bytes and builds the same objects natively
//! from a *plan* per converter.
//!
//! This patch, for each generated module:
//! * gives every converter class a `_plan = None` attribute (so that the native readers learn with
//!   one lookup whether a converter has a plan), and makes the `read` of every record, every enum
//!   of the generated shape, every list and every optional use its plan when there is one;
//! * makes the `lift` and `lower` that those converters share ([`BUFFER_CONVERTER`]) use the
//!   plan too: a returned buffer is read and freed natively, an argument written natively
//!   (fixes 15 and 16);
//! * appends the loader of the extension module and, when it loads, the plans: the records' fields
//!   as [`crate::records`] parsed them, the enums' variants (with, for writing, where each
//!   variant's writer finds its fields), the lists' and optionals' items. A module with async
//!   calls loads it in any case, for its native wakes (see `ASYNC_CALL` in [`crate::python`]).
//!
//! The pure-Python readers and writers stay as they are: they are what runs where the extension
//! cannot load (an interpreter other than CPython, a library built without the feature) or under
//! `QISCUS_PURE_PYTHON=1`, and the Python tests compare both on every record.

use crate::records::{classify, Field, Record};
use crate::{identifier, replace_once};

const CONVERTER_PREFIX: &str = "\nclass _UniffiFfiConverter";
const STATIC_READ: &str = "    @staticmethod\n    def read(buf):\n";
const CLASS_READ: &str = "    @classmethod\n    def read(cls, buf):\n";
const NO_MATCH: &str = "        raise InternalError(\"Raw enum value doesn't match any cases\")\n";

/// The Python type description of a field (see bindings/python/speedups).
fn spec(field: &Field) -> String {
    match field {
        Field::Fixed(code, _) => format!("\"{code}\""),
        Field::Bool => "\"?\"".into(),
        Field::Str => "\"s\"".into(),
        Field::Optional(inner) => format!("(\"optional\", {})", spec(inner)),
        Field::Converter(name) => name.clone(),
    }
}

/// The body of the class whose header line `rest` follows.
fn class_body(rest: &str) -> &str {
    &rest[..(crate::class_end(rest, 0) + 1).min(rest.len())]
}

/// An enum's variants, if its reader has the generated shape: (constructor expression, field
/// types, or `None` for a variant without parentheses, i.e. a constant).
fn enum_variants(body: &str) -> Option<Vec<(String, Option<Vec<String>>)>> {
    let mut lines = body[body.find(STATIC_READ)?..]
        .strip_prefix(STATIC_READ)?
        .strip_prefix("        variant = buf.read_i32()\n")?
        .lines();
    let mut variants = Vec::new();
    loop {
        let line = lines.next()?;
        if format!("{line}\n") == NO_MATCH {
            break;
        }
        let number = line
            .strip_prefix("        if variant == ")?
            .strip_suffix(':')?;
        if number != (variants.len() + 1).to_string() {
            return None;
        }
        let ret = lines.next()?.strip_prefix("            return ")?;
        let is_name = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c == '_' || c == '.' || c.is_ascii_alphanumeric())
        };
        if let Some(ctor) = ret.strip_suffix('(') {
            if !is_name(ctor) {
                return None;
            }
            let mut fields = Vec::new();
            loop {
                let line = lines.next()?;
                if line == "            )" {
                    break;
                }
                let conv = line
                    .strip_prefix("                _UniffiFfiConverter")?
                    .strip_suffix(".read(buf),")?;
                if !is_name(conv) || conv.contains('.') {
                    return None;
                }
                fields.push(conv.to_string());
            }
            variants.push((ctor.to_string(), Some(fields)));
        } else if is_name(ret) {
            variants.push((ret.to_string(), None));
        } else {
            return None;
        }
    }
    (!variants.is_empty()).then_some(variants)
}

/// Where an enum's writer finds each variant's fields, if it has the generated shape: for each
/// variant in order, the Python accessor of each field (`0` for `value._values[0]`, `"name"` for
/// `value.name`), its converter the one the reader reads it with.
fn enum_accessors(body: &str, variants: &[(String, Option<Vec<String>>)]) -> Option<Vec<String>> {
    const WRITE: &str = "    @staticmethod\n    def write(value, buf):\n";
    let mut lines = body[body.find(WRITE)? + WRITE.len()..].lines();
    let mut accessors = Vec::new();
    for (number, (ctor, fields)) in variants.iter().enumerate() {
        let fields = fields.as_ref()?;
        let variant = ctor.rsplit('.').next()?;
        // Enums ask the value, errors test its class.
        let test = lines.next()?;
        if test != format!("        if value.is_{variant}():")
            && test != format!("        if isinstance(value, {ctor}):")
        {
            return None;
        }
        if lines.next()? != format!("            buf.write_i32({})", number + 1) {
            return None;
        }
        let mut these = Vec::new();
        for conv in fields {
            let accessor = lines
                .next()?
                .strip_prefix(&format!(
                    "            _UniffiFfiConverter{conv}.write(value."
                ))?
                .strip_suffix(", buf)")?;
            let accessor = match accessor
                .strip_prefix("_values[")
                .and_then(|a| a.strip_suffix(']'))
            {
                Some(index) => index.parse::<usize>().ok()?.to_string(),
                None if identifier(accessor) => format!("\"{accessor}\""),
                None => return None,
            };
            these.push(format!("{accessor}, "));
        }
        accessors.push(these.concat());
    }
    // Nothing more is written.
    lines
        .next()
        .map_or(true, |l| !l.starts_with("        "))
        .then_some(accessors)
}

/// The readers of lists and optionals, as generated: (what precedes the inner converter, what
/// follows it, the type description's tag).
const WRAPPERS: [(&str, &str, &str); 2] = [
    (
        "        count = buf.read_i32()\n        if count < 0:\n            raise InternalError(\"Unexpected negative sequence length\")\n\n        return [\n            ",
        ".read(buf) for i in range(count)\n        ]\n",
        "sequence",
    ),
    (
        "        flag = buf.read_u8()\n        if flag == 0:\n            return None\n        elif flag == 1:\n            return ",
        ".read(buf)\n        else:\n            raise InternalError(\"Unexpected flag byte for optional type\")\n",
        "optional",
    ),
];

/// A list or optional reader of the generated shape: its tag and the type description of its
/// items.
fn wrapper(source: &str, body: &str) -> Option<(&'static str, String)> {
    let read = &body[body.find(CLASS_READ)? + CLASS_READ.len()..];
    WRAPPERS.iter().find_map(|(before, after, tag)| {
        let inner = read.strip_prefix(before)?;
        Some((*tag, item_spec(source, &inner[..inner.find(after)?])?))
    })
}

/// The type description of the converter a reader calls: `_UniffiFfiConverterName` of this
/// module, or `module._UniffiFfiConverterName` of another (a list of the core's records in the
/// FFI crate's module), which is read by its own plan, if it has one, when the list is read.
fn item_spec(source: &str, converter: &str) -> Option<String> {
    let (module, name) = match converter.split_once('.') {
        Some((module, name)) => (Some(module), name),
        None => (None, converter),
    };
    if !module.map_or(true, identifier) || !identifier(name) {
        return None;
    }
    let name = name.strip_prefix("_UniffiFfiConverter")?;
    Some(match module {
        None => spec(&classify(source, name)),
        Some(_) => converter.to_string(),
    })
}

/// Lifting and lowering through the converter's plan when it has one (that writes, to lower):
/// see bindings/python/speedups/src/lift.rs and lower.rs. Else as generated.
const BUFFER_CONVERTER: (&str, &str) = (
    "class _UniffiConverterRustBuffer:
    @classmethod
    def lift(cls, rbuf):
        with rbuf.consume_with_stream() as stream:
            return cls.read(stream)

    @classmethod
    def lower(cls, value):
",
    "class _UniffiConverterRustBuffer:
    _plan = None

    @classmethod
    def lift(cls, rbuf):
        # qiscus: the native readers read and free the buffer (uniffi-bindgen/speedups.rs).
        plan = cls._plan
        if plan is not None:
            return plan.lift(rbuf, _UniffiRustBufferStream)
        with rbuf.consume_with_stream() as stream:
            return cls.read(stream)

    @classmethod
    def lower(cls, value):
        # qiscus: the native writers (uniffi-bindgen/speedups.rs), when the plan can write it.
        plan = cls._plan
        if plan is not None:
            rbuf = plan.lower(value, _UniffiRustBuffer, _UniffiRustBufferBuilder)
            if rbuf is not None:
                return rbuf
",
);

/// The Python that loads the extension module from the library the module itself loaded.
const LOADER: &str = "

# qiscus: the native readers (bindings/python/speedups, uniffi-bindgen/speedups.rs). The library
# built for the wheel is also the extension module `qiscus._native._speedups`; where it cannot be
# loaded (not CPython, a library built without it) or QISCUS_PURE_PYTHON is set, the readers above
# run in Python as generated.
def _uniffi_load_speedups():
    if sys.implementation.name != \"cpython\" or os.environ.get(\"QISCUS_PURE_PYTHON\", \"\") not in (\"\", \"0\"):
        return None
    # The import system's own modules, always loaded in CPython: what importlib.machinery and
    # importlib.util hand out, without importing them (with warnings and contextlib: ~2 ms).
    import _frozen_importlib as bootstrap
    import _frozen_importlib_external as bootstrap_external
    name = __name__.rpartition(\".\")[0] + \"._speedups\"
    module = sys.modules.get(name)
    if module is None:
        loader = bootstrap_external.ExtensionFileLoader(name, _UniffiLib._name)
        try:
            module = bootstrap.module_from_spec(bootstrap.spec_from_loader(name, loader))
        except ImportError:
            return None
        loader.exec_module(module)
        sys.modules[name] = module
    return module

_uniffi_speedups = _uniffi_load_speedups()
if _uniffi_speedups is not None:
";

/// Adds the plans to a module whose record readers were rewritten by [`crate::records`] (see the
/// module docs). A module with nothing to plan is returned unchanged.
pub fn patch_speedups(source: &str, records: &[Record]) -> Result<String, String> {
    let mut plans = Vec::new();
    let mut planned_records = 0;
    let mut out = String::with_capacity(source.len() + source.len() / 8);
    let mut rest = source;
    while let Some(at) = rest.find(CONVERTER_PREFIX) {
        let name_start = at + CONVERTER_PREFIX.len();
        let line_end = rest[name_start..]
            .find('\n')
            .map_or(rest.len(), |e| name_start + e + 1);
        let header = &rest[name_start..line_end];
        out.push_str(&rest[..line_end]);
        rest = &rest[line_end..];
        let Some(header) = header.strip_suffix(":\n") else {
            continue;
        };
        // Every converter has a `_plan`, so that the native readers find out with one lookup
        // whether a converter has one.
        out.push_str("    _plan = None\n\n");
        let name = header.split('(').next().unwrap_or(header);
        let converter = format!("_UniffiFfiConverter{name}");
        let body = class_body(rest);
        let plan = if let Some(record) = name
            .strip_prefix("Type")
            .and_then(|r| records.iter().find(|(n, _)| n == r))
        {
            let fields: Vec<String> = record
                .1
                .iter()
                .map(|(field, how)| format!("        (\"{field}\", {}),\n", spec(how)))
                .collect();
            planned_records += 1;
            Some((
                STATIC_READ,
                format!(
                    "_uniffi_speedups.record(InternalError, {}, (\n{}    ))",
                    record.0,
                    fields.concat()
                ),
            ))
        } else if let Some(variants) = enum_variants(body) {
            // Enums with fields are written natively when their writer's shape says where the
            // fields are; enums without are told apart by value.
            let accessors = enum_accessors(body, &variants);
            let variants: Vec<String> = variants
                .iter()
                .enumerate()
                .map(|(number, (ctor, fields))| match fields {
                    Some(fields) => {
                        let types: Vec<String> = fields
                            .iter()
                            .map(|f| format!("{}, ", spec(&classify(source, f))))
                            .collect();
                        let accessors = accessors
                            .as_ref()
                            .map_or(String::new(), |a| format!(", ({})", a[number]));
                        format!("        ({ctor}, ({}){accessors}),\n", types.concat())
                    }
                    None => format!("        ({ctor}, None),\n"),
                })
                .collect();
            Some((
                STATIC_READ,
                format!(
                    "_uniffi_speedups.enumeration(InternalError, (\n{}    ))",
                    variants.concat()
                ),
            ))
        } else {
            wrapper(source, body).map(|(tag, item)| {
                (
                    CLASS_READ,
                    format!("_uniffi_speedups.value(InternalError, (\"{tag}\", {item}))"),
                )
            })
        };
        let Some((read, plan)) = plan else {
            continue;
        };
        let Some(read_at) = body.find(read) else {
            return Err(format!("{converter}: no reader of the expected shape"));
        };
        let read_end = read_at + read.len();
        out.push_str(&rest[..read_end]);
        out.push_str(&format!(
            "        plan = {converter}._plan\n        if plan is not None:\n            return plan.read(buf)\n"
        ));
        rest = &rest[read_end..];
        plans.push(format!("    {converter}._plan = {plan}\n"));
    }
    out.push_str(rest);
    if planned_records != records.len() {
        return Err(format!(
            "{} records, {planned_records} record converters planned",
            records.len()
        ));
    }
    // The async poll loop (uniffi-bindgen/python.rs) uses the module's wake channels too.
    if plans.is_empty() && !source.contains("async def _uniffi_rust_call_async(") {
        return Ok(out);
    }
    if !plans.is_empty() {
        out = replace_once(
            &out,
            BUFFER_CONVERTER.0,
            BUFFER_CONVERTER.1,
            "the buffer converter",
        )?;
    }
    out.push_str(LOADER);
    out.push_str(&plans.concat());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generated shapes the patch knows (the buffer converter's start is
    /// [`BUFFER_CONVERTER`]'s, put in by [`generated`]).
    const GENERATED_TEMPLATE: &str = "\
import os

{BUFFER_CONVERTER}        with _UniffiRustBuffer.alloc_with_builder() as builder:
            cls.write(value, builder)
            return builder.finalize()

class _UniffiFfiConverterTypeKind(_UniffiConverterRustBuffer):
    @staticmethod
    def read(buf):
        variant = buf.read_i32()
        if variant == 1:
            return Kind.PLAIN(
            )
        if variant == 2:
            return Kind.TAGGED(
                _UniffiFfiConverterString.read(buf),
                _UniffiFfiConverterOptionalInt64.read(buf),
            )
        raise InternalError(\"Raw enum value doesn't match any cases\")

    @staticmethod
    def write(value, buf):
        if value.is_PLAIN():
            buf.write_i32(1)
        if value.is_TAGGED():
            buf.write_i32(2)
            _UniffiFfiConverterString.write(value._values[0], buf)
            _UniffiFfiConverterOptionalInt64.write(value.note, buf)

class _UniffiFfiConverterTypeColor(_UniffiConverterRustBuffer):
    @staticmethod
    def read(buf):
        variant = buf.read_i32()
        if variant == 1:
            return Color.RED
        if variant == 2:
            return Color.BLUE
        raise InternalError(\"Raw enum value doesn't match any cases\")

class _UniffiFfiConverterTypeThing(_UniffiConverterRustBuffer):
    @staticmethod
    def read(buf):
        d = buf.data
        return Thing(id=f0)

class _UniffiFfiConverterSequenceTypeThing(_UniffiConverterRustBuffer):
    @classmethod
    def check_lower(cls, value):
        pass

    @classmethod
    def read(cls, buf):
        count = buf.read_i32()
        if count < 0:
            raise InternalError(\"Unexpected negative sequence length\")

        return [
            _UniffiFfiConverterTypeThing.read(buf) for i in range(count)
        ]

class _UniffiFfiConverterOptionalTypeThing(_UniffiConverterRustBuffer):
    @classmethod
    def read(cls, buf):
        flag = buf.read_u8()
        if flag == 0:
            return None
        elif flag == 1:
            return _UniffiFfiConverterTypeThing.read(buf)
        else:
            raise InternalError(\"Unexpected flag byte for optional type\")

class _UniffiFfiConverterMapStringString(_UniffiConverterRustBuffer):
    @classmethod
    def read(cls, buf):
        count = buf.read_i32()

{OTHER_ITEMS}class _UniffiFfiConverterString:
    @staticmethod
    def read(buf):
        return buf.read_str()

__all__ = []
";

    fn generated() -> String {
        let template = GENERATED_TEMPLATE.replace("{BUFFER_CONVERTER}", BUFFER_CONVERTER.0);
        // The list and optional of Thing again, with other items: another module's records (the
        // FFI crate's lists of the core's), and an expression that is not a converter.
        let class = |name: &str| {
            let start = template
                .find(&format!("class _UniffiFfiConverter{name}("))
                .unwrap();
            template[start..start + class_body(&template[start + 1..]).len() + 1].to_owned()
        };
        let others = [
            class("SequenceTypeThing")
                .replace("SequenceTypeThing", "SequenceTypeComment")
                .replace(
                    "_UniffiFfiConverterTypeThing.read",
                    "qiscus_core._UniffiFfiConverterTypeComment.read",
                ),
            class("OptionalTypeThing")
                .replace("TypeThing(", "TypeOdd(")
                .replace(
                    "_UniffiFfiConverterTypeThing.read",
                    "odd()._UniffiFfiConverterTypeOdd.read",
                ),
        ];
        template.replace("{OTHER_ITEMS}", &others.concat())
    }

    fn records() -> Vec<Record> {
        vec![(
            "Thing".into(),
            vec![
                ("id".into(), Field::Fixed('q', 8)),
                ("name".into(), Field::Str),
                ("on".into(), Field::Bool),
                ("note".into(), Field::Optional(Box::new(Field::Str))),
                (
                    "kind".into(),
                    Field::Converter("_UniffiFfiConverterTypeKind".into()),
                ),
            ],
        )]
    }

    #[test]
    fn plans_records_enums_and_lists() {
        let out = patch_speedups(&generated(), &records()).unwrap();
        for expected in [
            // every planned reader uses its plan first
            "class _UniffiFfiConverterTypeThing(_UniffiConverterRustBuffer):\n    _plan = None\n\n    @staticmethod\n    def read(buf):\n        plan = _UniffiFfiConverterTypeThing._plan\n        if plan is not None:\n            return plan.read(buf)\n        d = buf.data\n",
            "    @classmethod\n    def read(cls, buf):\n        plan = _UniffiFfiConverterSequenceTypeThing._plan\n        if plan is not None:\n            return plan.read(buf)\n        count = buf.read_i32()\n",
            "class _UniffiFfiConverterTypeKind(_UniffiConverterRustBuffer):\n    _plan = None\n\n",
            "class _UniffiFfiConverterTypeColor(_UniffiConverterRustBuffer):\n    _plan = None\n\n",
            // the plans, after everything they name is defined
            "    _UniffiFfiConverterTypeThing._plan = _uniffi_speedups.record(InternalError, Thing, (\n        (\"id\", \"q\"),\n        (\"name\", \"s\"),\n        (\"on\", \"?\"),\n        (\"note\", (\"optional\", \"s\")),\n        (\"kind\", _UniffiFfiConverterTypeKind),\n    ))\n",
            "    _UniffiFfiConverterTypeKind._plan = _uniffi_speedups.enumeration(InternalError, (\n        (Kind.PLAIN, (), ()),\n        (Kind.TAGGED, (\"s\", (\"optional\", \"q\"), ), (0, \"note\", )),\n    ))\n",
            // lifting and lowering go through the plans
            "class _UniffiConverterRustBuffer:\n    _plan = None\n\n    @classmethod\n    def lift(cls, rbuf):\n        # qiscus: the native readers read and free the buffer (uniffi-bindgen/speedups.rs).\n        plan = cls._plan\n        if plan is not None:\n            return plan.lift(rbuf, _UniffiRustBufferStream)\n        with rbuf.consume_with_stream() as stream:\n",
            "    def lower(cls, value):\n        # qiscus: the native writers (uniffi-bindgen/speedups.rs), when the plan can write it.\n        plan = cls._plan\n        if plan is not None:\n            rbuf = plan.lower(value, _UniffiRustBuffer, _UniffiRustBufferBuilder)\n            if rbuf is not None:\n                return rbuf\n        with _UniffiRustBuffer.alloc_with_builder() as builder:\n",
            "    _UniffiFfiConverterTypeColor._plan = _uniffi_speedups.enumeration(InternalError, (\n        (Color.RED, None),\n        (Color.BLUE, None),\n    ))\n",
            "    _UniffiFfiConverterSequenceTypeThing._plan = _uniffi_speedups.value(InternalError, (\"sequence\", _UniffiFfiConverterTypeThing))\n",
            "    _UniffiFfiConverterOptionalTypeThing._plan = _uniffi_speedups.value(InternalError, (\"optional\", _UniffiFfiConverterTypeThing))\n",
            // a list of another module's records (the FFI crate's lists of the core's)
            "    _UniffiFfiConverterSequenceTypeComment._plan = _uniffi_speedups.value(InternalError, (\"sequence\", qiscus_core._UniffiFfiConverterTypeComment))\n",
            // converters without a plan have `_plan = None` all the same
            "class _UniffiFfiConverterMapStringString(_UniffiConverterRustBuffer):\n    _plan = None\n\n    @classmethod\n    def read(cls, buf):\n        count = buf.read_i32()\n",
            "class _UniffiFfiConverterString:\n    _plan = None\n\n    @staticmethod\n    def read(buf):\n        return buf.read_str()\n",
        ] {
            assert!(out.contains(expected), "missing {expected:?} in\n{out}");
        }
        assert!(out.find("__all__").unwrap() < out.find("def _uniffi_load_speedups").unwrap());
        // a reader whose item is not a plain (module-qualified) converter stays in Python
        assert!(out.contains("class _UniffiFfiConverterOptionalTypeOdd("));
        assert!(!out.contains("_UniffiFfiConverterOptionalTypeOdd._plan ="));
        assert_eq!(out.matches("    _plan = None\n").count(), 10);
        assert_eq!(out.matches("        if plan is not None:\n").count(), 8);
    }

    #[test]
    fn a_module_without_anything_to_plan_loads_nothing() {
        let plain = "import os\n\nclass _UniffiFfiConverterString:\n    pass\n";
        assert_eq!(
            patch_speedups(plain, &[]).unwrap(),
            "import os\n\nclass _UniffiFfiConverterString:\n    _plan = None\n\n    pass\n"
        );
    }

    #[test]
    fn refuses_a_record_without_its_converter() {
        let mut records = records();
        records.push(("Other".into(), vec![]));
        let err = patch_speedups(&generated(), &records).unwrap_err();
        assert!(
            err.contains("2 records, 1 record converters planned"),
            "{err}"
        );
    }

    #[test]
    fn enums_whose_writer_has_another_shape_are_read_natively_and_written_in_python() {
        for odd in [
            // a variant numbered otherwise, a field of another converter, an unknown accessor,
            // something more written
            ("buf.write_i32(2)\n", "buf.write_i32(3)\n"),
            (
                "_UniffiFfiConverterString.write(",
                "_UniffiFfiConverterInt64.write(",
            ),
            ("value.note, buf)", "value.note(), buf)"),
            (
                "value.note, buf)\n",
                "value.note, buf)\n            buf.write_u8(0)\n",
            ),
        ] {
            let generated = generated().replacen(odd.0, odd.1, 1);
            assert_ne!(generated, self::generated());
            let out = patch_speedups(&generated, &records()).unwrap();
            assert!(
                out.contains("        (Kind.TAGGED, (\"s\", (\"optional\", \"q\"), )),\n"),
                "{odd:?}"
            );
        }
    }

    #[test]
    fn the_variants_of_errors_are_told_apart_by_class() {
        let generated = generated().replacen(
            "        if value.is_TAGGED():",
            "        if isinstance(value, Kind.TAGGED):",
            1,
        );
        assert_ne!(generated, self::generated());
        let out = patch_speedups(&generated, &records()).unwrap();
        assert!(out.contains(
            "        (Kind.TAGGED, (\"s\", (\"optional\", \"q\"), ), (0, \"note\", )),\n"
        ));
    }

    #[test]
    fn enums_of_another_shape_stay_in_python() {
        let odd = generated().replace(
            "        if variant == 2:\n            return Color.BLUE\n",
            "        if variant == 3:\n            return Color.BLUE\n",
        );
        let out = patch_speedups(&odd, &records()).unwrap();
        assert!(!out.contains("_UniffiFfiConverterTypeColor._plan ="));
        assert!(out.contains("_UniffiFfiConverterTypeKind._plan ="));
    }
}
