//! Native method calls: an object's handle cloned, its method called and the call's status read
//! in one extension call.
//!
//! The generated Python makes a blocking method call through ctypes three times: the handle's
//! clone (a ctypes call with its own call status, ~3 µs in a hot loop), the method itself (a
//! ctypes call given a new call status structure, the lowered buffers as ctypes structures, and
//! the returned buffer as another), then a Python function that checks the status. Only the
//! reading of the result was native (fix 16). Here the arguments are lowered by their plans
//! straight into the buffers that the call takes, the clone and the call run one after the other
//! with the GIL released, as ctypes releases it, and the result is read by its plan from the
//! returned buffer, which is then freed (bench/RESULTS.md, fix 32). An async method's steps are
//! native the same way: [`Caller::start`] makes its Rust future, [`Caller::poll`] polls it with
//! the native continuation of [`crate::wake`], [`Caller::complete`] reads its result and
//! [`Caller::free`] frees it (fix 33; the coroutine around them is generated).
//!
//! The project's `uniffi-bindgen` (its `native_calls` patch) routes here only the methods whose
//! FFI declarations have the shapes these functions call: a blocking method takes the object's
//! handle, up to two buffers and a call status, and returns a buffer or nothing; an async one
//! takes the handle and up to two buffers and returns its future, whose complete function returns
//! a buffer or nothing. As the readers of [`crate::lift`], this trusts its caller, the generated
//! code: the names it passes are of functions of those shapes, and a converter's `lower` returns
//! a buffer made by the library. Strings are lowered and lifted here too; a converter without a
//! plan lowers and lifts by its generated code, and a failed call's error is raised by the
//! generated status check, as before.

use std::mem::ManuallyDrop;

use pyo3::exceptions::PyValueError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString, PyTuple};
use uniffi::{RustBuffer, RustCallStatus, RustCallStatusCode};

use crate::wake::{continuation, Channel};
use crate::{lift, lower, Plan};

/// An object's clone: its handle and a call status, returning the new handle.
type CloneFn = unsafe extern "C" fn(u64, &mut RustCallStatus) -> u64;

/// A buffer's parts as plain numbers: capacity, length and data address.
type Parts = (usize, usize, usize);

/// What a call left: its status code, and the buffer it returned (the error's, on an error).
struct Outcome {
    code: i8,
    buffer: Parts,
}

/// The parts of `buffer`, given up: whoever receives them frees it.
fn give_up(buffer: RustBuffer) -> Parts {
    let parts = lower::parts_of(&buffer);
    let _ = ManuallyDrop::new(buffer);
    parts
}

/// The outcome of a failed status: its code and error buffer.
fn failed(status: RustCallStatus) -> Outcome {
    let code = match status.code {
        RustCallStatusCode::Success => 0,
        RustCallStatusCode::Error => 1,
        RustCallStatusCode::UnexpectedError => 2,
        RustCallStatusCode::Cancelled => 3,
    };
    Outcome {
        code,
        buffer: give_up(ManuallyDrop::into_inner(status.error_buf)),
    }
}

/// A clone of `handle` made by `clone`, or the failed status.
///
/// # Safety
/// `clone` is the address of an object's clone function in the library.
unsafe fn cloned(clone: usize, handle: u64) -> Result<u64, Outcome> {
    let mut status = RustCallStatus::default();
    // SAFETY: the caller's promise (above).
    let clone = unsafe { std::mem::transmute::<usize, CloneFn>(clone) };
    let handle = unsafe { clone(handle, &mut status) };
    match status.code {
        RustCallStatusCode::Success => Ok(handle),
        _ => Err(failed(status)),
    }
}

