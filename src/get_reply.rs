//! Reading a `GetObject` reply: the chunks of one object, straight from the HTTP/2 frames
//! into the buffer the value will live in.
//!
//! A get of a large object is a stream of `GetResponse` messages of 5 MiB each. Read
//! through tonic, every byte was copied twice before it reached the value's buffer (once
//! from the HTTP/2 frames into tonic's message buffer, again when that buffer grew for the
//! next message), then once more into the value; tonic's two copies were a sixth of a
//! 512 MiB get's CPU time. So this module makes the call on the channel itself and parses
//! the gRPC framing and the `GetResponse` fields incrementally ([`ReplyParser`]): the
//! bytes of the `data` field are written into the value's buffer as the frames arrive
//! ([`Chunks`]), so each byte is copied once. Only the first chunk of a multi-chunk reply
//! is copied twice, because the object's total size comes after the data in each message.
//!
//! The request is what tonic's generated client would send (the same metadata, gRPC
//! framing); the response's status comes from the trailers (or the headers, for an error
//! without messages) through tonic's own `Status::from_header_map`. Retries stay with the
//! caller (`Client::get_once`).
use std::future::poll_fn;

use bytes::{BufMut, Bytes, BytesMut};
use http_body_util::BodyExt;
use prost::Message;
use tonic::transport::Channel;
use tonic::{Request, Status};
use tower_service::Service;

use crate::buffer::ReceiveBuffer;
use crate::connection::MAX_MESSAGE_SIZE;
use crate::error::{Error, Result};
use crate::progress::Tracker;
use crate::proto::GetRequest;
use crate::proto::GetResponse;
use std::sync::Arc;

/// The method's path, as in the generated `RayletDriverClient::get_object`.
const GET_OBJECT_PATH: &str = "/ray.rpc.RayletDriver/GetObject";

/// How one `GetObject` call ended.
#[derive(Debug)]
pub(crate) enum CallError {
    /// The call failed as a call (transport, server status): the caller may retry it
    /// from [`Chunks::next_chunk`].
    Status(Status),
    /// The reply itself is an error (the object's error, a broken reply): final.
    Reply(Error),
}

impl From<Error> for CallError {
    fn from(e: Error) -> Self {
        CallError::Reply(e)
    }
}

/// Makes one `GetObject` call and reads its reply into `chunks`, until the last chunk
/// announced arrived or the stream ended.
pub(crate) async fn call(
    channel: &Channel,
    request: Request<GetRequest>,
    chunks: &mut Chunks,
) -> std::result::Result<(), CallError> {
    let request = http_request(request);
    let mut channel = channel.clone();
    let transport = |e: tonic::transport::Error| CallError::Status(Status::from_error(e.into()));
    poll_fn(|cx| channel.poll_ready(cx))
        .await
        .map_err(transport)?;
    let response = channel.call(request).await.map_err(transport)?;
    if let Some(status) = Status::from_header_map(response.headers()) {
        // A status in the headers: a reply without messages ("trailers only").
        return if status.code() == tonic::Code::Ok {
            Ok(())
        } else {
            Err(CallError::Status(status))
        };
    }
    if response.status() != http::StatusCode::OK {
        return Err(CallError::Status(Status::unavailable(format!(
            "the server answered GetObject with HTTP status {}",
            response.status()
        ))));
    }
    let mut body = response.into_body();
    let mut parser = ReplyParser::default();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(CallError::Status)?;
        match frame.into_data() {
            Ok(data) => {
                if parser.feed(&data, chunks)? {
                    // Read on to the end of the call (the trailers) rather than drop it:
                    // a dropped call is a RST_STREAM, and gRPC servers answer a stream of
                    // resets with GOAWAY ENHANCE_YOUR_CALM (rapid-reset protection),
                    // which would break every call of this client.
                    while let Some(Ok(_)) = body.frame().await {}
                    return Ok(());
                }
            }
            Err(frame) => {
                if let Some(status) = frame.trailers_ref().and_then(Status::from_header_map) {
                    if status.code() != tonic::Code::Ok {
                        return Err(CallError::Status(status));
                    }
                }
            }
        }
    }
    end_of_body(&parser, chunks)
}

