//! Argument lists: the positional and keyword arguments of one call, built once and
//! passed to `ray_client_function_call`, `ray_client_actor_create` or
//! `ray_client_actor_call`.

use std::ffi::c_char;
use std::sync::{Arc, Mutex, PoisonError};

use super::*;
use crate::tasks::Kwargs;
use crate::value::Value;

/// What an argument-list handle holds.
#[derive(Default, Clone)]
pub(crate) struct ArgList {
    pub(crate) args: Vec<Value>,
    pub(crate) kwargs: Kwargs,
}

/// The arguments behind a handle (copied); NULL means no arguments.
pub(crate) fn args_of(a: *const ray_client_args) -> R<ArgList> {
    if a.is_null() {
        return Ok(ArgList::default());
    }
    let list = get::<ray_client_args>(a, "args")?;
    let list = list.lock().unwrap_or_else(PoisonError::into_inner);
    Ok(list.clone())
}

fn with_list(a: *mut ray_client_args, f: impl FnOnce(&mut ArgList) -> R<()>) -> R<()> {
    let list = get::<ray_client_args>(a, "args")?;
    let mut list = list.lock().unwrap_or_else(PoisonError::into_inner);
    f(&mut list)
}

/// ---- Argument lists (src/ffi/args.rs) ----
///
/// A new, empty argument list. The caller frees `*out` with `ray_client_args_free`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_args_new(out: *mut *mut ray_client_args) -> ray_client_status {
    guard(|| fill_handle(out, || Ok(Arc::new(Mutex::new(ArgList::default())))))
}

/// Appends a positional argument (the value is copied; the caller keeps `value`). Refs
/// among the arguments, nested too, must belong to the client the call goes to; Ray
/// resolves them before the function runs.
#[no_mangle]
pub unsafe extern "C" fn ray_client_args_push(
    args: *mut ray_client_args,
    value: *const ray_client_value,
) -> ray_client_status {
    guard(|| {
        let v = value_of(value, "value")?;
        with_list(args, |l| {
            l.args.push((*v).clone());
            Ok(())
        })
    })
}

/// Adds the keyword argument `name=value` (copied). A name given twice is refused, as
/// Python refuses `f(x=1, x=2)`.
#[no_mangle]
pub unsafe extern "C" fn ray_client_args_push_kw(
    args: *mut ray_client_args,
    name: *const c_char,
    value: *const ray_client_value,
) -> ray_client_status {
    guard(|| {
        let name = str_arg(name, "name")?;
        let v = value_of(value, "value")?;
        if name.is_empty() {
            return Err(ErrorInfo::invalid("a keyword argument needs a name"));
        }
        with_list(args, |l| {
            if l.kwargs.iter().any(|(k, _)| k == name) {
                return Err(ErrorInfo::invalid(format!(
                    "got multiple values for keyword argument '{name}'"
                )));
            }
            l.kwargs.push((name.to_owned(), (*v).clone()));
            Ok(())
        })
    })
}

/// Empties the list, to reuse it for another call.
#[no_mangle]
pub unsafe extern "C" fn ray_client_args_clear(args: *mut ray_client_args) -> ray_client_status {
    guard(|| {
        with_list(args, |l| {
            *l = ArgList::default();
            Ok(())
        })
    })
}

/// Frees an argument list. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn ray_client_args_free(args: *mut ray_client_args) -> ray_client_status {
    guard(|| free_handle(args))
}
