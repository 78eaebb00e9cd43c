//! What rayc's commands share: reading JSON options, printing tables and times, the
//! upload progress line.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ray_client::dashboard::jobs::{UploadProgress, UploadProgressFn};
use ray_client::{Error, ErrorKind};
use serde_json::Value as Json;

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidArgument, message)
}

/// A JSON object from an option's text.
pub fn json_object(text: &str, what: &str) -> Result<Json, Error> {
    match serde_json::from_str::<Json>(text) {
        Ok(v @ Json::Object(_)) => Ok(v),
        Ok(_) => Err(invalid(format!("{what} must be a JSON object"))),
        Err(e) => Err(invalid(format!("{what} is not valid JSON: {e}"))),
    }
}

/// A JSON object of strings (headers, metadata, label selectors).
pub fn string_map(text: &str, what: &str) -> Result<BTreeMap<String, String>, Error> {
    let Json::Object(map) = json_object(text, what)? else {
        unreachable!("json_object returns objects")
    };
    map.into_iter()
        .map(|(k, v)| match v {
            Json::String(s) => Ok((k, s)),
            _ => Err(invalid(format!(
                "{what}: the value of {k:?} must be a string"
            ))),
        })
        .collect()
}

/// A JSON object of numbers (custom resources).
pub fn number_map(text: &str, what: &str) -> Result<BTreeMap<String, f64>, Error> {
    let Json::Object(map) = json_object(text, what)? else {
        unreachable!("json_object returns objects")
    };
    map.into_iter()
        .map(|(k, v)| match v.as_f64() {
            Some(n) => Ok((k, n)),
            None => Err(invalid(format!(
                "{what}: the value of {k:?} must be a number"
            ))),
        })
        .collect()
}

/// A positive number of seconds from an option.
pub fn seconds(s: f64, what: &str) -> Result<Duration, Error> {
    match s > 0.0 && s.is_finite() {
        true => Ok(Duration::from_secs_f64(s)),
        false => Err(invalid(format!(
            "{what} must be a number of seconds above 0"
        ))),
    }
}

pub fn pretty(v: &Json) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

/// The longest cell a table shows (`--json` shows everything).
const CELL_CHARS: usize = 100;

/// A table cell: strings bare, nothing for null, other values as compact JSON; on one
/// line (a failed job's message holds its last log lines), cut at [`CELL_CHARS`].
pub fn cell(v: Option<&Json>) -> String {
    let text = match v {
        None | Some(Json::Null) => return String::new(),
        Some(Json::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    };
    let one_line: String = text
        .trim_end()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match one_line.char_indices().nth(CELL_CHARS) {
        Some((at, _)) => format!("{}...", &one_line[..at]),
        None => one_line,
    }
}

/// Python's `shlex.join`: each word quoted for a POSIX shell when it needs it.
pub fn shell_join(words: &[String]) -> String {
    let quote = |w: &String| {
        let safe = |c: char| c.is_alphanumeric() || "@%+=:,./-_".contains(c);
        if !w.is_empty() && w.chars().all(safe) {
            w.clone()
        } else {
            format!("'{}'", w.replace('\'', r#"'"'"'"#))
        }
    };
    words.iter().map(quote).collect::<Vec<_>>().join(" ")
}

pub fn duration(d: Duration) -> String {
    match d.as_secs_f64() {
        s if s < 1.0 => format!("{:.0} ms", s * 1e3),
        s => format!("{s:.2} s"),
    }
}

/// Unix milliseconds as `YYYY-MM-DD HH:MM:SS` UTC.
pub fn unix_ms(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's days-to-civil, for days since 1970-01-01.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Columns aligned with two spaces between them, headers first.
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Table {
        Table {
            rows: vec![headers.iter().map(|h| h.to_string()).collect()],
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn print(&self) {
        let columns = self.rows[0].len();
        let widths: Vec<usize> = (0..columns)
            .map(|i| {
                self.rows
                    .iter()
                    .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = std::io::stdout().lock();
        for row in &self.rows {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                if i + 1 == columns {
                    line.push_str(cell);
                } else {
                    line.push_str(&format!("{cell:<w$}  ", w = widths[i]));
                }
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
}

/// Tells on stderr how package uploads go: a line redrawn at most 10 times a second on
/// a terminal, else a line when each package starts and ends.
pub fn upload_progress() -> UploadProgressFn {
    let tty = std::io::stderr().is_terminal();
    let last = Mutex::new(None::<Instant>);
    Arc::new(move |p: &UploadProgress| {
        let done = p.sent >= p.total;
        let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
        let first = last.is_none();
        if tty {
            if !done && last.is_some_and(|t| t.elapsed() < Duration::from_millis(100)) {
                return;
            }
            let pct = (p.sent * 100).checked_div(p.total).unwrap_or(100);
            eprint!(
                "\rUploading {} as {}: {} / {} ({pct}%)",
                p.what,
                p.uri,
                bytes(p.sent),
                bytes(p.total)
            );
            if done {
                eprintln!();
            }
        } else if first || done {
            eprintln!(
                "Uploading {} as {}: {} / {}",
                p.what,
                p.uri,
                bytes(p.sent),
                bytes(p.total)
            );
        }
        *last = if done { None } else { Some(Instant::now()) };
    })
}

/// A size for people: `512 B`, `3.4 KiB`, `12.0 MiB`, `1.50 GiB`.
pub fn bytes(n: u64) -> String {
    const KIB: f64 = 1024.0;
    let f = n as f64;
    match n {
        n if n < 1024 => format!("{n} B"),
        n if n < 1 << 20 => format!("{:.1} KiB", f / KIB),
        n if n < 1 << 30 => format!("{:.1} MiB", f / (KIB * KIB)),
        _ => format!("{:.2} GiB", f / (KIB * KIB * KIB)),
    }
}