/// Clones `handle` with `clone`, then calls `method` with the clone and `args`: the whole native
/// part of a blocking call, run without the GIL.
///
/// # Safety
/// `clone` and `method` are the addresses of the library's functions of the shapes
/// [`Caller::call`] documents, `args.len()` buffers after the handle, returning a buffer when
/// `returns` is true and nothing otherwise.
unsafe fn run(
    clone: usize,
    method: usize,
    handle: u64,
    args: Vec<Vec<u8>>,
    returns: bool,
) -> Outcome {
    // SAFETY: the caller's promise (above).
    let handle = match unsafe { cloned(clone, handle) } {
        Ok(handle) => handle,
        Err(outcome) => return outcome,
    };
    let mut status = RustCallStatus::default();
    let mut args = args.into_iter().map(RustBuffer::from_vec);
    let (a, b) = (args.next(), args.next());
    type Returning0 = unsafe extern "C" fn(u64, &mut RustCallStatus) -> RustBuffer;
    type Returning1 = unsafe extern "C" fn(u64, RustBuffer, &mut RustCallStatus) -> RustBuffer;
    type Returning2 =
        unsafe extern "C" fn(u64, RustBuffer, RustBuffer, &mut RustCallStatus) -> RustBuffer;
    type Void0 = unsafe extern "C" fn(u64, &mut RustCallStatus);
    type Void1 = unsafe extern "C" fn(u64, RustBuffer, &mut RustCallStatus);
    type Void2 = unsafe extern "C" fn(u64, RustBuffer, RustBuffer, &mut RustCallStatus);
    let s = &mut status;
    // SAFETY: the caller's promise (above): `method` has the shape that these arguments select.
    let returned = unsafe {
        match (returns, a, b) {
            (true, None, _) => Some(std::mem::transmute::<usize, Returning0>(method)(handle, s)),
            (true, Some(a), None) => Some(std::mem::transmute::<usize, Returning1>(method)(
                handle, a, s,
            )),
            (true, Some(a), Some(b)) => Some(std::mem::transmute::<usize, Returning2>(method)(
                handle, a, b, s,
            )),
            (false, None, _) => {
                std::mem::transmute::<usize, Void0>(method)(handle, s);
                None
            }
            (false, Some(a), None) => {
                std::mem::transmute::<usize, Void1>(method)(handle, a, s);
                None
            }
            (false, Some(a), Some(b)) => {
                std::mem::transmute::<usize, Void2>(method)(handle, a, b, s);
                None
            }
        }
    };
    ended(status, returned)
}

/// The outcome of a call that ended with `status`, having returned `returned`.
fn ended(status: RustCallStatus, returned: Option<RustBuffer>) -> Outcome {
    if !matches!(status.code, RustCallStatusCode::Success) {
        // A failed call returns an empty buffer, which needs no freeing.
        return failed(status);
    }
    Outcome {
        code: 0,
        buffer: returned.map_or((0, 0, 0), give_up),
    }
}

/// Makes the method calls of one generated module natively (see the module docs).
#[pyclass(frozen, module = "qiscus._native._speedups")]
pub(crate) struct Caller {
    /// The generated `_UniffiLib`, whose attributes are the typed FFI functions.
    lib: Py<PyAny>,
    /// The generated `_UniffiRustBuffer`, `_UniffiRustCallStatus`, `_UniffiRustBufferStream` and
    /// `_UniffiRustBufferBuilder` classes.
    buffer: Py<PyAny>,
    status: Py<PyAny>,
    stream: Py<PyAny>,
    builder: Py<PyAny>,
    /// The generated `_uniffi_check_call_status`, which raises a failed call's error.
    check: Py<PyAny>,
    /// The generated `_UniffiFfiConverterString`: a string crosses as its UTF-8 bytes alone,
    /// which no plan describes, so it is lowered and lifted here.
    string: Py<PyAny>,
    /// The functions' addresses, by name, as they are first used.
    addresses: Py<PyDict>,
}

impl Caller {
    /// The address of the FFI function `name`.
    fn address(&self, name: &Bound<'_, PyString>) -> PyResult<usize> {
        let py = name.py();
        let addresses = self.addresses.bind(py);
        if let Some(address) = addresses.get_item(name)? {
            return address.extract();
        }
        let function = self.lib.bind(py).getattr(name)?;
        // A ctypes function pointer's buffer is the pointer itself.
        let view = py
            .import(intern!(py, "builtins"))?
            .getattr(intern!(py, "memoryview"))?
            .call1((function,))?;
        let raw = view.call_method0(intern!(py, "tobytes"))?;
        let raw: [u8; std::mem::size_of::<usize>()] = raw
            .cast::<PyBytes>()?
            .as_bytes()
            .try_into()
            .map_err(|_| PyValueError::new_err(format!("{name} is not a function pointer")))?;
        let address = usize::from_ne_bytes(raw);
        if address == 0 {
            return Err(PyValueError::new_err(format!("{name} is a null pointer")));
        }
        addresses.set_item(name, address)?;
        Ok(address)
    }

    /// `value` lowered by `converter`: by its plan when it has one that can write it, or by its
    /// own `lower` (a buffer the library made, taken back here).
    fn lower(&self, converter: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
        let py = value.py();
        if converter.is(self.string.bind(py)) {
            return Ok(value.cast::<PyString>()?.to_cow()?.as_bytes().to_vec());
        }
        let plan = converter.getattr(intern!(py, "_plan"))?;
        if let Ok(plan) = plan.cast::<Plan>() {
            if let Some(bytes) = lower::write(plan.get(), value, self.builder.bind(py))? {
                return Ok(bytes);
            }
        }
        let lowered = converter.call_method1(intern!(py, "lower"), (value,))?;
        let (capacity, len, data) = lift::parts(&lowered)?;
        lift::take(capacity, len, data)
    }

