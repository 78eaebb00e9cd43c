//! Zipping a package's entries in memory, up to the size limit.

use super::*;

pub(super) fn zip_entries(entries: &[Entry], max: u64, what: &str) -> Result<Vec<u8>> {
    let zip_failed =
        |e: zip::result::ZipError| Error::internal(format!("{what}: zipping failed: {e}"));
    let mut zip = ZipWriter::new(Capped::new(max));
    for e in entries {
        match e.len {
            None => zip
                .add_directory(
                    e.name.as_str(),
                    SimpleFileOptions::default().unix_permissions(e.mode),
                )
                .map_err(zip_failed)?,
            Some(len) => {
                let options = SimpleFileOptions::default()
                    .compression_method(CompressionMethod::Deflated)
                    // Fast deflate: most of the gain of compression for little CPU.
                    .compression_level(Some(1))
                    .unix_permissions(e.mode)
                    .large_file(len >= u64::from(u32::MAX));
                zip.start_file(e.name.as_str(), options)
                    .map_err(zip_failed)?;
                let mut file =
                    fs::File::open(&e.path).map_err(|err| cannot_read(what, &e.path, &err))?;
                // Writing never fails (Capped only counts past the limit), so an error
                // here is a read error.
                io::copy(&mut file, &mut zip).map_err(|err| cannot_read(what, &e.path, &err))?;
            }
        }
    }
    let out = zip.finish().map_err(zip_failed)?;
    if out.len >= max {
        return Err(too_large(what, out.len, max));
    }
    Ok(out.data)
}

/// An in-memory zip that stops keeping bytes once it reaches the size limit but goes on
/// counting, so the error can say how large the package is without holding all of it.
pub(super) struct Capped {
    pub(super) data: Vec<u8>,
    pub(super) pos: u64,
    pub(super) len: u64,
    pub(super) cap: u64,
    pub(super) over: bool,
}

impl Capped {
    pub(super) fn new(cap: u64) -> Self {
        Capped {
            data: Vec::new(),
            pos: 0,
            len: 0,
            cap,
            over: false,
        }
    }
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let end = self.pos + buf.len() as u64;
        if !self.over && end >= self.cap {
            self.over = true;
            self.data = Vec::new();
        }
        if !self.over {
            let (start, end) = (self.pos as usize, end as usize);
            if self.data.len() < end {
                self.data.resize(end, 0);
            }
            self.data[start..end].copy_from_slice(buf);
        }
        self.pos = end;
        self.len = self.len.max(end);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for Capped {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let pos = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = pos.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "bad seek"))?;
        Ok(self.pos)
    }
}