/// The body ended before the last chunk announced: Ok when nothing came at all (the
/// caller's `finish` says so), else a retryable failure, so the call is made again from
/// the first chunk missing (a cut relayed as a clean end of the stream must not leave a
/// truncated value).
fn end_of_body(parser: &ReplyParser, chunks: &Chunks) -> std::result::Result<(), CallError> {
    if parser.in_message() || chunks.next_chunk() > 0 {
        return Err(CallError::Status(Status::unavailable(format!(
            "the GetObject reply ended before its last chunk (chunk {} of the object was next)",
            chunks.next_chunk()
        ))));
    }
    Ok(())
}

/// The HTTP/2 request tonic's generated client would send: the metadata as headers, the
/// message in gRPC's length-prefixed framing.
fn http_request(request: Request<GetRequest>) -> http::Request<tonic::body::Body> {
    let (metadata, extensions, message) = request.into_parts();
    let mut framed = BytesMut::with_capacity(5 + message.encoded_len());
    framed.put_u8(0); // not compressed
    framed.put_u32(message.encoded_len() as u32);
    message
        .encode(&mut framed)
        .expect("the buffer was sized for the message");
    let mut http = http::Request::new(tonic::body::Body::new(http_body_util::Full::new(
        framed.freeze(),
    )));
    *http.method_mut() = http::Method::POST;
    *http.uri_mut() = http::Uri::from_static(GET_OBJECT_PATH);
    *http.version_mut() = http::Version::HTTP_2;
    *http.headers_mut() = metadata.into_headers();
    *http.extensions_mut() = extensions;
    let headers = http.headers_mut();
    headers.insert(http::header::TE, http::HeaderValue::from_static("trailers"));
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/grpc"),
    );
    http
}

/// The fields of one `GetResponse` other than its data.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct ReplyFields {
    pub valid: bool,
    pub error: Vec<u8>,
    pub chunk_id: i32,
    pub total_chunks: i32,
    pub total_size: u64,
}

/// Incremental parser of a `GetObject` response body: gRPC messages (a flag byte, a
/// 4-byte big-endian length, the message) holding `GetResponse` protobufs, fed in pieces
/// of any size. The `data` field goes to [`Chunks`] as it arrives; the rest is collected
/// in [`ReplyFields`] and handed over when the message ends. Unknown fields are skipped,
/// as protobuf requires; a repeated field replaces the earlier one, as protobuf says.
#[derive(Debug, Default)]
pub(crate) struct ReplyParser {
    state: State,
    /// Bytes of the current message not read yet.
    left: usize,
    header: [u8; 5],
    header_len: usize,
    varint: u64,
    varint_shift: u32,
    fields: ReplyFields,
}

#[derive(Debug, Default, Clone, Copy)]
enum State {
    /// Reading the 5-byte gRPC message header.
    #[default]
    Header,
    /// Between fields of a message (a message whose bytes are all read ends here).
    Tag,
    /// A varint value of `field` (0: an unknown field, skipped).
    Varint { field: u32 },
    /// The length of a length-delimited `field`.
    Length { field: u32 },
    /// `left` bytes of a length-delimited `field`.
    Payload { field: u32, left: usize },
    /// `left` bytes of a fixed-width unknown field.
    Skip { left: usize },
}

const FIELD_VALID: u32 = 1;
const FIELD_DATA: u32 = 2;
const FIELD_ERROR: u32 = 3;
const FIELD_CHUNK_ID: u32 = 4;
const FIELD_TOTAL_CHUNKS: u32 = 5;
const FIELD_TOTAL_SIZE: u32 = 6;

impl ReplyParser {
    /// True while a message is partly read (the body must not end here).
    pub(crate) fn in_message(&self) -> bool {
        !matches!(self.state, State::Header) || self.header_len > 0
    }

