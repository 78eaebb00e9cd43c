//! Splitting a request's data into the chunks Ray's server reassembles (puts and task
//! arguments).

use bytes::Bytes;

use super::CHUNK_SIZE;

/// Segments at least this long become chunks of their own (slices, no copy); shorter
/// ones are copied together into full chunks. Half a chunk: each byte is copied at most
/// once, and the number of chunks stays within twice the minimum (many medium buffers do
/// not each cost the server a message).
const SLICE_MIN: usize = CHUNK_SIZE / 2;

/// Splits data given as segments into chunks of at most [`CHUNK_SIZE`] (always at least
/// one chunk, also for no data). A large segment (a value's own buffer) starts chunks of
/// its own, so they are slices of it; smaller segments (pickle opcodes, small and
/// medium values) are copied together. The server only concatenates chunks in order, so
/// their sizes may vary.
pub(super) fn chunk_segments(segments: &[Bytes]) -> Vec<Bytes> {
    fn flush(chunks: &mut Vec<Bytes>, pending: &mut Vec<Bytes>) {
        match pending.len() {
            0 => {}
            1 => chunks.push(pending.pop().unwrap()),
            _ => {
                let mut joined =
                    bytes::BytesMut::with_capacity(pending.iter().map(Bytes::len).sum());
                for piece in pending.drain(..) {
                    joined.extend_from_slice(&piece);
                }
                chunks.push(joined.freeze());
            }
        }
    }
    let mut chunks = Vec::new();
    let mut pending: Vec<Bytes> = Vec::new();
    let mut pending_len = 0;
    for seg in segments {
        if seg.len() >= SLICE_MIN {
            flush(&mut chunks, &mut pending);
            pending_len = 0;
            let mut start = 0;
            while start < seg.len() {
                let end = (start + CHUNK_SIZE).min(seg.len());
                chunks.push(seg.slice(start..end));
                start = end;
            }
            continue;
        }
        let mut seg = seg.clone();
        while !seg.is_empty() {
            let take = seg.len().min(CHUNK_SIZE - pending_len);
            pending.push(seg.split_to(take));
            pending_len += take;
            if pending_len == CHUNK_SIZE {
                flush(&mut chunks, &mut pending);
                pending_len = 0;
            }
        }
    }
    flush(&mut chunks, &mut pending);
    if chunks.is_empty() {
        chunks.push(Bytes::new());
    }
    chunks
}
