//! numpy interop: `numpy.ndarray` values as typed arrays (dtype, shape, contiguous data).
//! How arrays are pickled and recognised is the pickle module's (`src/pickle/numpy.rs`).

use bytes::Bytes;

use crate::error::{Error, Result};
/// Element type of an array (little-endian, as numpy uses on every platform Ray runs on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    Bool,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    F32,
    F64,
}

impl DType {
    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            DType::Bool | DType::I8 | DType::U8 => 1,
            DType::I16 | DType::U16 => 2,
            DType::I32 | DType::U32 | DType::F32 => 4,
            DType::I64 | DType::U64 | DType::F64 => 8,
        }
    }

    /// numpy's name: `"float64"`, `"int32"`, `"bool"`, ...
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::U8 => "uint8",
            DType::U16 => "uint16",
            DType::U32 => "uint32",
            DType::U64 => "uint64",
            DType::F32 => "float32",
            DType::F64 => "float64",
        }
    }

    /// The array-protocol type string numpy accepts (`"<f8"`, `"|b1"`).
    pub fn type_str(self) -> &'static str {
        match self {
            DType::Bool => "|b1",
            DType::I8 => "|i1",
            DType::I16 => "<i2",
            DType::I32 => "<i4",
            DType::I64 => "<i8",
            DType::U8 => "|u1",
            DType::U16 => "<u2",
            DType::U32 => "<u4",
            DType::U64 => "<u8",
            DType::F32 => "<f4",
            DType::F64 => "<f8",
        }
    }

    /// Parses a numpy name (`"float64"`) or type code (`"f8"`, `"<f8"`, `"b1"`, `"?"`).
    /// Big-endian types are not representable and give `None`.
    pub fn parse(s: &str) -> Option<DType> {
        let code = s.trim_start_matches(['<', '|', '=']);
        Some(match code {
            "bool" | "b1" | "?" => DType::Bool,
            "int8" | "i1" | "b" => DType::I8,
            "int16" | "i2" | "h" => DType::I16,
            "int32" | "i4" | "i" => DType::I32,
            "int64" | "i8" | "l" | "q" => DType::I64,
            "uint8" | "u1" | "B" => DType::U8,
            "uint16" | "u2" | "H" => DType::U16,
            "uint32" | "u4" | "I" => DType::U32,
            "uint64" | "u8" | "L" | "Q" => DType::U64,
            "float32" | "f4" | "f" => DType::F32,
            "float64" | "f8" | "d" => DType::F64,
            _ => return None,
        })
    }
}

/// Rust element types that map to a [`DType`].
pub trait Element: Copy + Send + Sync + 'static {
    const DTYPE: DType;
}

macro_rules! element {
    ($($t:ty => $d:ident),*) => {$(
        impl Element for $t { const DTYPE: DType = DType::$d; }
    )*};
}
element!(i8 => I8, i16 => I16, i32 => I32, i64 => I64, u8 => U8, u16 => U16, u32 => U32,
         u64 => U64, f32 => F32, f64 => F64);

/// A numpy array: element type, shape and the contiguous little-endian data.
#[derive(Debug, Clone, PartialEq)]
pub struct NdArray {
    pub dtype: DType,
    pub shape: Vec<usize>,
    /// Fortran (column-major) order instead of C (row-major).
    pub fortran_order: bool,
    data: Bytes,
}

impl NdArray {
    /// An array over `data` (which must hold exactly `shape`'s product of elements).
    pub fn new(dtype: DType, shape: Vec<usize>, data: Bytes) -> Result<NdArray> {
        let count = shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .ok_or_else(|| Error::invalid("array shape overflows"))?;
        let want = count
            .checked_mul(dtype.size())
            .ok_or_else(|| Error::invalid("array size overflows"))?;
        if want != data.len() {
            return Err(Error::invalid(format!(
                "array of shape {shape:?} and dtype {} needs {want} bytes, got {}",
                dtype.name(),
                data.len()
            )));
        }
        Ok(NdArray {
            dtype,
            shape,
            fortran_order: false,
            data,
        })
    }

