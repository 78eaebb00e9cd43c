//! The buffer a multi-chunk get writes its chunks into.
//!
//! A get of a large object receives it in 5 MiB chunks and hands it out as one contiguous
//! `Bytes` (values slice into it without copying). On Linux, a buffer of
//! [`MAP_THRESHOLD`] or more is its own anonymous mapping:
//! - it is virtual until written (`MAP_NORESERVE`), so reserving the size the server
//!   announced costs nothing for a part that never arrives, and a size no mapping can hold
//!   falls back to the heap path with its bounded reservation;
//! - it is populated ahead of the writes, a few MiB per `madvise(MADV_POPULATE_WRITE)`,
//!   instead of one page fault per 4 KiB page (those faults were a sixth of a 512 MiB
//!   get's CPU time). Transparent huge pages were tried and were slower on the VMs we
//!   measured: zeroing fresh 2 MiB pages cost more than the faults they save.
//!
//! The filled buffer becomes `Bytes` without a copy (`Bytes::from_owner`) and is unmapped
//! when the last slice of it is dropped.
use bytes::{Bytes, BytesMut};

/// Smallest buffer worth its own mapping (glibc maps large allocations anyway; below a
/// few populate steps there is nothing to gain).
pub(crate) const MAP_THRESHOLD: usize = 4 << 20;

/// Most the heap path reserves up front. A size announced by the server is not trusted
/// beyond this (a broken server could announce exabytes); past it the buffer grows as the
/// data actually arrives.
pub(crate) const MAX_HEAP_RESERVATION: usize = 256 << 20;

/// An append-only byte buffer with a capacity fixed up front (it still grows, by copying,
/// if more arrives than was announced).
pub(crate) struct ReceiveBuffer {
    storage: Storage,
}

enum Storage {
    Heap(BytesMut),
    #[cfg(target_os = "linux")]
    Mapped(mapping::Mapping),
}

impl ReceiveBuffer {
    /// A buffer for `capacity` bytes: mapped when large (Linux), else on the heap with at
    /// most [`MAX_HEAP_RESERVATION`] reserved.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        #[cfg(target_os = "linux")]
        if capacity >= MAP_THRESHOLD {
            if let Some(m) = mapping::Mapping::new(capacity) {
                return Self {
                    storage: Storage::Mapped(m),
                };
            }
        }
        Self {
            storage: Storage::Heap(BytesMut::with_capacity(capacity.min(MAX_HEAP_RESERVATION))),
        }
    }

    pub(crate) fn len(&self) -> usize {
        match &self.storage {
            Storage::Heap(b) => b.len(),
            #[cfg(target_os = "linux")]
            Storage::Mapped(m) => m.len(),
        }
    }

    /// Forgets everything after the first `len` bytes.
    pub(crate) fn truncate(&mut self, len: usize) {
        match &mut self.storage {
            Storage::Heap(b) => b.truncate(len),
            #[cfg(target_os = "linux")]
            Storage::Mapped(m) => m.truncate(len),
        }
    }

    /// Appends `data`. A mapping that is too small (the server sent more than it announced)
    /// is moved to the heap.
    pub(crate) fn extend_from_slice(&mut self, data: &[u8]) {
        match &mut self.storage {
            Storage::Heap(b) => b.extend_from_slice(data),
            #[cfg(target_os = "linux")]
            Storage::Mapped(m) => {
                if !m.try_extend(data) {
                    let mut heap = BytesMut::with_capacity(m.len() + data.len());
                    heap.extend_from_slice(m.as_ref());
                    heap.extend_from_slice(data);
                    self.storage = Storage::Heap(heap);
                }
            }
        }
    }

    /// The bytes written, without a copy.
    pub(crate) fn freeze(self) -> Bytes {
        match self.storage {
            Storage::Heap(b) => b.freeze(),
            #[cfg(target_os = "linux")]
            Storage::Mapped(m) => Bytes::from_owner(m),
        }
    }
}

impl std::fmt::Debug for ReceiveBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.storage {
            Storage::Heap(_) => "heap",
            #[cfg(target_os = "linux")]
            Storage::Mapped(_) => "mapped",
        };
        f.debug_struct("ReceiveBuffer")
            .field("storage", &kind)
            .field("len", &self.len())
            .finish()
    }
}

#[cfg(target_os = "linux")]
mod mapping {
    use std::ptr::NonNull;

    /// How far ahead of the writes the mapping is populated, per system call.
    const POPULATE_STEP: usize = 4 << 20;

    /// An anonymous private mapping, written from the start; `len` bytes are initialized.
    pub(super) struct Mapping {
        ptr: NonNull<u8>,
        len: usize,
        /// Bytes from the start already populated (or attempted).
        populated: usize,
        capacity: usize,
    }