    /// Feeds the next bytes of the body. Ok(true) once the last chunk announced is
    /// complete (the rest of `input` is ignored); errors are final.
    pub(crate) fn feed(&mut self, mut input: &[u8], chunks: &mut Chunks) -> Result<bool> {
        loop {
            if matches!(self.state, State::Tag) && self.left == 0 {
                // Every byte of the message was read: it is complete, even when that
                // happened with no input left (an empty message, say).
                self.state = State::Header;
                if chunks.end_message(std::mem::take(&mut self.fields))? {
                    return Ok(true);
                }
                continue;
            }
            if input.is_empty() {
                return Ok(false);
            }
            match self.state {
                State::Header => {
                    let n = (5 - self.header_len).min(input.len());
                    self.header[self.header_len..self.header_len + n].copy_from_slice(&input[..n]);
                    self.header_len += n;
                    input = &input[n..];
                    if self.header_len == 5 {
                        self.start_message()?;
                    }
                }
                State::Tag => {
                    if let Some(tag) = self.varint(&mut input)? {
                        self.state = field_state(tag)?;
                        if matches!(self.state, State::Skip { left } if left > self.left) {
                            return Err(Error::protocol("a GetResponse ends inside a field"));
                        }
                    }
                }
                State::Varint { field } => {
                    if let Some(v) = self.varint(&mut input)? {
                        // As prost reads them: int32 truncates, bool is "not zero".
                        match field {
                            FIELD_VALID => self.fields.valid = v != 0,
                            FIELD_CHUNK_ID => self.fields.chunk_id = v as i32,
                            FIELD_TOTAL_CHUNKS => self.fields.total_chunks = v as i32,
                            FIELD_TOTAL_SIZE => self.fields.total_size = v,
                            _ => {}
                        }
                        self.state = State::Tag;
                    }
                }
                State::Length { field } => {
                    if let Some(len) = self.varint(&mut input)? {
                        let len = usize::try_from(len)
                            .ok()
                            .filter(|&len| len <= self.left)
                            .ok_or_else(|| {
                                Error::protocol("a GetResponse field is longer than its message")
                            })?;
                        match field {
                            FIELD_DATA => chunks.start_data(len),
                            FIELD_ERROR => {
                                self.fields.error.clear();
                                self.fields.error.reserve(len);
                            }
                            _ => {}
                        }
                        self.state = State::Payload { field, left: len };
                    }
                }
                State::Payload { field, left } => {
                    let (piece, rest) = input.split_at(left.min(input.len()));
                    match field {
                        FIELD_DATA => chunks.write_data(piece),
                        FIELD_ERROR => self.fields.error.extend_from_slice(piece),
                        _ => {}
                    }
                    self.consumed(piece.len(), left, |left| State::Payload { field, left });
                    input = rest;
                }
                State::Skip { left } => {
                    let n = left.min(input.len());
                    self.consumed(n, left, |left| State::Skip { left });
                    input = &input[n..];
                }
            }
        }
    }

    /// The 5-byte header is complete: checks it and starts the message.
    fn start_message(&mut self) -> Result<()> {
        self.header_len = 0;
        if self.header[0] != 0 {
            return Err(Error::protocol(
                "the server compressed a GetObject reply although no compression was offered",
            ));
        }
        let len = u32::from_be_bytes([
            self.header[1],
            self.header[2],
            self.header[3],
            self.header[4],
        ]) as usize;
        if len > MAX_MESSAGE_SIZE {
            return Err(Error::protocol(format!(
                "a GetObject reply message of {len} bytes is over the {MAX_MESSAGE_SIZE}-byte limit"
            )));
        }
        self.left = len;
        self.state = State::Tag;
        Ok(())
    }

    /// `n` bytes of a field with `left` bytes to go were read.
    fn consumed(&mut self, n: usize, left: usize, more: impl FnOnce(usize) -> State) {
        self.left -= n;
        self.state = if n == left {
            State::Tag
        } else {
            more(left - n)
        };
    }

    /// Reads a varint across pieces: Some(value) once its last byte was read.
    fn varint(&mut self, input: &mut &[u8]) -> Result<Option<u64>> {
        while let Some((&byte, rest)) = input.split_first() {
            if self.left == 0 {
                return Err(Error::protocol("a GetResponse ends inside a field"));
            }
            if self.varint_shift >= 64 {
                return Err(Error::protocol(
                    "a GetResponse varint is longer than 10 bytes",
                ));
            }
            *input = rest;
            self.left -= 1;
            self.varint |= u64::from(byte & 0x7f) << self.varint_shift;
            self.varint_shift += 7;
            if byte & 0x80 == 0 {
                let value = std::mem::take(&mut self.varint);
                self.varint_shift = 0;
                return Ok(Some(value));
            }
        }
        Ok(None)
    }
}