    /// A one-dimensional array that takes ownership of `values` without copying them.
    pub fn from_vec<T: Element>(values: Vec<T>) -> NdArray {
        let shape = vec![values.len()];
        NdArray::from_vec_shaped(values, shape).expect("1-d shape matches")
    }

    /// An array of `shape` that takes ownership of `values` without copying them.
    pub fn from_vec_shaped<T: Element>(values: Vec<T>, shape: Vec<usize>) -> Result<NdArray> {
        NdArray::new(T::DTYPE, shape, Bytes::from_owner(ElementBytes(values)))
    }

    /// A bool array (numpy stores one byte per element).
    pub fn from_bools(values: &[bool]) -> NdArray {
        let data: Vec<u8> = values.iter().map(|&b| b as u8).collect();
        NdArray::new(DType::Bool, vec![values.len()], data.into()).expect("1-d shape matches")
    }

    /// The raw little-endian bytes.
    pub fn data(&self) -> &Bytes {
        &self.data
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len() / self.dtype.size()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The elements as a slice, without copying, when `T` matches the dtype and the
    /// buffer happens to be aligned for `T` (use [`to_vec`](Self::to_vec) otherwise).
    pub fn as_slice<T: Element>(&self) -> Option<&[T]> {
        if T::DTYPE != self.dtype || self.data.as_ptr().align_offset(std::mem::align_of::<T>()) != 0
        {
            return None;
        }
        // SAFETY: the dtype matches T (a plain-old-data number type for which every bit
        // pattern is valid), the pointer is aligned, and the length is a whole number of
        // elements (checked in `new`). The slice borrows `self.data`.
        Some(unsafe { std::slice::from_raw_parts(self.data.as_ptr().cast::<T>(), self.len()) })
    }

    /// The elements copied into a vector, when `T` matches the dtype.
    pub fn to_vec<T: Element>(&self) -> Option<Vec<T>> {
        if T::DTYPE != self.dtype {
            return None;
        }
        let mut out = Vec::<T>::with_capacity(self.len());
        // SAFETY: `out` has room for len() elements of T; the source holds exactly
        // len() * size_of::<T>() bytes; byte copies have no alignment requirement.
        unsafe {
            std::ptr::copy_nonoverlapping(
                self.data.as_ptr(),
                out.as_mut_ptr().cast::<u8>(),
                self.data.len(),
            );
            out.set_len(self.len());
        }
        Some(out)
    }

    /// The elements as bools, for a bool array.
    pub fn to_bools(&self) -> Option<Vec<bool>> {
        (self.dtype == DType::Bool).then(|| self.data.iter().map(|&b| b != 0).collect())
    }
}

/// Owner that lets `Bytes` view a `Vec<T>` of numbers as bytes without copying.
struct ElementBytes<T: Element>(Vec<T>);

impl<T: Element> AsRef<[u8]> for ElementBytes<T> {
    fn as_ref(&self) -> &[u8] {
        // SAFETY: T is a plain number type; viewing its storage as bytes is always valid.
        unsafe {
            std::slice::from_raw_parts(
                self.0.as_ptr().cast::<u8>(),
                std::mem::size_of_val(self.0.as_slice()),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_views() {
        let a = NdArray::from_vec(vec![1.5f64, -2.0, 3.25]);
        assert_eq!(a.dtype, DType::F64);
        assert_eq!(a.shape, vec![3]);
        assert_eq!(a.as_slice::<f64>(), Some(&[1.5, -2.0, 3.25][..]));
        assert_eq!(a.to_vec::<f64>(), Some(vec![1.5, -2.0, 3.25]));
        assert_eq!(a.as_slice::<i64>(), None);
        let b = NdArray::from_vec_shaped(vec![1i32, 2, 3, 4, 5, 6], vec![2, 3]).unwrap();
        assert_eq!(b.len(), 6);
        assert!(NdArray::from_vec_shaped(vec![1i32, 2], vec![3]).is_err());
        assert_eq!(
            NdArray::from_bools(&[true, false]).to_bools(),
            Some(vec![true, false])
        );
        assert_eq!(DType::parse("<f8"), Some(DType::F64));
        assert_eq!(DType::parse(">f8"), None);
    }
}
