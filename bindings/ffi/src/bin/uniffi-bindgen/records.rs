//! The generated Python's record readers, rewritten to read their fields inline.
//!
//! UniFFI reads a record through one converter call per field, and an optional field through
//! three or four (`_UniffiFfiConverterOptionalString.read(buf)` reads the flag with
//! `buf.read_u8()`, then calls `_UniffiFfiConverterString.read(buf)`, which calls
//! `buf.read_str()`). For a list of comments that is ~10 µs of calls per 16-field record, most of
//! what `load_comments(limit=100)` costs in Python (bench/RESULTS.md, fix 5).
//!
//! Here each record's `read` is rewritten to take the stream's bytes and offset into locals and
//! read the fields of known shape from them directly: integers and floats (consecutive ones with
//! one precompiled `struct`), booleans, strings, their optional forms, and custom types that
//! are strings. Every other field (enums, nested records, sequences, JSON values) is read by its
//! own converter, as before, with the offset handed over and taken back. The result is the same
//! object built by the same constructor; the same reads past the end, negative lengths and bad
//! flag bytes raise the same `InternalError`.
//!
//! Every record of the module must have a reader of the expected shape, or the build fails.
//!
//! Each record class is also given `__slots__`, its fields (and `__weakref__`), in
//! [`patch_record_slots`]: a record holds its fields in the object itself, without an instance
//! dictionary, so the native reader stores each field through its slot (bench/RESULTS.md, fix
//! 34), and an assignment to a misspelt field raises `AttributeError` instead of adding an
//! attribute that no call would ever send.

use std::collections::{BTreeSet, HashSet};

use crate::identifier;

/// How one field is read.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    /// A fixed-size value: its `struct` code and size in bytes.
    Fixed(char, usize),
    /// A boolean: one byte, anything but 0 is true (UniFFI's own rule).
    Bool,
    /// A string: i32 length, then UTF-8.
    Str,
    /// A flag byte (0 or 1), then the value when it is 1.
    Optional(Box<Field>),
    /// Read by the named converter, through the stream.
    Converter(String),
}

const READ_PAST_END: &str = "raise InternalError(\"read past end of rust buffer\")";

/// The fixed-size primitive converters and their `struct` codes.
fn fixed(name: &str) -> Option<Field> {
    let (code, size) = match name {
        "Int8" => ('b', 1),
        "UInt8" => ('B', 1),
        "Int16" => ('h', 2),
        "UInt16" => ('H', 2),
        "Int32" => ('i', 4),
        "UInt32" => ('I', 4),
        "Int64" => ('q', 8),
        "UInt64" => ('Q', 8),
        "Float32" => ('f', 4),
        "Float64" => ('d', 8),
        _ => return None,
    };
    Some(Field::Fixed(code, size))
}

/// What the converter `_UniffiFfiConverter{name}` reads, as far as it can be read inline.
pub fn classify(source: &str, name: &str) -> Field {
    let converter = || Field::Converter(format!("_UniffiFfiConverter{name}"));
    if let Some(f) = fixed(name) {
        return f;
    }
    match name {
        "Boolean" => return Field::Bool,
        "String" => return Field::Str,
        _ => {}
    }
    if let Some(inner) = name.strip_prefix("Optional") {
        return match classify(source, inner) {
            Field::Converter(_) | Field::Optional(_) => converter(),
            f => Field::Optional(Box::new(f)),
        };
    }
    // A custom type whose reader hands over to another converter (`Timestamp` is a string).
    let header = format!("\nclass _UniffiFfiConverter{name}:\n");
    if let Some(start) = source.find(&header) {
        let body_start = start + header.len();
        let body_end = crate::class_end(source, body_start);
        let body = &source[body_start..body_end];
        let marker = "    @staticmethod\n    def read(buf):\n        return _UniffiFfiConverter";
        if let Some(at) = body.find(marker) {
            let rest = &body[at + marker.len()..];
            if let Some(inner) = rest
                .split('\n')
                .next()
                .and_then(|l| l.strip_suffix(".read(buf)"))
            {
                if identifier(inner) {
                    return match classify(source, inner) {
                        Field::Converter(_) => converter(),
                        f => f,
                    };
                }
            }
        }
    }
    converter()
}

