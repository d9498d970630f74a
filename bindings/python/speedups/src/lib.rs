//! Native readers and writers for the `qiscus` Python package.
//!
//! UniFFI's generated Python reads every record, enum and list that crosses the FFI field by
//! field in Python: ~5.8 µs for each `Comment` of a `load_comments` page, more than the request
//! itself for a page of 100 (bench/RESULTS.md, fix 12). This module reads the same bytes, in the
//! same format, and builds the same Python objects in native code; by the same plans it lowers
//! the arguments of calls (module `lower`, fix 15) and reads and frees what calls return (module
//! `lift`, fix 16).
//!
//! It holds no knowledge of the models. The project's `uniffi-bindgen` (its `speedups` patch)
//! describes each record, data-carrying enum and list of the generated modules with a *plan*:
//!
//! * `record(error, cls, (("name", type), ...))`: an object of `cls`, its attributes set in
//!   declaration order, as the generated constructor sets them;
//! * `enumeration(error, ((variant, (type, ...) or None[, (accessor, ...)]), ...))`: an `i32`
//!   variant number from 1, then `variant(*values)`, or, for `None`, `variant` itself (a member of
//!   a fieldless enum); the accessors, for writing, say where a value of the variant keeps each
//!   field (`i` for `value._values[i]`, or an attribute's name);
//! * `value(error, type)`: one value of `type` (the generated lists and optionals).
//!
//! A `type` is a `struct` code for a big-endian number (`b B h H i I q Q f d`), `"?"` for a
//! boolean (any byte but 0 is true), `"s"` for a string (`i32` length, then UTF-8),
//! `("optional", type)` for a flag byte then the value, `("sequence", type)` for an `i32` count
//! then the items (a `list`), or a generated converter class. A converter whose `_plan` attribute
//! holds a plan is read by that plan; any other is called as `converter.read(stream)`, with the
//! stream's offset handed over and taken back, so every type UniFFI can send is read, natively or
//! not. Malformed input raises the generated module's
//! `InternalError` (`error`) with the generated readers' own messages, or `UnicodeDecodeError`.
//!
//! A read gives the same `str` again where a field repeats one of its last two strings (the sender
//! and the room of a page of comments, two people taking turns), and sets attributes by CPython's
//! generic path where a class has no `__setattr__` of its own (bench/RESULTS.md, fixes 26 and 39).
//! The generated records have `__slots__` (the `records` patch of the project's `uniffi-bindgen`):
//! a record is then made by its class's own `tp_new` and each field stored straight into its slot's
//! place in the new object, found in the class's member table, with no lookup, no call and no
//! instance dictionary (fixes 34 and 39). Converters named by a plan have their own plans looked up
//! once, on the first read that finds one.
//!
//! It also makes the generated methods' FFI calls natively, the handle's clone, the call, its
//! status and the lifting of its result in one extension call (module `call`), and carries the
//! continuation callback of async calls that wakes event loops without the GIL ([`wake`]).
//!
//! The module is linked into the FFI library (`qiscus-ffi`'s `python` feature) and loaded from it
//! by the generated Python, which keeps its pure-Python readers for interpreters that cannot load
//! it (and under `QISCUS_PURE_PYTHON=1`).

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple, PyType};
use pyo3::{intern, IntoPyObjectExt};

mod call;
mod lift;
mod lower;
pub mod wake;

/// How one value is read.
enum Ty {
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    F32,
    F64,
    Bool,
    /// A string field, numbered (from [`FIELDS`]) for [`Reader::strings`].
    Str(usize),
    Optional(Box<Ty>),
    Sequence(Box<Ty>),
    /// A generated converter class: its plan, or its own `read`.
    Converter(Converter),
}

/// A generated converter class that a plan names.
struct Converter {
    class: Py<PyAny>,
    /// Its plan, once a read has found one (the `_plan` of a lazily made enum is set by its first
    /// use): a page of comments then reads its payloads and times without looking it up again.
    plan: once_cell::sync::OnceCell<Py<Plan>>,
}

impl Converter {
    /// The converter's plan, if it has one now.
    fn plan<'a>(&'a self, py: Python<'_>) -> PyResult<Option<&'a Plan>> {
        if let Some(plan) = self.plan.get() {
            return Ok(Some(plan.get()));
        }
        let plan = self.class.bind(py).getattr(intern!(py, "_plan"))?;
        let Ok(plan) = plan.cast_into::<Plan>() else {
            return Ok(None);
        };
        Ok(Some(self.plan.get_or_init(|| plan.unbind()).get()))
    }
}