/// What follows a field's tag.
fn field_state(tag: u64) -> Result<State> {
    let field = u32::try_from(tag >> 3)
        .ok()
        .filter(|&f| f != 0)
        .ok_or_else(|| Error::protocol(format!("a GetResponse has the invalid tag {tag}")))?;
    let known = matches!(
        field,
        FIELD_VALID
            | FIELD_DATA
            | FIELD_ERROR
            | FIELD_CHUNK_ID
            | FIELD_TOTAL_CHUNKS
            | FIELD_TOTAL_SIZE
    );
    let length_delimited = matches!(field, FIELD_DATA | FIELD_ERROR);
    Ok(match (tag & 7, known) {
        (0, true) if !length_delimited => State::Varint { field },
        (2, true) if length_delimited => State::Length { field },
        (_, true) => {
            return Err(Error::protocol(format!(
                "GetResponse field {field} has the wrong wire type {}",
                tag & 7
            )))
        }
        (0, false) => State::Varint { field: 0 },
        (1, false) => State::Skip { left: 8 },
        (2, false) => State::Length { field: 0 },
        (5, false) => State::Skip { left: 4 },
        (wire, false) => {
            return Err(Error::protocol(format!(
                "a GetResponse has an unknown field {field} of unsupported wire type {wire}"
            )))
        }
    })
}

/// Assembles the chunks of one get reply, across the retries of a get: a retry asks
/// for [`next_chunk`](Self::next_chunk) on, and chunks the server sends again are
/// skipped. The data of each message arrives before the fields that say which chunk it
/// is, so it is written provisionally and kept or dropped when the message ends.
#[derive(Debug, Default)]
pub(crate) struct Chunks {
    /// Several chunks: the buffer they are written into, and how much of it is kept.
    buffer: Option<ReceiveBuffer>,
    kept: usize,
    /// One chunk so far, kept as parsed, so a single-chunk reply is not copied again.
    single: Option<Bytes>,
    /// The current message's data while there is no buffer yet (the first chunk).
    staged: BytesMut,
    next_chunk: i32,
    /// The server's refusal: its pickled exception, for the caller to read (this layer
    /// moves bytes; it does not interpret Python exceptions).
    refused: Option<Bytes>,
    /// The caller's progress, updated as bytes arrive.
    progress: Option<Arc<Tracker>>,
    /// The object's size, once a first chunk said it.
    total: u64,
}

impl Chunks {
    /// Chunks whose arrival `progress` follows.
    pub(crate) fn tracked(progress: Option<Arc<Tracker>>) -> Chunks {
        Chunks {
            progress,
            ..Chunks::default()
        }
    }

    /// Bytes of the object received so far, for the progress.
    fn report(&self) {
        if let Some(p) = &self.progress {
            let received = match &self.buffer {
                Some(buffer) => buffer.len(),
                None => self.staged.len() + self.single.as_ref().map_or(0, Bytes::len),
            };
            p.set(received as u64, self.total);
        }
    }

    /// The id of the first chunk not received yet.
    pub(crate) fn next_chunk(&self) -> i32 {
        self.next_chunk
    }

    /// The current message has a data field of `len` bytes (a second one replaces it).
    pub(crate) fn start_data(&mut self, len: usize) {
        match &mut self.buffer {
            Some(buffer) => buffer.truncate(self.kept),
            None => self.staged = BytesMut::with_capacity(len),
        }
    }

    /// The next bytes of the current message's data.
    pub(crate) fn write_data(&mut self, piece: &[u8]) {
        match &mut self.buffer {
            Some(buffer) => buffer.extend_from_slice(piece),
            None => self.staged.extend_from_slice(piece),
        }
        self.report();
    }