    /// The arguments given as converter, value pairs (at most two), each lowered.
    fn lowered(&self, args: &Bound<'_, PyTuple>) -> PyResult<Vec<Vec<u8>>> {
        if args.len() % 2 != 0 || args.len() > 4 {
            return Err(PyValueError::new_err(
                "arguments are converter, value pairs, at most two",
            ));
        }
        let mut lowered = Vec::with_capacity(args.len() / 2);
        for at in (0..args.len()).step_by(2) {
            lowered.push(self.lower(&args.get_item(at)?, &args.get_item(at + 1)?)?);
        }
        Ok(lowered)
    }

    /// What a call that ended with `outcome` gives: the returned buffer read by `lift` (`None`
    /// for nothing), or the error `_uniffi_check_call_status` raises for `error`.
    fn finish(
        &self,
        py: Python<'_>,
        outcome: Outcome,
        lift: &Bound<'_, PyAny>,
        error: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        if outcome.code != 0 {
            // A generated `_UniffiRustCallStatus`: the `i8` code, padded to the buffer's
            // alignment, then the buffer.
            let mut code = [0u8; 8];
            code[0] = outcome.code as u8;
            let status = self.status.bind(py).call_method1(
                intern!(py, "from_buffer_copy"),
                (PyBytes::new(
                    py,
                    &[&code[..], &lower::raw_buffer(outcome.buffer)].concat(),
                ),),
            )?;
            self.check.bind(py).call1((error, status))?;
            return Err(PyValueError::new_err(format!(
                "call status {} raised nothing",
                outcome.code
            )));
        }
        if lift.is_none() {
            return Ok(py.None());
        }
        let (capacity, len, data) = outcome.buffer;
        if lift.is(self.string.bind(py)) {
            let bytes = lift::take(capacity, len, data)?;
            let text = std::str::from_utf8(&bytes)
                .map_err(|e| PyValueError::new_err(format!("a returned string: {e}")))?;
            return Ok(PyString::new(py, text).into_any().unbind());
        }
        let plan = lift.getattr(intern!(py, "_plan"))?;
        if let Ok(plan) = plan.cast::<Plan>() {
            let bytes = lift::take(capacity, len, data)?;
            return lift::read_all(plan.get(), &bytes, self.stream.bind(py));
        }
        let buffer = self.buffer(py, outcome.buffer)?;
        Ok(lift.call_method1(intern!(py, "lift"), (buffer,))?.unbind())
    }

    /// A generated `_UniffiRustBuffer` holding `parts`, which it then owns.
    fn buffer<'py>(&self, py: Python<'py>, parts: Parts) -> PyResult<Bound<'py, PyAny>> {
        self.buffer.bind(py).call_method1(
            intern!(py, "from_buffer_copy"),
            (PyBytes::new(py, &lower::raw_buffer(parts)),),
        )
    }
}

#[pymethods]
impl Caller {
    #[new]
    fn new(
        lib: Bound<'_, PyAny>,
        buffer: Py<PyAny>,
        status: Py<PyAny>,
        stream: Py<PyAny>,
        builder: Py<PyAny>,
        check: Py<PyAny>,
        string: Py<PyAny>,
    ) -> Caller {
        let py = lib.py();
        Caller {
            lib: lib.unbind(),
            buffer,
            status,
            stream,
            builder,
            check,
            string,
            addresses: PyDict::new(py).unbind(),
        }
    }

    /// Calls the FFI function `method` on a clone of `handle` (made by the FFI function `clone`)
    /// and the arguments, given as converter, value, converter, value (at most two, each lowered
    /// to a buffer). Returns the result read by the converter `lift`, or `None` when `lift` is
    /// `None` (the function returns nothing); a failed call raises what
    /// `_uniffi_check_call_status` raises for `error` (a converter, or `None`).
    #[pyo3(signature = (method, clone, handle, lift, error, *args))]
    fn call(
        &self,
        method: &Bound<'_, PyString>,
        clone: &Bound<'_, PyString>,
        handle: u64,
        lift: &Bound<'_, PyAny>,
        error: &Bound<'_, PyAny>,
        args: &Bound<'_, PyTuple>,
    ) -> PyResult<Py<PyAny>> {
        let py = method.py();
        let method = self.address(method)?;
        let clone = self.address(clone)?;
        let lowered = self.lowered(args)?;
        let returns = !lift.is_none();
        // SAFETY: the generated code routes here only functions of the shapes that `run` calls
        // (see the module docs), and `returns` follows the declaration's return type.
        let outcome = py.detach(|| unsafe { run(clone, method, handle, lowered, returns) });
        self.finish(py, outcome, lift, error)
    }