impl Ty {
    /// Parses a type description (see the module docs).
    fn parse(spec: &Bound<'_, PyAny>) -> PyResult<Ty> {
        if let Ok(code) = spec.extract::<String>() {
            return Ok(match code.as_str() {
                "b" => Ty::I8,
                "B" => Ty::U8,
                "h" => Ty::I16,
                "H" => Ty::U16,
                "i" => Ty::I32,
                "I" => Ty::U32,
                "q" => Ty::I64,
                "Q" => Ty::U64,
                "f" => Ty::F32,
                "d" => Ty::F64,
                "?" => Ty::Bool,
                "s" => Ty::Str(FIELDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)),
                other => {
                    return Err(pyo3::exceptions::PyValueError::new_err(format!(
                        "unknown type code {other:?}"
                    )))
                }
            });
        }
        if let Ok(tuple) = spec.cast::<PyTuple>() {
            if tuple.len() == 2 {
                let inner = Box::new(Ty::parse(&tuple.get_item(1)?)?);
                match tuple.get_item(0)?.extract::<String>()?.as_str() {
                    "optional" => return Ok(Ty::Optional(inner)),
                    "sequence" => return Ok(Ty::Sequence(inner)),
                    _ => {}
                }
            }
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "unknown type description {tuple}"
            )));
        }
        Ok(Ty::Converter(Converter {
            class: spec.clone().unbind(),
            plan: once_cell::sync::OnceCell::new(),
        }))
    }
}

/// What a plan builds.
enum Kind {
    Record {
        cls: Py<PyType>,
        new: New,
        fields: Vec<(Py<PyString>, Ty)>,
        /// How each field is stored, in the order of `fields`.
        stores: Vec<Store>,
    },
    Enumeration {
        variants: Vec<Variant>,
    },
    Value(Ty),
}

/// One variant of an enum's plan.
struct Variant {
    /// The variant's class, or the value itself for a variant without fields (`fields` is
    /// `None`).
    cls: Py<PyAny>,
    /// The types of its fields, in order.
    fields: Option<Vec<Ty>>,
    /// Where each field is found on a value of the variant, when written; `None` when the plan
    /// does not say (the enum is then written by its generated converter).
    accessors: Option<Vec<lower::Accessor>>,
    /// How a variant with no fields whose `cls()` sets no attribute (the generated
    /// `def __init__(self): pass`) is made: without running that `__init__`, as records are.
    bare: Option<New>,
}

/// How one record, data-carrying enum or list is read (see the module docs).
#[pyclass(frozen, module = "qiscus._native._speedups")]
struct Plan {
    /// The generated module's `InternalError`.
    error: Py<PyAny>,
    kind: Kind,
}

