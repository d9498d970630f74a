//! Native writers: a call's arguments lowered into a Rust buffer by the same plans that read.
//!
//! The generated Python lowers a record argument through one converter call per field into a
//! `bytearray`, then copies it into a buffer allocated over the FFI: ~9.4 µs for the
//! `PostCommentParams` of a `post_comment`, the largest part of what Python adds to a small call
//! (bench/RESULTS.md, fix 15). A plan already knows each record's fields and types, each enum's
//! variants and each list's items, so it writes the same bytes here, into a `Vec<u8>` that
//! becomes the call's `RustBuffer` without another copy (the library's own allocator: the Rust
//! side frees it as a buffer it made).
//!
//! What a plan does not cover is written by the generated converter into a generated builder, and
//! its bytes appended: converters without a plan (JSON values, maps, custom types) and enums whose
//! plan does not say where their variants keep their fields.
//!
//! Values are checked by the generated `check_lower` before they are lowered, as they were; the
//! writers here raise `TypeError` and the like for what it lets through, without writing a buffer.
//! One difference: a boolean field is written as the truth of the value (`check_lower` accepts
//! any), where the generated writer packs the value itself, so that `2` reaches Rust as an invalid
//! boolean and `"yes"` fails to pack.

use pyo3::exceptions::{PyOverflowError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};

use crate::{Kind, Plan, Ty, Variant};

/// Where a field of an enum variant is found on a value of the variant.
pub(crate) enum Accessor {
    /// `value._values[i]`: the generated tuple-like variants.
    Index(usize),
    /// An attribute: the generated variants with named fields.
    Attr(Py<PyString>),
}

impl Accessor {
    /// An `int` (an index into `_values`) or a `str` (an attribute's name).
    pub(crate) fn parse(spec: &Bound<'_, PyAny>) -> PyResult<Accessor> {
        match spec.cast::<PyString>() {
            Ok(name) => Ok(Accessor::Attr(name.clone().unbind())),
            Err(_) => Ok(Accessor::Index(spec.extract()?)),
        }
    }

    fn get<'py>(&self, value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Accessor::Attr(name) => value.getattr(name.bind(value.py())),
            Accessor::Index(i) => value.getattr(intern!(value.py(), "_values"))?.get_item(*i),
        }
    }
}

/// A lowering in progress.
struct Writer<'a, 'py> {
    /// The generated `_UniffiRustBufferBuilder`, for the converters written in Python.
    builder: &'a Bound<'py, PyAny>,
    out: Vec<u8>,
}

impl<'py> Writer<'_, 'py> {
    fn value(&mut self, ty: &Ty, value: &Bound<'py, PyAny>) -> PyResult<()> {
        let out = &mut self.out;
        match ty {
            Ty::I8 => out.extend(value.extract::<i8>()?.to_be_bytes()),
            Ty::U8 => out.extend(value.extract::<u8>()?.to_be_bytes()),
            Ty::I16 => out.extend(value.extract::<i16>()?.to_be_bytes()),
            Ty::U16 => out.extend(value.extract::<u16>()?.to_be_bytes()),
            Ty::I32 => out.extend(value.extract::<i32>()?.to_be_bytes()),
            Ty::U32 => out.extend(value.extract::<u32>()?.to_be_bytes()),
            Ty::I64 => out.extend(value.extract::<i64>()?.to_be_bytes()),
            Ty::U64 => out.extend(value.extract::<u64>()?.to_be_bytes()),
            Ty::F32 => {
                let wide = value.extract::<f64>()?;
                let narrow = wide as f32;
                if wide.is_finite() && !narrow.is_finite() {
                    // What `struct.pack(">f", ...)` says.
                    return Err(PyOverflowError::new_err(
                        "float too large to pack with f format",
                    ));
                }
                out.extend(narrow.to_be_bytes())
            }
            Ty::F64 => out.extend(value.extract::<f64>()?.to_be_bytes()),
            Ty::Bool => out.push(u8::from(value.is_truthy()?)),
            Ty::Str(_) => {
                let text = value.cast::<PyString>()?.to_cow()?;
                out.extend(length(text.len())?.to_be_bytes());
                out.extend(text.as_bytes());
            }
            Ty::Optional(inner) => {
                if value.is_none() {
                    out.push(0);
                } else {
                    out.push(1);
                    self.value(inner, value)?;
                }
            }
            Ty::Sequence(item) => {
                // The count of items written, once they are.
                let at = out.len();
                out.extend([0; 4]);
                let mut count = 0usize;
                for element in value.try_iter()? {
                    self.value(item, &element?)?;
                    count += 1;
                }
                self.out[at..at + 4].copy_from_slice(&length(count)?.to_be_bytes());
            }
            Ty::Converter(converter) => {
                let py = value.py();
                if let Some(plan) = converter.plan(py)? {
                    if self.plan(plan, value)? {
                        return Ok(());
                    }
                }
                let converter = converter.class.bind(py);
                let builder = self.builder.call0()?;
                converter.call_method1(intern!(py, "write"), (value, &builder))?;
                let data = builder.getattr(intern!(py, "data"))?;
                self.out.extend(data.cast::<PyByteArray>()?.to_vec());
            }
        }
        Ok(())
    }

    /// Writes `value` by `plan`; `false`, with nothing written, when the plan cannot.
    fn plan(&mut self, plan: &Plan, value: &Bound<'py, PyAny>) -> PyResult<bool> {
        match &plan.kind {
            Kind::Record { fields, .. } => {
                for (name, ty) in fields {
                    self.value(ty, &value.getattr(name.bind(value.py()))?)?;
                }
            }
            Kind::Enumeration { variants } => {
                let (number, variant) = variant(variants, value)?;
                let Variant {
                    fields, accessors, ..
                } = variant;
                let fields = match (fields, accessors) {
                    (None, _) => None,
                    (Some(fields), Some(accessors)) => Some(fields.iter().zip(accessors)),
                    (Some(_), None) => return Ok(false),
                };
                self.out.extend(number.to_be_bytes());
                for (ty, accessor) in fields.into_iter().flatten() {
                    self.value(ty, &accessor.get(value)?)?;
                }
            }
            Kind::Value(ty) => self.value(ty, value)?,
        }
        Ok(true)
    }
}