/// The Python lines that read `field` into `var`, at `indent` spaces; adds the `struct` formats
/// they use to `formats`.
fn read_lines(
    field: &Field,
    var: &str,
    indent: usize,
    out: &mut Vec<String>,
    formats: &mut BTreeSet<String>,
) {
    let pad = " ".repeat(indent);
    let mut line = |s: &str| out.push(format!("{pad}{s}"));
    match field {
        Field::Fixed(code, size) => {
            formats.insert(code.to_string());
            line(&format!("{var} = _uniffi_unpack_{code}(d, o)[0]"));
            line(&format!("o += {size}"));
        }
        Field::Bool => {
            line(&format!("{var} = d[o] != 0"));
            line("o += 1");
        }
        Field::Str => {
            formats.insert("i".into());
            line("size = _uniffi_unpack_i(d, o)[0]");
            line("if size < 0:");
            line("    raise InternalError(\"Unexpected negative string length\")");
            line("o += 4");
            line("end = o + size");
            line("if end > n:");
            line(&format!("    {READ_PAST_END}"));
            line(&format!("{var} = d[o:end].decode(\"utf-8\")"));
            line("o = end");
        }
        Field::Optional(inner) => {
            line("flag = d[o]");
            line("o += 1");
            line("if flag == 1:");
            read_lines(inner, var, indent + 4, out, formats);
            let mut line = |s: &str| out.push(format!("{pad}{s}"));
            line("elif flag == 0:");
            line(&format!("    {var} = None"));
            line("else:");
            line("    raise InternalError(\"Unexpected flag byte for optional type\")");
        }
        Field::Converter(name) => {
            line("buf.offset = o");
            line(&format!("{var} = {name}.read(buf)"));
            line("o = buf.offset");
        }
    }
}

/// The body of a rewritten `read`: `fields` are (name, how it is read); consecutive fixed-size
/// fields are unpacked together. Adds the `struct` formats it uses to `formats`.
fn reader(record: &str, fields: &[(String, Field)], formats: &mut BTreeSet<String>) -> String {
    let mut body = Vec::new();
    let mut i = 0;
    while i < fields.len() {
        let run: Vec<(char, usize)> = fields[i..]
            .iter()
            .map_while(|(_, f)| match f {
                Field::Fixed(code, size) => Some((*code, *size)),
                _ => None,
            })
            .collect();
        if run.len() > 1 {
            let format: String = run.iter().map(|(c, _)| *c).collect();
            let vars: Vec<String> = (i..i + run.len()).map(|k| format!("f{k}")).collect();
            body.push(format!(
                "            {} = _uniffi_unpack_{format}(d, o)",
                vars.join(", ")
            ));
            body.push(format!(
                "            o += {}",
                run.iter().map(|(_, s)| s).sum::<usize>()
            ));
            formats.insert(format);
            i += run.len();
            continue;
        }
        read_lines(&fields[i].1, &format!("f{i}"), 12, &mut body, formats);
        i += 1;
    }
    let args: Vec<String> = fields
        .iter()
        .enumerate()
        .map(|(k, (name, _))| format!("            {name}=f{k},\n"))
        .collect();
    format!(
        "    @staticmethod
    def read(buf):
        # qiscus: the fields are read inline from the stream's bytes (uniffi-bindgen/records.rs).
        # A fixed-size read past the end raises struct.error, a flag byte past it IndexError, and
        # strings are checked against the length, so `o` never passes `n`.
        d = buf.data
        n = buf.len
        o = buf.offset
        try:
{}
        except (IndexError, struct.error):
            {READ_PAST_END} from None
        buf.offset = o
        return {record}(
{}        )
",
        body.join("\n"),
        args.concat()
    )
}

const CONVERTER_PREFIX: &str = "\nclass _UniffiFfiConverterType";
const CONVERTER_SUFFIX: &str = "(_UniffiConverterRustBuffer):\n";
const READ_START: &str = "    @staticmethod\n    def read(buf):\n        return ";

/// A record of a generated module: its class name and its fields (name, how it is read), in the
/// order they are read.
pub type Record = (String, Vec<(String, Field)>);