/// The generated `_UniffiRustBufferStream` that converters read in Python are given.
enum Stream<'py> {
    /// The stream being read.
    Given(Bound<'py, PyAny>),
    /// None yet: one of this class is made over the bytes when a converter needs it.
    Lazy(Bound<'py, PyAny>),
}

/// Slots of [`Reader::strings`].
const STRING_SLOTS: usize = 64;

/// The number of the next string field a plan describes: the fields of a record are numbered in
/// a row, so up to [`STRING_SLOTS`] of them never share a slot.
static FIELDS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A string a [`Reader`] made, kept to be given again.
struct Remembered {
    /// Where its bytes are in the data.
    bytes: std::ops::Range<usize>,
    text: Py<PyString>,
}

/// After this many strings in a row that repeat neither of the two kept, a field's strings are
/// taken as its own to each record (a message, an idempotency key): only one in this many is
/// still compared and kept, so that a run of repeats later in the read is shared again.
const GIVE_UP_AFTER: u32 = 8;

/// The strings one field of a [`Reader`] keeps, and whether they are worth keeping.
#[derive(Default)]
struct Kept {
    /// The number of the field whose strings these are.
    field: Option<usize>,
    /// The last string made for the field, then the one before it.
    latest: Option<Remembered>,
    before: Option<Remembered>,
    /// The strings read in a row that repeated neither of those kept (see [`GIVE_UP_AFTER`]).
    misses: u32,
}

impl Kept {
    /// The kept string of these bytes, made the latest.
    fn find(&mut self, data: &[u8], bytes: &[u8]) -> Option<&Py<PyString>> {
        let same = |kept: &Option<Remembered>| {
            kept.as_ref()
                .is_some_and(|kept| data[kept.bytes.clone()] == *bytes)
        };
        if !same(&self.latest) {
            if !same(&self.before) {
                return None;
            }
            std::mem::swap(&mut self.latest, &mut self.before);
        }
        self.latest.as_ref().map(|kept| &kept.text)
    }
}

/// A read in progress over one stream's bytes.
struct Reader<'a, 'py> {
    py: Python<'py>,
    stream: Stream<'py>,
    data: &'a [u8],
    offset: usize,
    /// The last two strings read for a field, by the field's number (modulo [`STRING_SLOTS`]):
    /// where the field reads the same bytes again as one of them, the same `str` is given again.
    /// The records of a page repeat most of their strings from one to the next (the room's name,
    /// the sender's address, name and avatar), or from one to the one after (two people taking
    /// turns), and a Python string costs an allocation and a UTF-8 decoding, then memory for as
    /// long as the records live.
    strings: [Kept; STRING_SLOTS],
    /// The error of a read that failed (see [`Failed`]).
    failure: Option<PyErr>,
}

/// A read that failed: its error waits in the [`Reader`] (`failure`). The reading functions return
/// `Result<_, Failed>`, one word for a Python object, in a register: a `PyResult` is returned
/// through memory, and reading it back after each call stalled the CPU (a read of a field's
/// result that the stores just before it could not forward, bench/RESULTS.md, fix 39).
struct Failed;

/// What a reading function returns.
type Read<T> = Result<T, Failed>;

impl<'a, 'py> Reader<'a, 'py> {
    fn new(py: Python<'py>, stream: Stream<'py>, data: &'a [u8], offset: usize) -> Self {
        Reader {
            py,
            stream,
            data,
            offset,
            strings: std::array::from_fn(|_| Kept::default()),
            failure: None,
        }
    }

    /// Reads one value by `plan`, or raises what the read found wrong.
    fn read(&mut self, plan: &Plan) -> PyResult<Py<PyAny>> {
        self.plan(plan)
            .map_err(|Failed| self.failure.take().expect("a failed read keeps its error"))
    }

    /// Keeps `e` as the read's error.
    #[cold]
    fn stash(&mut self, e: PyErr) -> Failed {
        self.failure = Some(e);
        Failed
    }

    /// `r`, its error kept as the read's.
    fn ok<T>(&mut self, r: PyResult<T>) -> Read<T> {
        r.map_err(|e| self.stash(e))
    }

    /// Fails with the generated module's `InternalError` (`error`) saying `message`.
    #[cold]
    fn fail(&mut self, error: &Py<PyAny>, message: &str) -> Failed {
        let e = match error.bind(self.py).call1((message,)) {
            Ok(exception) => PyErr::from_value(exception),
            Err(e) => e,
        };
        self.stash(e)
    }

    /// A string of the bytes at `range` of the data, for string field number `field`.
    fn string(&mut self, field: usize, range: std::ops::Range<usize>) -> Read<Py<PyAny>> {
        let py = self.py;
        let data = self.data;
        let bytes = &data[range.clone()];
        let kept = &mut self.strings[field % STRING_SLOTS];
        if kept.field != Some(field) {
            *kept = Kept {
                field: Some(field),
                ..Kept::default()
            };
        }
        let compared = kept.misses < GIVE_UP_AFTER || kept.misses % GIVE_UP_AFTER == 0;
        if compared {
            if let Some(text) = kept.find(data, bytes) {
                let text = text.clone_ref(py).into_any();
                kept.misses = 0;
                return Ok(text);
            }
        }
        kept.misses = kept.misses.saturating_add(1);
        // CPython decodes (and checks) the UTF-8 itself, raising `UnicodeDecodeError`.
        let text = match PyString::from_bytes(py, bytes) {
            Ok(text) => text.unbind(),
            Err(e) => return Err(self.stash(e)),
        };
        if compared {
            kept.before = kept.latest.replace(Remembered {
                bytes: range,
                text: text.clone_ref(py),
            });
        }
        Ok(text.into_any())
    }

    /// The stream for a converter read in Python, at the current offset.
    fn stream(&mut self) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        let stream = match &self.stream {
            Stream::Given(stream) => stream.clone(),
            Stream::Lazy(cls) => {
                let stream = cls.call_method1(intern!(py, "__new__"), (cls,))?;
                stream.setattr(intern!(py, "data"), PyBytes::new(py, self.data))?;
                stream.setattr(intern!(py, "len"), self.data.len())?;
                self.stream = Stream::Given(stream.clone());
                stream
            }
        };
        stream.setattr(intern!(py, "offset"), self.offset)?;
        Ok(stream)
    }

    /// A value read in Python by `converter.read(stream)`, the offset handed over and taken back.
    fn in_python(&mut self, converter: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        let py = self.py;
        let stream = self.stream()?;
        let value = converter.call_method1(intern!(py, "read"), (&stream,))?;
        self.offset = stream.getattr(intern!(py, "offset"))?.extract()?;
        Ok(value.unbind())
    }

    fn take<const N: usize>(&mut self, error: &Py<PyAny>) -> Read<[u8; N]> {
        let end = self.offset + N;
        match self.data.get(self.offset..end) {
            Some(bytes) => {
                self.offset = end;
                Ok(bytes.try_into().expect("a slice of N bytes"))
            }
            None => Err(self.fail(error, "read past end of rust buffer")),
        }
    }

    fn i32(&mut self, error: &Py<PyAny>) -> Read<i32> {
        Ok(i32::from_be_bytes(self.take(error)?))
    }

    /// A count or length (an `i32`) that may not be negative, or fails saying `negative`.
    fn size(&mut self, error: &Py<PyAny>, negative: &str) -> Read<usize> {
        let size = self.i32(error)?;
        usize::try_from(size).map_err(|_| self.fail(error, negative))
    }

    /// A value of a type that holds no other (a number, a boolean, a string), read in place;
    /// `None` for the others, which [`Reader::value`] reads.
    #[inline(always)]
    fn leaf(&mut self, ty: &Ty, error: &Py<PyAny>) -> Option<Read<Py<PyAny>>> {
        let py = self.py;
        macro_rules! number {
            ($t:ty) => {
                self.take(error)
                    .and_then(|b| self.ok(<$t>::from_be_bytes(b).into_py_any(py)))
            };
        }
        Some(match ty {
            Ty::I8 => number!(i8),
            Ty::U8 => number!(u8),
            Ty::I16 => number!(i16),
            Ty::U16 => number!(u16),
            Ty::I32 => number!(i32),
            Ty::U32 => number!(u32),
            Ty::I64 => number!(i64),
            Ty::U64 => number!(u64),
            Ty::F32 => self
                .take(error)
                .and_then(|b| self.ok(f64::from(f32::from_be_bytes(b)).into_py_any(py))),
            Ty::F64 => number!(f64),
            Ty::Bool => self
                .take::<1>(error)
                .and_then(|b| self.ok((b[0] != 0).into_py_any(py))),
            Ty::Str(field) => self.str(*field, error),
            Ty::Optional(_) | Ty::Sequence(_) | Ty::Converter(_) => return None,
        })
    }

    /// A string of string field number `field`: an `i32` length, then its UTF-8.
    fn str(&mut self, field: usize, error: &Py<PyAny>) -> Read<Py<PyAny>> {
        let size = self.size(error, "Unexpected negative string length")?;
        let end = self.offset.saturating_add(size);
        if end > self.data.len() {
            return Err(self.fail(error, "read past end of rust buffer"));
        }
        let start = std::mem::replace(&mut self.offset, end);
        self.string(field, start..end)
    }

    /// A value of type `ty`, its leaves and an optional leaf read in place (see [`Reader::leaf`]).
    #[inline(always)]
    fn field(&mut self, ty: &Ty, error: &Py<PyAny>) -> Read<Py<PyAny>> {
        let ty = match ty {
            Ty::Optional(inner) => match self.take::<1>(error)?[0] {
                0 => return Ok(self.py.None()),
                1 => inner,
                _ => return Err(self.fail(error, "Unexpected flag byte for optional type")),
            },
            ty => ty,
        };
        match self.leaf(ty, error) {
            Some(value) => value,
            None => self.value(ty, error),
        }
    }

    fn value(&mut self, ty: &Ty, error: &Py<PyAny>) -> Read<Py<PyAny>> {
        let py = self.py;
        if let Some(value) = self.leaf(ty, error) {
            return value;
        }
        match ty {
            Ty::Optional(_) => self.field(ty, error),
            Ty::Sequence(item) => {
                let count = self.size(error, "Unexpected negative sequence length")?;
                // A malformed count cannot reserve more than the bytes left (items of a record
                // without fields take none, so it is not an error by itself).
                let mut items = Vec::with_capacity(count.min(self.data.len() - self.offset));
                for _ in 0..count {
                    items.push(self.value(item, error)?);
                }
                let list = PyList::new(py, items).map(|list| list.into_any().unbind());
                self.ok(list)
            }
            Ty::Converter(converter) => {
                // Every generated converter has a `_plan` (None when it has no plan).
                if let Some(plan) = self.ok(converter.plan(py))? {
                    return self.plan(plan);
                }
                let value = self.in_python(converter.class.bind(py));
                self.ok(value)
            }
            _ => unreachable!("a leaf, read above"),
        }
    }

    fn plan(&mut self, plan: &Plan) -> Read<Py<PyAny>> {
        let py = self.py;
        let error = &plan.error;
        match &plan.kind {
            Kind::Record {
                cls,
                new,
                fields,
                stores,
            } => {
                let object = self.ok(new.make(cls.bind(py)))?;
                for ((name, ty), store) in fields.iter().zip(stores) {
                    let value = self.field(ty, error)?.into_bound(py);
                    self.ok(store.set(&object, name.bind(py), value))?;
                }
                Ok(object.unbind())
            }
            Kind::Enumeration { variants } => {
                let number = self.i32(error)?;
                let variant = usize::try_from(number)
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .and_then(|n| variants.get(n));
                let Some(Variant {
                    cls, fields, bare, ..
                }) = variant
                else {
                    return Err(self.fail(error, "Raw enum value doesn't match any cases"));
                };
                let Some(fields) = fields else {
                    return Ok(cls.clone_ref(py));
                };
                if let Some(new) = bare {
                    let made = cls
                        .bind(py)
                        .cast::<PyType>()
                        .map_err(PyErr::from)
                        .and_then(|cls| new.make(cls));
                    return Ok(self.ok(made)?.unbind());
                }
                let mut values = Vec::with_capacity(fields.len());
                for ty in fields {
                    values.push(self.value(ty, error)?);
                }
                let made = PyTuple::new(py, values).and_then(|args| cls.bind(py).call1(args));
                Ok(self.ok(made)?.unbind())
            }
            Kind::Value(ty) => self.value(ty, error),
        }
    }
}

