//! A small CSV writer (RFC 4180 quoting): the files are simple tables and a
//! dependency would buy nothing but a second way to spell a row.

use crate::error::ExportError;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

pub(crate) struct CsvWriter {
    path: PathBuf,
    out: BufWriter<File>,
    rows: usize,
}

/// A field, quoted when it holds a comma, a quote or a line break.
pub(crate) fn field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

impl CsvWriter {
    /// Creates `path` and writes the header row.
    pub(crate) fn create(path: &Path, header: &[&str]) -> Result<CsvWriter, ExportError> {
        let file = File::create(path).map_err(ExportError::write(path))?;
        let mut w = CsvWriter {
            path: path.to_path_buf(),
            out: BufWriter::new(file),
            rows: 0,
        };
        w.row(header)?;
        w.rows = 0;
        Ok(w)
    }

    pub(crate) fn row<S: AsRef<str>>(&mut self, fields: &[S]) -> Result<(), ExportError> {
        let line: Vec<_> = fields.iter().map(|f| field(f.as_ref())).collect();
        self.rows += 1;
        writeln!(self.out, "{}", line.join(",")).map_err(ExportError::write(&self.path))
    }

    /// Flushes and returns the number of data rows written.
    pub(crate) fn finish(mut self) -> Result<usize, ExportError> {
        self.out.flush().map_err(ExportError::write(&self.path))?;
        Ok(self.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn quotes_only_what_needs_it() {
        for (raw, want) in [
            ("plain", "plain"),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("two\nlines", "\"two\nlines\""),
            ("", ""),
        ] {
            assert_eq!(field(raw), want, "{raw:?}");
        }
    }
}