/// Rewrites every record reader of a generated module (see the module docs); returns the module
/// and its records.
pub fn patch_record_readers(source: &str) -> Result<(String, Vec<Record>), String> {
    let records: HashSet<&str> = source
        .match_indices("\n@dataclass\nclass ")
        .filter_map(|(at, m)| {
            let rest = &source[at + m.len()..];
            rest.split(":\n").next()
        })
        .filter(|name| source.contains(&format!("{CONVERTER_PREFIX}{name}{CONVERTER_SUFFIX}")))
        .collect();
    let mut out = String::with_capacity(source.len() + source.len() / 4);
    let mut formats = BTreeSet::new();
    let mut rewritten = HashSet::new();
    let mut found = Vec::new();
    let mut first_reader = None;
    let mut rest = source;
    while let Some(at) = rest.find(CONVERTER_PREFIX) {
        let header_end = at + CONVERTER_PREFIX.len();
        let line_end = rest[header_end..]
            .find('\n')
            .map_or(rest.len(), |e| header_end + e + 1);
        let Some(name) = rest[header_end..line_end].strip_suffix(CONVERTER_SUFFIX) else {
            out.push_str(&rest[..header_end]);
            rest = &rest[header_end..];
            continue;
        };
        let body_start = line_end;
        let call = format!("{READ_START}{name}(\n");
        if !records.contains(name) || !rest[body_start..].starts_with(&call) {
            out.push_str(&rest[..body_start]);
            rest = &rest[body_start..];
            continue;
        }
        let mut fields = Vec::new();
        let mut cursor = body_start + call.len();
        loop {
            let line_end = rest[cursor..]
                .find('\n')
                .map(|e| cursor + e)
                .ok_or_else(|| format!("the reader of {name} ends early"))?;
            let line = &rest[cursor..line_end];
            cursor = line_end + 1;
            if line == "        )" {
                break;
            }
            let parsed = line
                .strip_prefix("            ")
                .and_then(|l| l.strip_suffix(".read(buf),"))
                .and_then(|l| l.split_once("=_UniffiFfiConverter"))
                .filter(|(field, conv)| identifier(field) && identifier(conv));
            let Some((field, conv)) = parsed else {
                return Err(format!(
                    "the reader of {name} changed shape: unexpected line {line:?}"
                ));
            };
            fields.push((field.to_string(), classify(source, conv)));
        }
        first_reader.get_or_insert(out.len() + at + 1);
        out.push_str(&rest[..body_start]);
        out.push_str(&reader(name, &fields, &mut formats));
        rewritten.insert(name);
        found.push((name.to_string(), fields));
        rest = &rest[cursor..];
    }
    out.push_str(rest);
    let mut missing: Vec<&&str> = records.difference(&rewritten).collect();
    if !missing.is_empty() {
        missing.sort();
        return Err(format!(
            "the record readers changed shape: no reader of the expected shape for {missing:?}"
        ));
    }
    let Some(first) = first_reader else {
        return Ok((out, found));
    };
    let unpackers: String = formats
        .iter()
        .map(|f| format!("_uniffi_unpack_{f} = struct.Struct(\">{f}\").unpack_from\n"))
        .collect();
    out.insert_str(
        first,
        &format!(
            "# qiscus: the struct readers of the inline record readers (uniffi-bindgen/records.rs).\n{unpackers}\n"
        ),
    );
    Ok((out, found))
}

/// Gives each record class `__slots__`: its fields, as its reader reads them, and `__weakref__`
/// (records could be weakly referenced before, and still can). The line goes before the class's
/// `__init__`, whose keyword parameters must be those fields, or the build fails.
pub fn patch_record_slots(source: &str, records: &[Record]) -> Result<String, String> {
    let mut out = source.to_string();
    for (name, fields) in records {
        let header = format!("\nclass {name}:\n");
        let start = crate::unique(&out, &header, &format!("the class of record {name}"))?;
        let body = start + header.len();
        let end = crate::class_end(&out, body);
        let init = out[body..end]
            .find("    def __init__(self, *, ")
            .map(|at| body + at)
            .ok_or_else(|| format!("record {name} has no keyword-only __init__"))?;
        let line = &out[init..out[init..].find('\n').map_or(end, |e| init + e)];
        let taken = keyword_parameters(line);
        let read: Vec<&str> = fields.iter().map(|(field, _)| field.as_str()).collect();
        if taken.as_deref() != Some(&read[..]) {
            return Err(format!(
                "the __init__ of record {name} does not take the fields its reader reads, \
                 {read:?}, in that order: {line:?}"
            ));
        }
        let names: String = fields
            .iter()
            .map(|(field, _)| format!("\"{field}\", "))
            .collect();
        out.insert_str(init, &format!("    __slots__ = ({names}\"__weakref__\")\n"));
    }
    Ok(out)
}