    /// The current message ended with `fields`; true when it was the last chunk.
    pub(crate) fn end_message(&mut self, fields: ReplyFields) -> Result<bool> {
        if !fields.valid {
            // A final answer: the get failed on the server.
            self.refused = Some(Bytes::from(fields.error));
            return Ok(true);
        }
        if fields.chunk_id != self.next_chunk {
            self.drop_data();
            if fields.chunk_id < self.next_chunk {
                return Ok(false); // Re-sent after a retry.
            }
            return Err(Error::protocol(format!(
                "get received chunk {} when chunk {} was expected",
                fields.chunk_id, self.next_chunk
            )));
        }
        self.next_chunk = self
            .next_chunk
            .checked_add(1)
            .ok_or_else(|| Error::protocol("get received more chunks than an i32 counts"))?;
        self.total = fields.total_size;
        let data = std::mem::take(&mut self.staged).freeze();
        match &mut self.buffer {
            Some(buffer) => self.kept = buffer.len(),
            None if fields.total_chunks <= 1 && self.single.is_none() => self.single = Some(data),
            None => {
                // The first of several chunks: a buffer of the announced size (no more
                // than the chunks can prove; ReceiveBuffer bounds the rest).
                let announced = usize::try_from(fields.total_size).unwrap_or(usize::MAX);
                let proven = data
                    .len()
                    .saturating_mul(fields.total_chunks.max(1) as usize);
                let mut buffer = ReceiveBuffer::with_capacity(announced.min(proven));
                if let Some(first) = self.single.take() {
                    buffer.extend_from_slice(&first);
                }
                buffer.extend_from_slice(&data);
                self.kept = buffer.len();
                self.buffer = Some(buffer);
            }
        }
        self.report();
        Ok(self.next_chunk >= fields.total_chunks)
    }

    /// Forgets the current message's data.
    fn drop_data(&mut self) {
        match &mut self.buffer {
            Some(buffer) => buffer.truncate(self.kept),
            None => self.staged.clear(),
        }
    }

    /// Takes one whole message (a chunk of an asynchronous get); true when it was the
    /// last chunk.
    pub(crate) fn push(&mut self, chunk: GetResponse) -> Result<bool> {
        if chunk.valid
            && chunk.total_chunks <= 1
            && chunk.chunk_id == self.next_chunk
            && self.buffer.is_none()
            && self.single.is_none()
        {
            // The common small object: kept as decoded, without a copy.
            self.next_chunk += 1;
            self.single = Some(chunk.data);
            return Ok(true);
        }
        self.start_data(chunk.data.len());
        self.write_data(&chunk.data);
        self.end_message(ReplyFields {
            valid: chunk.valid,
            error: chunk.error.to_vec(),
            chunk_id: chunk.chunk_id,
            total_chunks: chunk.total_chunks,
            total_size: chunk.total_size,
        })
    }