#[pymethods]
impl Plan {
    /// Reads one value from `stream` (a generated `_UniffiRustBufferStream`: its `data`,
    /// `len` and `offset`) and moves the stream's offset past it.
    fn read(&self, stream: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = stream.py();
        let data = stream.getattr(intern!(py, "data"))?;
        let data = data.cast::<PyBytes>()?.as_bytes();
        let len: usize = stream.getattr(intern!(py, "len"))?.extract()?;
        let offset: usize = stream.getattr(intern!(py, "offset"))?.extract()?;
        let mut reader = Reader::new(
            py,
            Stream::Given(stream.clone()),
            &data[..len.min(data.len())],
            offset,
        );
        let value = reader.read(self)?;
        stream.setattr(intern!(py, "offset"), reader.offset)?;
        Ok(value)
    }

    /// Reads one value from `buffer` (a generated `_UniffiRustBuffer` that the library returned)
    /// and frees it, as the generated `lift` does with a `stream` of this class; see [`lift`].
    fn lift(&self, buffer: &Bound<'_, PyAny>, stream: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        lift::lift(self, buffer, stream)
    }

    /// Whether the plan writes what it reads (an enum's plan may say where its variants' fields
    /// are, or not: see [`enumeration`]).
    #[getter]
    fn writes(&self) -> bool {
        match &self.kind {
            Kind::Enumeration { variants } => variants
                .iter()
                .all(|v| v.fields.is_none() || v.accessors.is_some()),
            Kind::Record { .. } | Kind::Value(_) => true,
        }
    }

