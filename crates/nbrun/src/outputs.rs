//! Mapping iopub messages to nbformat outputs, once, plus text helpers
//! (ANSI stripping, panic detection) used to judge a cell.

use jupyter_protocol::{JupyterMessageContent, Stdio};
use nbformat::v4::{self, MultilineString, Output};

/// Remove ANSI escape sequences (CSI `ESC[…X` and OSC `ESC]…BEL`) from `text`.
///
/// Hand-written rather than the `strip-ansi-escapes` crate: that crate (0.2, a `vte` parser)
/// also drops every C0 control but `\n`, so tabs and `\r` in a traceback, a panic message or
/// a saved `error` output would vanish (the test below checks that they survive).
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('[') => {
                chars.next();
                // Parameters and intermediates, then one final byte in '@'..='~'.
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                chars.next();
                while let Some(c) = chars.next() {
                    if c == '\u{7}' {
                        break;
                    }
                    if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                        chars.next();
                        break;
                    }
                }
            }
            Some(_) => {
                chars.next();
            }
            None => {}
        }
    }
    out
}

/// If `stderr` holds a Rust panic report, return it (the `panicked at` line and the
/// message lines after it, up to the backtrace note).
///
/// evcxr reports a panic with reply status "ok" and the text on stderr, so this is
/// how a runner notices it.
pub fn find_panic(stderr: &str) -> Option<String> {
    let clean = strip_ansi(stderr);
    let lines: Vec<&str> = clean.lines().collect();
    let start = lines.iter().position(|l| l.contains("panicked at"))?;
    let mut report = vec![lines[start].trim_end()];
    for line in &lines[start + 1..] {
        let t = line.trim_start();
        if t.starts_with("note: run with `RUST_BACKTRACE")
            || t.starts_with("stack backtrace:")
            || report.len() >= 6
        {
            break;
        }
        report.push(line.trim_end());
    }
    while report.last().is_some_and(|l| l.trim().is_empty()) {
        report.pop();
    }
    Some(report.join("\n"))
}

/// evcxr's marker for "the execution subprocess died" (e.g. `std::process::exit`, abort, OOM kill).
pub const SUBPROCESS_TERMINATED: &str = "Subprocess terminated";

/// What evcxr reports when its subprocess's stdout holds a line that is not UTF-8.
pub const INVALID_UTF8: &str = "did not contain valid UTF-8";

/// The outputs of one cell, built from its iopub messages.
#[derive(Debug, Default)]
pub(crate) struct OutputCollector {
    /// nbformat outputs, with consecutive same-name streams merged.
    pub outputs: Vec<Output>,
    /// All stderr text of the cell, for panic detection.
    pub stderr: String,
    /// `execution_count` announced by `execute_input` or `execute_result`.
    pub execution_count: Option<i32>,
    /// `error` outputs, in order (ename, evalue, traceback without ANSI).
    pub errors: Vec<v4::ErrorOutput>,
    /// `clear_output(wait=True)` is pending until the next output arrives.
    clear_pending: bool,
}

impl OutputCollector {
    fn before_output(&mut self) {
        if self.clear_pending {
            self.outputs.clear();
            self.clear_pending = false;
        }
    }

    fn push_stream(&mut self, name: &str, text: &str) {
        self.before_output();
        if let Some(Output::Stream {
            name: last_name,
            text: last_text,
        }) = self.outputs.last_mut()
        {
            if last_name == name {
                last_text.0.push_str(text);
                return;
            }
        }
        self.outputs.push(Output::Stream {
            name: name.to_string(),
            text: MultilineString(text.to_string()),
        });
    }

    /// Take one iopub message content that belongs to this cell.
    pub fn accept(&mut self, content: &JupyterMessageContent) {
        match content {
            JupyterMessageContent::StreamContent(stream) => {
                let name = match stream.name {
                    Stdio::Stdout => "stdout",
                    Stdio::Stderr => {
                        self.stderr.push_str(&stream.text);
                        "stderr"
                    }
                };
                self.push_stream(name, &stream.text);
            }
            JupyterMessageContent::ExecuteResult(result) => {
                self.before_output();
                let count = result.execution_count.value() as i32;
                self.execution_count = Some(count);
                self.outputs.push(Output::ExecuteResult(v4::ExecuteResult {
                    execution_count: result.execution_count,
                    data: result.data.clone(),
                    metadata: result.metadata.clone(),
                }));
            }
            JupyterMessageContent::DisplayData(display) => {
                self.before_output();
                self.outputs.push(Output::DisplayData(v4::DisplayData {
                    data: display.data.clone(),
                    metadata: display.metadata.clone(),
                }));
            }
            JupyterMessageContent::UpdateDisplayData(_) => {
                // evcxr never sends these, and display ids are not kept in nbformat
                // outputs; an update has no target to replace here.
            }
            JupyterMessageContent::ErrorOutput(error) => {
                self.before_output();
                let output = v4::ErrorOutput {
                    ename: error.ename.clone(),
                    evalue: error.evalue.clone(),
                    traceback: error.traceback.clone(),
                };
                self.errors.push(v4::ErrorOutput {
                    ename: strip_ansi(&error.ename),
                    evalue: strip_ansi(&error.evalue),
                    traceback: error.traceback.iter().map(|l| strip_ansi(l)).collect(),
                });
                self.outputs.push(Output::Error(output));
            }
            JupyterMessageContent::ExecuteInput(input) => {
                self.execution_count = Some(input.execution_count.value() as i32);
            }
            JupyterMessageContent::ClearOutput(clear) => {
                if clear.wait {
                    self.clear_pending = true;
                } else {
                    self.outputs.clear();
                    self.clear_pending = false;
                }
            }
            _ => {}
        }
    }