/// The variant `value` is, and its number: an instance of its class, or equal to the value of
/// a variant without fields, as the generated writers tell them apart.
fn variant<'v>(variants: &'v [Variant], value: &Bound<'_, PyAny>) -> PyResult<(i32, &'v Variant)> {
    let py = value.py();
    for (index, variant) in variants.iter().enumerate() {
        let cls = variant.cls.bind(py);
        let matches = match variant.fields {
            None => value.is(cls) || value.eq(cls)?,
            Some(_) => value.is_instance(cls)?,
        };
        if matches {
            return Ok((length(index + 1)?, variant));
        }
    }
    // What the generated `check_lower` raises.
    Err(PyValueError::new_err(value.clone().unbind()))
}

/// A length or count as the `i32` that precedes it.
fn length(n: usize) -> PyResult<i32> {
    i32::try_from(n).map_err(|_| PyOverflowError::new_err(format!("{n} is more than i32 allows")))
}

/// The bytes of `value` written by `plan`, or `None` when the plan cannot write it (the caller
/// then writes it in Python); converters without a plan write into a new `builder`.
pub(crate) fn write(
    plan: &Plan,
    value: &Bound<'_, PyAny>,
    builder: &Bound<'_, PyAny>,
) -> PyResult<Option<Vec<u8>>> {
    let mut writer = Writer {
        builder,
        out: Vec::with_capacity(128),
    };
    Ok(writer.plan(plan, value)?.then_some(writer.out))
}

/// Lowers `value` by `plan` (see the module docs): a new `buffer` (the generated
/// `_UniffiRustBuffer`, a ctypes structure of capacity, length and data pointer) owning the
/// bytes, or `None` when the plan cannot write it (the caller then writes it in Python).
pub(crate) fn lower<'py>(
    plan: &Plan,
    value: &Bound<'py, PyAny>,
    buffer: &Bound<'py, PyAny>,
    builder: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = value.py();
    let Some(out) = write(plan, value, builder)? else {
        return Ok(py.None().into_bound(py));
    };
    let rbuf = uniffi::RustBuffer::from_vec(out);
    match buffer.call_method1(
        intern!(py, "from_buffer_copy"),
        (PyBytes::new(py, &raw_buffer(parts_of(&rbuf))),),
    ) {
        Ok(lowered) => Ok(lowered),
        Err(e) => {
            rbuf.destroy();
            Err(e)
        }
    }
}

/// The bytes of a generated `_UniffiRustBuffer` structure holding a buffer of this capacity,
/// length and data address: its fields in the machine's byte order, `u64` capacity and length,
/// then the pointer (padded, where pointers are narrower, to at least the structure's size).
pub(crate) fn raw_buffer((capacity, len, data): (usize, usize, usize)) -> Vec<u8> {
    let mut raw = Vec::with_capacity(24);
    raw.extend((capacity as u64).to_ne_bytes());
    raw.extend((len as u64).to_ne_bytes());
    raw.extend(data.to_ne_bytes());
    raw.resize(raw.len().max(24), 0);
    raw
}

/// The capacity, length and data address of `rbuf`.
pub(crate) fn parts_of(rbuf: &uniffi::RustBuffer) -> (usize, usize, usize) {
    (rbuf.capacity(), rbuf.len(), rbuf.data_pointer() as usize)
}