/// The names of the keyword-only parameters of a generated `__init__` line
/// (`    def __init__(self, *, id:int, name:str = "", tags:typing.Dict[str, str]):`), or `None`
/// when the line has another shape.
fn keyword_parameters(line: &str) -> Option<Vec<&str>> {
    let list = line
        .strip_prefix("    def __init__(self, *, ")?
        .strip_suffix("):")?;
    let (mut depth, mut quoted, mut start) = (0usize, false, 0);
    let mut names = Vec::new();
    fn name_of(parameter: &str) -> Option<&str> {
        let name = parameter.split(':').next().unwrap_or_default();
        identifier(name).then_some(name)
    }
    for (at, c) in list.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '[' | '(' if !quoted => depth += 1,
            ']' | ')' if !quoted => depth = depth.checked_sub(1)?,
            ',' if !quoted && depth == 0 => {
                names.push(name_of(list[start..at].trim())?);
                start = at + 1;
            }
            _ => {}
        }
    }
    names.push(name_of(list[start..].trim())?);
    Some(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module of the generated shape: a record of every field form, a custom type that is a
    /// string, an enum, and a record-less converter.
    const GENERATED: &str = "\
import struct

class _UniffiFfiConverterTypeStamp:
    @staticmethod
    def write(value, buf):
        _UniffiFfiConverterString.write(value, buf)

    @staticmethod
    def read(buf):
        return _UniffiFfiConverterString.read(buf)

@dataclass
class Thing:
    \"\"\"
    A thing.
\"\"\"
    def __init__(self, *, id:int, count:int, name:str = \"a, b: c\", note:typing.Optional[str], flag:bool, when:typing.Optional[Stamp], size:typing.Optional[int] = _DEFAULT, kind:Kind, ratio:float):
        pass

class _UniffiFfiConverterTypeThing(_UniffiConverterRustBuffer):
    @staticmethod
    def read(buf):
        return Thing(
            id=_UniffiFfiConverterInt64.read(buf),
            count=_UniffiFfiConverterUInt32.read(buf),
            name=_UniffiFfiConverterString.read(buf),
            note=_UniffiFfiConverterOptionalString.read(buf),
            flag=_UniffiFfiConverterBoolean.read(buf),
            when=_UniffiFfiConverterOptionalTypeStamp.read(buf),
            size=_UniffiFfiConverterOptionalUInt64.read(buf),
            kind=_UniffiFfiConverterTypeKind.read(buf),
            ratio=_UniffiFfiConverterFloat64.read(buf),
        )

    @staticmethod
    def write(value, buf):
        pass

class _UniffiFfiConverterTypeKind(_UniffiConverterRustBuffer):
    @staticmethod
    def read(buf):
        variant = buf.read_i32()
";

    #[test]
    fn classifies_fields_and_resolves_string_custom_types() {
        assert_eq!(classify(GENERATED, "UInt16"), Field::Fixed('H', 2));
        assert_eq!(classify(GENERATED, "TypeStamp"), Field::Str);
        assert_eq!(
            classify(GENERATED, "OptionalTypeStamp"),
            Field::Optional(Box::new(Field::Str))
        );
        let nested = Field::Converter("_UniffiFfiConverterOptionalOptionalString".into());
        assert_eq!(classify(GENERATED, "OptionalOptionalString"), nested);
        let json = "\nclass _UniffiFfiConverterTypeJson:\n    @staticmethod\n    def read(buf):\n        builtin_value = _UniffiFfiConverterString.read(buf)\n        return json.loads(builtin_value)\n";
        assert_eq!(
            classify(json, "TypeJson"),
            Field::Converter("_UniffiFfiConverterTypeJson".into())
        );
    }

    #[test]
    fn rewrites_record_readers() {
        let (out, records) = patch_record_readers(GENERATED).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].0, "Thing");
        assert_eq!(
            records[0].1[7],
            (
                "kind".into(),
                Field::Converter("_UniffiFfiConverterTypeKind".into())
            )
        );
        let reader = &out[out.find("class _UniffiFfiConverterTypeThing").unwrap()..];
        for expected in [
            "        d = buf.data\n        n = buf.len\n        o = buf.offset\n",
            // two fixed-size fields in a row: one struct
            "            f0, f1 = _uniffi_unpack_qI(d, o)\n            o += 12\n",
            "            f2 = d[o:end].decode(\"utf-8\")\n",
            // the optional custom string type
            "            if flag == 1:\n                size = _uniffi_unpack_i(d, o)[0]\n",
            "                f5 = d[o:end].decode(\"utf-8\")\n",
            "            f4 = d[o] != 0\n",
            "                f6 = _uniffi_unpack_Q(d, o)[0]\n",
            // the enum through its own converter, the offset handed over and back
            "            buf.offset = o\n            f7 = _UniffiFfiConverterTypeKind.read(buf)\n            o = buf.offset\n",
            "            f8 = _uniffi_unpack_d(d, o)[0]\n",
            "        buf.offset = o\n        return Thing(\n            id=f0,\n",
            "            ratio=f8,\n        )\n\n    @staticmethod\n    def write(value, buf):\n",
        ] {
            assert!(reader.contains(expected), "missing {expected:?} in\n{reader}");
        }
        // The struct readers are defined once, before the first rewritten reader.
        let defs = out.find("_uniffi_unpack_qI = struct.Struct(\">qI\").unpack_from\n");
        assert!(defs.is_some_and(|d| d < out.find("class _UniffiFfiConverterTypeThing").unwrap()));
        for f in ["Q", "d", "i"] {
            let def = format!("_uniffi_unpack_{f} = struct.Struct(\">{f}\").unpack_from\n");
            assert_eq!(out.matches(&def).count(), 1, "{def}");
        }
        // Everything else is untouched.
        assert!(out.contains("    def read(buf):\n        variant = buf.read_i32()\n"));
        assert!(out.contains("        return _UniffiFfiConverterString.read(buf)\n"));
    }

    #[test]
    fn a_module_without_records_is_unchanged() {
        let plain = "import struct\n\nclass _UniffiFfiConverterString:\n    pass\n";
        assert_eq!(
            patch_record_readers(plain).unwrap(),
            (plain.to_string(), vec![])
        );
    }

    #[test]
    fn refuses_record_readers_of_another_shape() {
        let odd = GENERATED.replace(
            "            ratio=_UniffiFfiConverterFloat64.read(buf),\n",
            "            ratio=float(buf.read_double()),\n",
        );
        let err = patch_record_readers(&odd).unwrap_err();
        assert!(err.contains("reader of Thing changed shape"), "{err}");
        let classmethod = GENERATED.replace(
            "class _UniffiFfiConverterTypeThing(_UniffiConverterRustBuffer):\n    @staticmethod",
            "class _UniffiFfiConverterTypeThing(_UniffiConverterRustBuffer):\n    @classmethod",
        );
        let err = patch_record_readers(&classmethod).unwrap_err();
        assert!(
            err.contains("no reader of the expected shape") && err.contains("Thing"),
            "{err}"
        );
    }

    #[test]
    fn gives_records_slots_before_their_init() {
        let (read, records) = patch_record_readers(GENERATED).unwrap();
        let out = patch_record_slots(&read, &records).unwrap();
        let expected = "    A thing.\n\"\"\"\n    __slots__ = (\"id\", \"count\", \"name\", \"note\", \"flag\", \"when\", \"size\", \"kind\", \"ratio\", \"__weakref__\")\n    def __init__(self, *, id:int,";
        assert!(out.contains(expected), "{out}");
        assert_eq!(out.matches("__slots__").count(), 1);
    }

    #[test]
    fn reads_keyword_parameters() {
        let line = "    def __init__(self, *, id:int, tags:typing.Dict[str, str], text:str = \"a, b: c\", n:typing.Optional[int] = _DEFAULT):";
        assert_eq!(
            keyword_parameters(line),
            Some(vec!["id", "tags", "text", "n"])
        );
        assert_eq!(keyword_parameters("    def __init__(self, id:int):"), None);
        assert_eq!(
            keyword_parameters("    def __init__(self, *, id:int, (x)):"),
            None
        );
    }

    #[test]
    fn refuses_slots_that_the_init_does_not_take() {
        let (read, records) = patch_record_readers(GENERATED).unwrap();
        for (from, to) in [
            ("count:int, ", ""),
            ("id:int, count:int, ", "count:int, id:int, "),
            ("(self, *, id:int,", "(self, id:int,"),
        ] {
            let odd = read.replacen(from, to, 1);
            let err = patch_record_slots(&odd, &records).unwrap_err();
            assert!(err.contains("record Thing"), "{err}");
        }
    }
}