    /// If an `error` output says evcxr's subprocess died, its message.
    pub fn subprocess_terminated(&self) -> Option<String> {
        self.errors.iter().find_map(|e| {
            let all = format!("{}\n{}", e.evalue, e.traceback.join("\n"));
            all.contains(SUBPROCESS_TERMINATED)
                .then(|| first_lines(&e.evalue, 8))
        })
    }

    /// `Some(explanation)` when evcxr lost its place in the cell's stdout.
    ///
    /// evcxr reads its execution subprocess's stdout line by line as UTF-8. A line that is
    /// not UTF-8 ends the cell with the error "stream did not contain valid UTF-8" and leaves
    /// the rest of that cell's output, including its end marker, unread in the pipe: from then
    /// on every cell receives the previous cell's output (issue 18). The session cannot
    /// recover; the outputs of later cells would be saved under the wrong cells.
    pub fn stdout_desync(&self) -> Option<String> {
        self.errors.iter().find_map(|e| {
            let all = format!("{}\n{}", e.evalue, e.traceback.join("\n"));
            all.contains(INVALID_UTF8).then(|| {
                "the cell printed bytes that are not UTF-8 to stdout, and evcxr lost its place \
                 in the output: from here on every cell's output would arrive one cell late, \
                 so nbrun stopped rather than save outputs under the wrong cells. Print text \
                 (e.g. String::from_utf8_lossy(&bytes)) or the bytes as numbers ({:?}), then \
                 restart the kernel: its variables are lost."
                    .to_string()
            })
        })
    }

    /// A one-paragraph description of the first `error` output (ANSI removed).
    pub fn error_message(&self) -> Option<String> {
        let e = self.errors.first()?;
        let mut msg = if e.ename.is_empty() || e.ename == "Error" {
            e.evalue.trim().to_string()
        } else {
            format!("{}: {}", e.ename, e.evalue.trim())
        };
        let traceback: Vec<&str> = e
            .traceback
            .iter()
            .flat_map(|l| l.lines())
            .filter(|l| !l.trim().is_empty())
            .collect();
        if !traceback.is_empty() {
            msg.push('\n');
            for line in traceback.iter().take(12) {
                msg.push_str("    ");
                msg.push_str(line);
                msg.push('\n');
            }
            if traceback.len() > 12 {
                msg.push_str(&format!("    … ({} more lines)\n", traceback.len() - 12));
            }
        }
        if self.errors.len() > 1 {
            msg.push_str(&format!("  (and {} more errors)", self.errors.len() - 1));
        }
        Some(msg.trim_end().to_string())
    }
}

fn first_lines(text: &str, n: usize) -> String {
    text.lines().take(n).collect::<Vec<_>>().join("\n")
}

/// Plain text of an output: stream text, or the `text/plain` of a rich output,
/// or `ename: evalue` of an error.
pub fn output_text(output: &Output) -> String {
    match output {
        Output::Stream { text, .. } => text.0.clone(),
        Output::ExecuteResult(r) => media_text(&r.data, "text/plain").unwrap_or_default(),
        Output::DisplayData(d) => media_text(&d.data, "text/plain").unwrap_or_default(),
        Output::Error(e) => format!("{}: {}", e.ename, strip_ansi(&e.evalue)),
    }
}

/// The MIME types carried by an output (`stream` and `error` have none).
pub fn output_mime_types(output: &Output) -> Vec<String> {
    let media = match output {
        Output::ExecuteResult(r) => &r.data,
        Output::DisplayData(d) => &d.data,
        _ => return Vec::new(),
    };
    media
        .content
        .iter()
        .map(|m| m.mime_type().to_string())
        .collect()
}