    /// Lowers `value` into a new Rust buffer, returned as a `buffer` (the generated
    /// `_UniffiRustBuffer`); converters that the plans do not cover write into a `builder` (the
    /// generated `_UniffiRustBufferBuilder`). See [`lower`].
    fn lower<'py>(
        &self,
        value: &Bound<'py, PyAny>,
        buffer: &Bound<'py, PyAny>,
        builder: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        lower::lower(self, value, buffer, builder)
    }
}

/// Each item of a Python iterable, parsed.
fn parse_each<T>(
    items: &Bound<'_, PyAny>,
    parse: impl Fn(&Bound<'_, PyAny>) -> PyResult<T>,
) -> PyResult<Vec<T>> {
    items.try_iter()?.map(|item| parse(&item?)).collect()
}

/// Sets attribute `name` of `object` to `value` as `object.__setattr__` does, without the lookup of
/// the type's `__setattr__` and the interning that `setattr` does first: a page of 100 comments
/// sets 1,600 attributes, and that path was ~10 % of reading it (bench/RESULTS.md, fix 26). Only
/// for objects of a class without a `__setattr__` of its own, and names that are `str`.
fn set_generic(
    object: &Bound<'_, PyAny>,
    name: &Bound<'_, PyString>,
    value: &Bound<'_, PyAny>,
) -> PyResult<()> {
    // SAFETY: the three pointers are live objects (borrowed by the `Bound`s for the whole call,
    // the GIL held through their lifetime `'_`); `PyObject_GenericSetAttr` borrows them and steals
    // no reference, and reports failure by -1 with an exception set.
    let status = unsafe {
        pyo3::ffi::PyObject_GenericSetAttr(object.as_ptr(), name.as_ptr(), value.as_ptr())
    };
    match status {
        0 => Ok(()),
        _ => Err(PyErr::fetch(object.py())),
    }
}

/// The function in slot `slot` of type `ty`, if the interpreter gives it: `None` where the slot is
/// empty, or where the interpreter refuses to read a static type's slots (< 3.10).
fn type_slot(ty: &Bound<'_, PyType>, slot: std::ffi::c_int) -> Option<*mut std::ffi::c_void> {
    // SAFETY: `ty` is a live type object (the GIL is held); `PyType_GetSlot` returns the slot's
    // function or NULL, with an exception set when it refuses the type.
    let function = unsafe { pyo3::ffi::PyType_GetSlot(ty.as_type_ptr(), slot) };
    if function.is_null() {
        let _ = PyErr::take(ty.py());
        return None;
    }
    Some(function)
}

/// How a record's object is made: `object.__new__(cls)`, by CPython's `tp_new` of `cls` itself
/// where the interpreter gives it (`PyType_GetSlot`), without the call's argument tuple and
/// checks.
enum New {
    Slot {
        new: pyo3::ffi::newfunc,
        no_args: Py<PyTuple>,
    },
    Call(Py<PyAny>),
}

impl New {
    fn of(cls: &Bound<'_, PyType>) -> PyResult<New> {
        let py = cls.py();
        let object_new = of_object(py, intern!(py, "__new__"))?;
        // Only where `cls` makes its objects as `object` does: no `__new__` of its own.
        if !cls.getattr(intern!(py, "__new__"))?.is(&object_new) {
            return Ok(New::Call(object_new.unbind()));
        }
        let Some(slot) = type_slot(cls, pyo3::ffi::Py_tp_new) else {
            return Ok(New::Call(object_new.unbind()));
        };
        // SAFETY: the `Py_tp_new` slot holds a `newfunc`.
        let new: pyo3::ffi::newfunc = unsafe { std::mem::transmute(slot) };
        Ok(New::Slot {
            new,
            no_args: PyTuple::empty(py).unbind(),
        })
    }

    fn make<'py>(&self, cls: &Bound<'py, PyType>) -> PyResult<Bound<'py, PyAny>> {
        let py = cls.py();
        match self {
            New::Call(new) => new.bind(py).call1((cls,)),
            New::Slot { new, no_args } => {
                // SAFETY: `new` is `cls`'s own `tp_new`, called as `type.__call__` calls it:
                // the type, an argument tuple and no keywords; it returns a new reference or
                // NULL with an exception set.
                let made =
                    unsafe { new(cls.as_type_ptr(), no_args.as_ptr(), std::ptr::null_mut()) };
                // SAFETY: `made` is an owned reference (or NULL, taken as the error).
                unsafe { Bound::from_owned_ptr_or_err(py, made) }
            }
        }
    }
}