    // SAFETY: the mapping is plain memory owned by this value alone; shared access only
    // reads the initialized prefix.
    unsafe impl Send for Mapping {}
    unsafe impl Sync for Mapping {}

    impl Mapping {
        /// Maps `capacity` bytes, or None when the kernel refuses.
        pub(super) fn new(capacity: usize) -> Option<Self> {
            // SAFETY: a fresh anonymous mapping; no existing memory is touched.
            let raw = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    capacity,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                    -1,
                    0,
                )
            };
            if raw == libc::MAP_FAILED {
                return None;
            }
            Some(Self {
                ptr: NonNull::new(raw.cast())?,
                len: 0,
                populated: 0,
                capacity,
            })
        }

        pub(super) fn len(&self) -> usize {
            self.len
        }

        /// Populates at least up to `end`, a step ahead. Only an optimization: where the
        /// kernel does not know MADV_POPULATE_WRITE (before 5.14) pages fault in as usual.
        fn populate_to(&mut self, end: usize) {
            // madvise wants page-aligned ranges; the mapping covers whole pages.
            let page = page_size();
            let target = end
                .max(self.populated + POPULATE_STEP)
                .next_multiple_of(page)
                .min(self.capacity.next_multiple_of(page));
            // SAFETY: the range lies inside the mapping; populating only faults pages in.
            unsafe {
                libc::madvise(
                    self.ptr.as_ptr().add(self.populated).cast(),
                    target - self.populated,
                    libc::MADV_POPULATE_WRITE,
                );
            }
            self.populated = target;
        }

        pub(super) fn truncate(&mut self, len: usize) {
            self.len = self.len.min(len);
        }

        /// Appends `data` if it fits; false (nothing written) if it does not.
        pub(super) fn try_extend(&mut self, data: &[u8]) -> bool {
            if data.len() > self.capacity - self.len {
                return false;
            }
            let end = self.len + data.len();
            if end > self.populated {
                self.populate_to(end);
            }
            // SAFETY: the destination range is inside the mapping (checked above) and
            // cannot overlap `data`, which the caller borrows from elsewhere.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    data.as_ptr(),
                    self.ptr.as_ptr().add(self.len),
                    data.len(),
                );
            }
            self.len += data.len();
            true
        }
    }

    fn page_size() -> usize {
        // SAFETY: sysconf only reads a system constant.
        match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
            n if n > 0 => n as usize,
            _ => 4096,
        }
    }

    impl AsRef<[u8]> for Mapping {
        fn as_ref(&self) -> &[u8] {
            // SAFETY: the first `len` bytes were written by `try_extend`.
            unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
        }
    }

    impl Drop for Mapping {
        fn drop(&mut self) {
            // SAFETY: unmaps exactly the range `new` kept; no slice outlives self
            // (`Bytes::from_owner` drops the owner after the last slice).
            unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.capacity) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_buffers_live_on_the_heap_and_keep_their_bytes() {
        let mut b = ReceiveBuffer::with_capacity(10);
        b.extend_from_slice(b"hello ");
        b.extend_from_slice(b"world");
        assert_eq!(b.len(), 11);
        assert_eq!(&b.freeze()[..], b"hello world");
    }

    #[test]
    fn large_buffers_take_exactly_what_was_written() {
        let chunk = vec![7u8; 3 << 20];
        let mut b = ReceiveBuffer::with_capacity(6 << 20);
        b.extend_from_slice(&chunk);
        b.extend_from_slice(&chunk[..5]);
        let frozen = b.freeze();
        assert_eq!(frozen.len(), (3 << 20) + 5);
        assert!(frozen.iter().all(|&x| x == 7));
        let slice = frozen.slice(10..20);
        drop(frozen);
        assert_eq!(&slice[..], &[7u8; 10]); // a slice keeps the mapping alive
    }

    #[test]
    fn more_than_announced_still_arrives_whole() {
        let mut b = ReceiveBuffer::with_capacity(MAP_THRESHOLD);
        let chunk: Vec<u8> = (0..=255u8).cycle().take(3 << 20).collect();
        b.extend_from_slice(&chunk);
        b.extend_from_slice(&chunk); // past the capacity (rounded up to 4 MiB)
        let frozen = b.freeze();
        assert_eq!(frozen.len(), 6 << 20);
        assert_eq!(&frozen[..3 << 20], &chunk[..]);
        assert_eq!(&frozen[3 << 20..], &chunk[..]);
    }

    #[test]
    fn an_absurd_announcement_falls_back_to_a_bounded_heap_reservation() {
        let mut b = ReceiveBuffer::with_capacity(usize::MAX / 2);
        b.extend_from_slice(b"x");
        assert_eq!(&b.freeze()[..], b"x");
    }
}