    /// Starts the async FFI function `method` on a clone of `handle` and the arguments (as
    /// [`Caller::call`] takes them): the handle of its Rust future.
    #[pyo3(signature = (method, clone, handle, *args))]
    fn start(
        &self,
        method: &Bound<'_, PyString>,
        clone: &Bound<'_, PyString>,
        handle: u64,
        args: &Bound<'_, PyTuple>,
    ) -> PyResult<u64> {
        let py = method.py();
        let method = self.address(method)?;
        let clone = self.address(clone)?;
        let lowered = self.lowered(args)?;
        // SAFETY: `clone` is a clone function (see the module docs).
        let handle = match unsafe { cloned(clone, handle) } {
            Ok(handle) => handle,
            Err(outcome) => {
                let none = py.None().into_bound(py);
                self.finish(py, outcome, &none, &none)?;
                return Err(PyValueError::new_err("the clone failed"));
            }
        };
        // The arguments become buffers only once nothing can fail before the call takes them.
        let mut lowered = lowered.into_iter().map(RustBuffer::from_vec);
        type Start0 = unsafe extern "C" fn(u64) -> u64;
        type Start1 = unsafe extern "C" fn(u64, RustBuffer) -> u64;
        type Start2 = unsafe extern "C" fn(u64, RustBuffer, RustBuffer) -> u64;
        // SAFETY: the generated code routes here only async functions taking the handle and
        // these buffers, and returning their future's handle (see the module docs).
        let future = unsafe {
            match (lowered.next(), lowered.next()) {
                (None, _) => std::mem::transmute::<usize, Start0>(method)(handle),
                (Some(a), None) => std::mem::transmute::<usize, Start1>(method)(handle, a),
                (Some(a), Some(b)) => std::mem::transmute::<usize, Start2>(method)(handle, a, b),
            }
        };
        Ok(future)
    }

    /// Polls the Rust future `future` with the FFI function `poll`, its wake going to `channel`
    /// (see [`crate::wake`]): the key of the poll, and its poll code if the future woke inside
    /// the poll.
    fn poll(
        &self,
        poll: &Bound<'_, PyString>,
        future: u64,
        channel: &Bound<'_, Channel>,
    ) -> PyResult<(u64, Option<i8>)> {
        type Poll = unsafe extern "C" fn(u64, extern "C" fn(u64, i8), u64);
        let poll = self.address(poll)?;
        let channel = channel.get();
        let key = channel.key();
        // The calls polled here do their I/O on this thread, through the loop's reactor.
        let _entered = channel.enter();
        // SAFETY: `poll` is the poll function of the future's kind (see the module docs).
        unsafe { std::mem::transmute::<usize, Poll>(poll)(future, continuation, key) };
        Ok((key, channel.take(key)))
    }

    /// The result of the ready Rust future `future`, taken with the FFI function `complete` and
    /// read by `lift` (or `None`, for nothing), or the error it raises (as [`Caller::call`]).
    fn complete(
        &self,
        complete: &Bound<'_, PyString>,
        future: u64,
        lift: &Bound<'_, PyAny>,
        error: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        type Returning = unsafe extern "C" fn(u64, &mut RustCallStatus) -> RustBuffer;
        type Void = unsafe extern "C" fn(u64, &mut RustCallStatus);
        let py = complete.py();
        let complete = self.address(complete)?;
        let mut status = RustCallStatus::default();
        // SAFETY: `complete` is the complete function of the future's kind, returning a buffer
        // exactly when `lift` is not `None` (see the module docs).
        let returned = unsafe {
            match lift.is_none() {
                false => Some(std::mem::transmute::<usize, Returning>(complete)(
                    future,
                    &mut status,
                )),
                true => {
                    std::mem::transmute::<usize, Void>(complete)(future, &mut status);
                    None
                }
            }
        };
        self.finish(py, ended(status, returned), lift, error)
    }

    /// Frees the Rust future `future` with the FFI function `free`.
    fn free(&self, free: &Bound<'_, PyString>, future: u64) -> PyResult<()> {
        type Free = unsafe extern "C" fn(u64);
        let free = self.address(free)?;
        // SAFETY: `free` is the free function of the future's kind, called once per future by
        // the generated code (see the module docs).
        unsafe { std::mem::transmute::<usize, Free>(free)(future) };
        Ok(())
    }
}