/// How one field of a record is stored.
enum Store {
    /// Straight into the slot's place in the object: the class's own `__slots__` member, found in
    /// its member table (`Py_tp_members`, each entry's offset), of an object that [`New::make`]
    /// has just made, its slots still empty. What the member descriptor's setter does, without
    /// its call, its checks of the object's type and of the old value (bench/RESULTS.md, fix 39).
    Member { offset: usize },
    /// By the setter of the slot's member descriptor (a class with `__slots__`), called
    /// directly: no lookup of the name in the type, no instance dictionary.
    Slot {
        descriptor: Py<PyAny>,
        set: pyo3::ffi::descrsetfunc,
    },
    /// By [`set_generic`] (a class without a `__setattr__` of its own).
    Generic,
    /// By `setattr`.
    SetAttr,
}

impl Store {
    /// How field `name` of `cls` is stored; `members` is `types.MemberDescriptorType`, or `None`
    /// for a class with a `__setattr__` of its own.
    fn of(
        cls: &Bound<'_, PyType>,
        name: &Bound<'_, PyString>,
        members: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Store> {
        let Some(members) = members else {
            return Ok(Store::SetAttr);
        };
        let Ok(descriptor) = cls.getattr(name) else {
            return Ok(Store::Generic);
        };
        if !descriptor.get_type().is(members) {
            return Ok(Store::Generic);
        }
        if let Some(offset) = member_offset(cls, name)? {
            return Ok(Store::Member { offset });
        }
        let Some(slot) = type_slot(&descriptor.get_type(), pyo3::ffi::Py_tp_descr_set) else {
            return Ok(Store::Generic);
        };
        Ok(Store::Slot {
            descriptor: descriptor.unbind(),
            // SAFETY: the `Py_tp_descr_set` slot holds a `descrsetfunc`.
            set: unsafe {
                std::mem::transmute::<*mut std::ffi::c_void, pyo3::ffi::descrsetfunc>(slot)
            },
        })
    }

    /// Stores `value` as field `name` of `object`, an object of the plan's class that
    /// [`New::make`] has just made and whose fields are stored once each, in the plan's order.
    fn set(
        &self,
        object: &Bound<'_, PyAny>,
        name: &Bound<'_, PyString>,
        value: Bound<'_, PyAny>,
    ) -> PyResult<()> {
        match self {
            Store::Member { offset } => {
                // SAFETY: `object` is a live object of the class whose member table gave
                // `offset` (checked by `member_offset`: an object pointer's place inside the
                // class's basic size, past the object's header), made by `New::make`, so its
                // place holds NULL or, were the field stored twice, an owned reference. The
                // place takes its own reference to `value`, and gives up the old one, as the
                // member's setter (`PyMember_SetOne`) does: here, the reference `value` owned.
                unsafe {
                    let place = object
                        .as_ptr()
                        .cast::<u8>()
                        .add(*offset)
                        .cast::<*mut pyo3::ffi::PyObject>();
                    let old = std::mem::replace(&mut *place, value.into_ptr());
                    pyo3::ffi::Py_XDECREF(old);
                }
                Ok(())
            }
            Store::Slot { descriptor, set } => {
                // SAFETY: the descriptor, the object and the value are live (the GIL held); the
                // member descriptor's setter checks the object's type, takes its own reference
                // to the value and reports failure by -1 with an exception set.
                let status = unsafe { set(descriptor.as_ptr(), object.as_ptr(), value.as_ptr()) };
                match status {
                    0 => Ok(()),
                    _ => Err(PyErr::fetch(object.py())),
                }
            }
            Store::Generic => set_generic(object, name, &value),
            Store::SetAttr => object.setattr(name, &value),
        }
    }
}

/// Where field `name` of `cls`'s objects is held, if it is one of `cls`'s own `__slots__` that
/// holds any object: the offset of its entry in `cls`'s member table (`Py_tp_members`, which a
/// class statement fills from `__slots__`), checked to be an object pointer's place inside
/// `cls.__basicsize__`, past the object's header. `None` otherwise, or where the interpreter does
/// not give the table.
fn member_offset(cls: &Bound<'_, PyType>, name: &Bound<'_, PyString>) -> PyResult<Option<usize>> {
    let py = cls.py();
    // The member must be the class's own, not inherited or replaced below it.
    let own = cls.getattr(intern!(py, "__dict__"))?;
    if own.get_item(name).is_err() {
        return Ok(None);
    }
    let Some(table) = type_slot(cls, pyo3::ffi::Py_tp_members) else {
        return Ok(None);
    };
    let basic_size: usize = cls.getattr(intern!(py, "__basicsize__"))?.extract()?;
    let wanted: String = name.extract()?;
    let word = std::mem::size_of::<*mut pyo3::ffi::PyObject>();
    let header = std::mem::size_of::<pyo3::ffi::PyObject>();
    let mut entry = table.cast::<pyo3::ffi::PyMemberDef>().cast_const();
    loop {
        // SAFETY: `table` is `cls`'s member table, an array of `PyMemberDef` ended by an entry
        // whose name is NULL; `entry` never passes that end, and the names are C strings that
        // live as long as the class.
        let member = unsafe { *entry };
        if member.name.is_null() {
            return Ok(None);
        }
        // SAFETY: as above.
        let member_name = unsafe { std::ffi::CStr::from_ptr(member.name) };
        if member_name.to_bytes() == wanted.as_bytes() {
            let fits = usize::try_from(member.offset)
                .ok()
                .filter(|&at| at >= header && at + word <= basic_size && at % word == 0);
            let object = member.type_code == pyo3::ffi::Py_T_OBJECT_EX
                && member.flags & pyo3::ffi::Py_READONLY == 0;
            return Ok(fits.filter(|_| object));
        }
        // SAFETY: the end has not been reached, so the next entry is in the array.
        entry = unsafe { entry.add(1) };
    }
}

/// `object`'s attribute `name` (`__new__`, `__setattr__`).
fn of_object<'py>(py: Python<'py>, name: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyAny>> {
    PyModule::import(py, "builtins")?
        .getattr("object")?
        .getattr(name)
}

/// The plan of a record: an object of `cls` whose attributes `fields` (name, type) are set in
/// order, without calling `cls.__init__`.
#[pyfunction]
fn record(
    error: Bound<'_, PyAny>,
    cls: Bound<'_, PyType>,
    fields: Vec<(Bound<'_, PyString>, Bound<'_, PyAny>)>,
) -> PyResult<Plan> {
    let py = cls.py();
    let new = New::of(&cls)?;
    let setattr = intern!(py, "__setattr__");
    let generic = cls.getattr(setattr)?.is(of_object(py, setattr)?);
    let members = match generic {
        true => Some(PyModule::import(py, "types")?.getattr("MemberDescriptorType")?),
        false => None,
    };
    let stores = fields
        .iter()
        .map(|(name, _)| Store::of(&cls, name, members.as_ref()))
        .collect::<PyResult<_>>()?;
    let fields = fields
        .into_iter()
        .map(|(name, ty)| Ok((name.unbind(), Ty::parse(&ty)?)))
        .collect::<PyResult<_>>()?;
    Ok(Plan {
        error: error.unbind(),
        kind: Kind::Record {
            cls: cls.unbind(),
            new,
            fields,
            stores,
        },
    })
}

/// The plan of an enum: `variants` are (variant class, field types[, field accessors]) or
/// (value, `None`), numbered from 1. An accessor is an `int` `i` for `value._values[i]` or a
/// `str`, the name of an attribute.
#[pyfunction]
fn enumeration(error: Bound<'_, PyAny>, variants: Vec<Bound<'_, PyTuple>>) -> PyResult<Plan> {
    let variants = variants
        .into_iter()
        .map(|variant| {
            if !(2..=3).contains(&variant.len()) {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "a variant is described by 2 or 3 items, not {}",
                    variant.len()
                )));
            }
            let cls = variant.get_item(0)?;
            let fields = variant.get_item(1)?;
            let fields = match fields.is_none() {
                true => None,
                false => Some(parse_each(&fields, Ty::parse)?),
            };
            let accessors = match variant.len() {
                3 => Some(parse_each(&variant.get_item(2)?, lower::Accessor::parse)?),
                _ => None,
            };
            if let (Some(fields), Some(accessors)) = (&fields, &accessors) {
                if fields.len() != accessors.len() {
                    return Err(pyo3::exceptions::PyValueError::new_err(format!(
                        "{} field types but {} accessors",
                        fields.len(),
                        accessors.len()
                    )));
                }
            }
            let bare = match &fields {
                Some(fields) if fields.is_empty() => {
                    let py = cls.py();
                    let sets_nothing = cls
                        .call0()
                        .and_then(|made| made.getattr(intern!(py, "__dict__"))?.len())
                        .is_ok_and(|attributes| attributes == 0);
                    match sets_nothing {
                        true => Some(New::of(cls.cast::<PyType>()?)?),
                        false => None,
                    }
                }
                _ => None,
            };
            Ok(Variant {
                cls: cls.unbind(),
                fields,
                accessors,
                bare,
            })
        })
        .collect::<PyResult<_>>()?;
    Ok(Plan {
        error: error.unbind(),
        kind: Kind::Enumeration { variants },
    })
}

/// The plan of one value of type `ty` (a list or an optional).
#[pyfunction]
fn value(error: Bound<'_, PyAny>, ty: Bound<'_, PyAny>) -> PyResult<Plan> {
    Ok(Plan {
        error: error.unbind(),
        kind: Kind::Value(Ty::parse(&ty)?),
    })
}

/// The Python module `qiscus._native._speedups`.
#[pymodule]
#[pyo3(name = "_speedups")]
pub fn speedups(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<Plan>()?;
    module.add_function(wrap_pyfunction!(record, module)?)?;
    module.add_function(wrap_pyfunction!(enumeration, module)?)?;
    module.add_function(wrap_pyfunction!(value, module)?)?;
    module.add_class::<call::Caller>()?;
    module.add_class::<wake::Channel>()?;
    module.add_function(wrap_pyfunction!(wake::continuation_address, module)?)?;
    Ok(())
}