/// The data of `mime` in a media bundle, as text (JSON types are serialised).
pub fn media_text(media: &jupyter_protocol::Media, mime: &str) -> Option<String> {
    use jupyter_protocol::MediaType;
    let item = media.content.iter().find(|m| m.mime_type() == mime)?;
    let value = match item {
        MediaType::Plain(s)
        | MediaType::Html(s)
        | MediaType::Latex(s)
        | MediaType::Javascript(s)
        | MediaType::Markdown(s)
        | MediaType::Svg(s)
        | MediaType::Png(s)
        | MediaType::Jpeg(s)
        | MediaType::Gif(s) => return Some(s.clone()),
        MediaType::Other((_, value)) => value.clone(),
        // JSON-valued types serialise as {"type": mime, "data": value}.
        other => serde_json::to_value(other).ok()?.get("data")?.clone(),
    };
    Some(match value {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jupyter_protocol::{
        ClearOutput, ErrorOutput, ExecuteResult, ExecutionCount, Media, MediaType, StreamContent,
    };

    #[test]
    fn strips_colour_codes() {
        assert_eq!(strip_ansi("\u{1b}[31merror\u{1b}[0m: x"), "error: x");
        assert_eq!(strip_ansi("\u{1b}[1;38;5;9mE\u{1b}[m"), "E");
        assert_eq!(strip_ansi("\u{1b}]8;;http://x\u{7}link"), "link");
        assert_eq!(strip_ansi("\u{1b}]8;;http://x\u{1b}\\link"), "link");
        // Text, tabs, carriage returns and non-ASCII survive: tracebacks keep their layout.
        let plain = "error[E0308]: mismatched types\r\n\t--> src/lib.rs:1:1\n  │ ∂f/∂x — ü\n";
        assert_eq!(strip_ansi(plain), plain);
    }

    #[test]
    fn finds_a_panic_report() {
        let stderr = "thread '<unnamed>' panicked at src/lib.rs:3:5:\nboom at 3\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
        assert_eq!(
            find_panic(stderr).unwrap(),
            "thread '<unnamed>' panicked at src/lib.rs:3:5:\nboom at 3"
        );
        assert!(find_panic("just a warning\n").is_none());
    }

    #[test]
    fn merges_consecutive_streams_of_the_same_name() {
        let mut c = OutputCollector::default();
        for (text, err) in [
            ("a\n", false),
            ("b\n", false),
            ("e\n", true),
            ("c\n", false),
        ] {
            let s = if err {
                StreamContent::stderr(text)
            } else {
                StreamContent::stdout(text)
            };
            c.accept(&JupyterMessageContent::StreamContent(s));
        }
        assert_eq!(c.outputs.len(), 3);
        assert_eq!(output_text(&c.outputs[0]), "a\nb\n");
        assert_eq!(c.stderr, "e\n");
    }

    #[test]
    fn maps_rich_results_and_errors() {
        let mut c = OutputCollector::default();
        let media = Media::new(vec![
            MediaType::Html("<b>x</b>".into()),
            MediaType::Plain("x".into()),
        ]);
        c.accept(&JupyterMessageContent::ExecuteResult(ExecuteResult::new(
            ExecutionCount::new(2),
            media,
        )));
        assert_eq!(c.execution_count, Some(2));
        assert_eq!(
            output_mime_types(&c.outputs[0]),
            vec!["text/html", "text/plain"]
        );
        assert_eq!(output_text(&c.outputs[0]), "x");
        c.accept(&JupyterMessageContent::DisplayData(
            jupyter_protocol::DisplayData::new(Media::new(vec![MediaType::Svg("<svg/>".into())])),
        ));
        assert!(matches!(c.outputs[1], Output::DisplayData(_)));
        assert_eq!(output_mime_types(&c.outputs[1]), vec!["image/svg+xml"]);
        c.accept(&JupyterMessageContent::ErrorOutput(ErrorOutput {
            ename: "Error".into(),
            evalue: "\u{1b}[31mSubprocess terminated with status: exit status: 3\u{1b}[0m".into(),
            traceback: vec![],
        }));
        assert!(c
            .subprocess_terminated()
            .unwrap()
            .starts_with("Subprocess terminated"));
        c.accept(&JupyterMessageContent::ClearOutput(ClearOutput {
            wait: false,
        }));
        assert!(c.outputs.is_empty());
    }

    #[test]
    fn invalid_utf8_on_stdout_is_a_desync_not_a_cell_error() {
        let mut c = OutputCollector::default();
        assert!(c.stdout_desync().is_none());
        // What evcxr_jupyter sends for the cell that printed the bytes.
        c.accept(&JupyterMessageContent::ErrorOutput(ErrorOutput {
            ename: "Error".into(),
            evalue: "stream did not contain valid UTF-8".into(),
            traceback: vec!["stream did not contain valid UTF-8".into()],
        }));
        let why = c.stdout_desync().unwrap();
        assert!(why.contains("one cell late"), "{why}");
        assert!(why.contains("restart the kernel"), "{why}");
    }
}