    /// The whole reply, once the last chunk came or the stream ended.
    /// The object's bytes, or `Err(exception)`: the server's pickled exception when it
    /// refused the get (the caller decodes it).
    pub(crate) fn finish(self) -> Result<std::result::Result<Bytes, Bytes>> {
        if let Some(exception) = self.refused {
            return Ok(Err(exception));
        }
        match (self.buffer, self.single) {
            (Some(buffer), _) => {
                let mut buffer = buffer;
                buffer.truncate(self.kept);
                Ok(Ok(buffer.freeze()))
            }
            (None, Some(b)) => Ok(Ok(b)),
            (None, None) => Err(Error::protocol("get ended without data")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn framed(messages: &[GetResponse]) -> Vec<u8> {
        let mut out = Vec::new();
        for m in messages {
            let bytes = m.encode_to_vec();
            out.push(0);
            out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
            out.extend_from_slice(&bytes);
        }
        out
    }

    fn chunked(data: &[u8], size: usize) -> Vec<GetResponse> {
        let mut parts: Vec<&[u8]> = data.chunks(size).collect();
        if parts.is_empty() {
            parts.push(&[]); // An empty object is one empty chunk.
        }
        parts
            .iter()
            .enumerate()
            .map(|(i, p)| GetResponse {
                valid: true,
                data: Bytes::copy_from_slice(p),
                chunk_id: i as i32,
                total_chunks: parts.len() as i32,
                total_size: data.len() as u64,
                ..Default::default()
            })
            .collect()
    }

    /// Feeds `body` in pieces of the given sizes (cycled); the outcome of the parse.
    fn parse(body: &[u8], sizes: &[usize]) -> Result<(bool, Chunks)> {
        let (mut parser, mut chunks) = (ReplyParser::default(), Chunks::default());
        let mut rest = body;
        for &size in sizes.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (piece, more) = rest.split_at(size.min(rest.len()));
            rest = more;
            if parser.feed(piece, &mut chunks)? {
                return Ok((true, chunks));
            }
        }
        Ok((parser.in_message(), chunks))
    }

    #[test]
    fn any_split_of_the_body_gives_what_whole_messages_give() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for round in 0..300 {
            let len = rng.random_range(0..5000);
            let data: Vec<u8> = (0..len).map(|_| rng.random()).collect();
            let messages = chunked(&data, rng.random_range(1..700));
            let body = framed(&messages);
            let sizes: Vec<usize> = (0..5).map(|_| rng.random_range(1..64)).collect();
            let (last, chunks) = parse(&body, &sizes).unwrap();
            assert!(last, "round {round}: the last chunk was not seen");
            let mut whole = Chunks::default();
            for m in messages {
                whole.push(m).unwrap();
            }
            let expected = whole.finish().unwrap().unwrap();
            assert_eq!(chunks.finish().unwrap().unwrap(), expected, "round {round}");
            assert_eq!(&expected[..], &data[..]);
        }
    }

    #[test]
    fn a_chunk_sent_again_is_skipped_and_a_gap_is_an_error() {
        let messages = chunked(&[1, 2, 3, 4, 5, 6], 2);
        let resent = [&messages[..2], &messages[1..]].concat();
        let (last, chunks) = parse(&framed(&resent), &[3]).unwrap();
        assert!(last);
        assert_eq!(&chunks.finish().unwrap().unwrap()[..], &[1, 2, 3, 4, 5, 6]);
        let gap = [messages[0].clone(), messages[2].clone()];
        let err = parse(&framed(&gap), &[1]).err().unwrap();
        assert!(err.to_string().contains("chunk 2 when chunk 1"), "{err}");
    }

    #[test]
    fn a_retry_continues_in_the_same_buffer() {
        let messages = chunked(&[9u8; 100], 10);
        let (mut parser, mut chunks) = (ReplyParser::default(), Chunks::default());
        let body = framed(&messages[..4]);
        // The connection breaks in the middle of the fifth message's header.
        assert!(!parser.feed(&body, &mut chunks).unwrap());
        assert_eq!(chunks.next_chunk(), 4);
        // The retry asks from chunk 4; the server sends 3 again first.
        let mut parser = ReplyParser::default();
        assert!(parser.feed(&framed(&messages[3..]), &mut chunks).unwrap());
        assert_eq!(&chunks.finish().unwrap().unwrap()[..], &[9u8; 100]);
    }

    #[test]
    fn unknown_fields_are_skipped_and_repeated_fields_replace() {
        let mut msg = GetResponse {
            valid: true,
            data: Bytes::from_static(b"first"),
            total_chunks: 1,
            ..Default::default()
        }
        .encode_to_vec();
        // field 9 varint, field 10 fixed64, field 11 bytes, field 12 fixed32, data again.
        msg.extend_from_slice(&[9 << 3, 0x96, 0x01]);
        msg.extend_from_slice(&[(10 << 3) | 1, 1, 2, 3, 4, 5, 6, 7, 8]);
        msg.extend_from_slice(&[(11 << 3) | 2, 3, b'x', b'y', b'z']);
        msg.extend_from_slice(&[(12 << 3) | 5, 1, 2, 3, 4]);
        msg.extend_from_slice(&[(2 << 3) | 2, 6]);
        msg.extend_from_slice(b"second");
        let mut body = vec![0];
        body.extend_from_slice(&(msg.len() as u32).to_be_bytes());
        body.extend_from_slice(&msg);
        for step in [1, 2, 5, body.len()] {
            let (last, chunks) = parse(&body, &[step]).unwrap();
            assert!(last);
            assert_eq!(&chunks.finish().unwrap().unwrap()[..], b"second");
        }
    }

    #[test]
    fn broken_bodies_are_errors_not_panics() {
        let ok = framed(&chunked(b"abc", 3));
        let mut compressed = ok.clone();
        compressed[0] = 1;
        let e = parse(&compressed, &[100]).err().unwrap();
        assert!(e.to_string().contains("compressed"), "{e}");
        // data (field 2) as a varint
        let e = parse(&[0, 0, 0, 0, 2, 2 << 3, 1], &[1]).err().unwrap();
        assert!(e.to_string().contains("wire type"), "{e}");
        // a field longer than its message
        let e = parse(&[0, 0, 0, 0, 3, (2 << 3) | 2, 50, 1], &[1])
            .err()
            .unwrap();
        assert!(e.to_string().contains("longer than its message"), "{e}");
        // a varint running past the message
        let e = parse(&[0, 0, 0, 0, 2, 4 << 3, 0x80, 0x80], &[1])
            .err()
            .unwrap();
        assert!(e.to_string().contains("inside a field"), "{e}");
        // an 11-byte varint
        let mut long = vec![0, 0, 0, 0, 12, 4 << 3];
        long.extend_from_slice(&[0xff; 11]);
        let e = parse(&long, &[4]).err().unwrap();
        assert!(e.to_string().contains("10 bytes"), "{e}");
        // a fixed64 unknown field running past the message
        let e = parse(&[0, 0, 0, 0, 3, (10 << 3) | 1, 1, 2], &[1])
            .err()
            .unwrap();
        assert!(e.to_string().contains("inside a field"), "{e}");
        // field number 0, and a group
        assert!(parse(&[0, 0, 0, 0, 1, 0], &[1]).is_err());
        assert!(parse(&[0, 0, 0, 0, 1, (9 << 3) | 3], &[1]).is_err());
        // over the message size limit
        assert!(parse(&[0, 0xff, 0xff, 0xff, 0xff], &[5]).is_err());
        // a body cut inside a message: not the last chunk, and still in a message
        let (last, _) = parse(&ok[..ok.len() - 1], &[7]).unwrap();
        assert!(last, "in_message reported for a cut body");
    }

    #[test]
    fn a_body_that_ends_early_is_retried_from_the_missing_chunk() {
        let messages = chunked(&[3u8; 30], 10);
        let body = framed(&messages);
        let (mut parser, mut chunks) = (ReplyParser::default(), Chunks::default());
        assert!(end_of_body(&parser, &chunks).is_ok()); // nothing came: finish() decides
                                                        // Two whole chunks, then the end of the stream.
        let two = body.len() * 2 / 3;
        assert!(!parser.feed(&body[..two], &mut chunks).unwrap());
        let Err(CallError::Status(s)) = end_of_body(&parser, &chunks) else {
            panic!("an incomplete reply was accepted");
        };
        assert!(crate::connection::is_transient(&s), "{s:?}");
        // Part of a message, then the end.
        assert!(!parser.feed(&body[two..two + 3], &mut chunks).unwrap());
        assert!(end_of_body(&parser, &chunks).is_err());
    }

    #[test]
    fn an_empty_message_is_an_invalid_reply() {
        // All fields at their defaults: valid = false, no error pickle. A final answer,
        // a refusal whose (empty) exception the object layer then fails to read.
        let (done, chunks) = parse(&[0, 0, 0, 0, 0], &[5]).unwrap();
        assert!(done);
        let exception = chunks.finish().unwrap().unwrap_err();
        let e = crate::remote_error::from_pickle(&exception, "get");
        assert!(e.message().contains("could not be decoded"), "{e}");
    }

    #[test]
    fn a_single_chunk_reply_is_not_copied_again() {
        let messages = chunked(&[4u8; 1000], 1000);
        let (last, chunks) = parse(&framed(&messages), &[10_000]).unwrap();
        assert!(last);
        assert!(chunks.buffer.is_none() && chunks.single.is_some());
    }
}
