//! The evcxr rich-display glue: `evcxr_display` for heatmaps, figures and tensors.
//!
//! evcxr shows a cell's last expression by compiling `(expr).evcxr_display()`
//! when that method exists (inherent or from a trait in scope), and reads
//! what it prints to stdout: blocks of
//!
//! ```text
//! EVCXR_BEGIN_CONTENT <mime type>
//! <content>
//! EVCXR_END_CONTENT
//! ```
//!
//! One block per mime type survives per cell (the last one wins), so several
//! heatmaps in one cell must be one [`Figure`]. A line of content that reads
//! exactly `EVCXR_END_CONTENT` would end a block early; lines starting with
//! `EVCXR_` get a leading space.
//!
//! # Which mime types
//!
//! Every display prints two blocks: the picture, and `text/plain` with the
//! title and the numbers (so a terminal, a diff or a test still reads them).
//!
//! - Small matrices (SVG): `text/html` holding one
//!   `<img src="data:image/svg+xml;base64,…" width=… height=…>`.
//!   JupyterLab renders `image/svg+xml` only for trusted output (it shows
//!   "Cannot display an untrusted SVG" once a saved notebook is reopened),
//!   and its HTML sanitizer strips an inline `<svg>` (what plotters'
//!   `evcxr_figure` prints) from untrusted output, leaving stray text. An
//!   `<img>` with a data URL survives the sanitizer, so the picture shows in
//!   a fresh run and in a reopened notebook alike, as an `<img>` of the SVG's
//!   own size.
//! - Large matrices (PNG): `image/png`, base64 on one line; Jupyter renders it
//!   as an `<img>` whether trusted or not.
//!
//! If rendering fails, the error is printed as `text/plain` instead; nothing
//! here panics.
//!
//! # evcxr's `Debug` fallback
//!
//! evcxr treats any compile error inside `(expr).evcxr_display();` as "no
//! such method" and shows `{:?}` instead. That includes the E0277 a `?` in
//! the final expression raises in the first cell of a session that uses `?`
//! (before evcxr has switched its `?` support on), so that one cell shows
//! text, not a picture. Running any statement with `?` earlier (for example
//! in the kernel's init) avoids it. `Heatmap` and `Figure` implement `Debug`
//! as their text table, so even the fallback reads well.

use std::io::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};

use base64::Engine as _;
use candle_core::Tensor;

use crate::error::Result;
use crate::figure::Figure;
use crate::heatmap::{Format, Heatmap};
use crate::layout::{MAX_AXIS_PX, RECT_MAX_CELLS};
use crate::render;

/// Shows a 2-D tensor as a heatmap when it is the last expression of an
/// evcxr notebook cell.
///
/// `use heatmap::TensorDisplay;` (the course prelude does this) makes
/// evcxr find `evcxr_display` on every `Tensor`:
///
/// - 2-D: a heatmap plus its numbers as `text/plain`.
/// - 1-D: a 1×n heatmap (one row, like a gradient).
/// - 0-D and 3-D+: `text/plain` only, candle's own formatting.
/// - Any dtype: integers and half floats are converted to `f64` first.
///
/// Errors are printed as `text/plain`, never panicked.
pub trait TensorDisplay {
    /// Prints the evcxr display blocks for `self` to stdout.
    fn evcxr_display(&self);
}

impl TensorDisplay for Tensor {
    fn evcxr_display(&self) {
        emit(&tensor_blocks(self));
    }
}

/// The blocks [`TensorDisplay::evcxr_display`] prints for `t`.
pub fn tensor_blocks(t: &Tensor) -> String {
    guarded(|| match t.rank() {
        1 | 2 => match Heatmap::from_tensor(t) {
            Ok(h) => h.evcxr_blocks(),
            Err(e) => block("text/plain", &format!("{t}\n({e})")),
        },
        _ => block("text/plain", &format!("{t}")),
    })
}

impl Heatmap {
    /// Prints this heatmap as evcxr display blocks (picture + `text/plain`).
    ///
    /// evcxr calls this for a `Heatmap` that is the last expression of a
    /// cell. See [the display module](crate::display) for the mime types.
    pub fn evcxr_display(&self) {
        emit(&self.evcxr_blocks());
    }

    /// The exact text [`Heatmap::evcxr_display`] prints.
    pub fn evcxr_blocks(&self) -> String {
        guarded(|| {
            blocks(
                &[self],
                None,
                false,
                self.format_setting(),
                &self.full_title(),
                &self.to_text(),
            )
        })
    }
}

impl Figure {
    /// Prints this figure as evcxr display blocks (picture + `text/plain`).
    pub fn evcxr_display(&self) {
        emit(&self.evcxr_blocks());
    }

    /// The exact text [`Figure::evcxr_display`] prints.
    pub fn evcxr_blocks(&self) -> String {
        guarded(|| {
            let (hs, title, shared, format) = self.parts();
            let alt = hs
                .iter()
                .map(|h| h.full_title())
                .collect::<Vec<_>>()
                .join(" | ");
            blocks(&hs, title, shared, format, &alt, &self.to_text())
        })
    }
}

fn wants_png(hs: &[&Heatmap], format: Format) -> bool {
    match format {
        Format::Png => true,
        Format::Svg => false,
        Format::Auto => hs.iter().any(|h| {
            let (r, c) = h.matrix().shape();
            r.saturating_mul(c) > RECT_MAX_CELLS || r > MAX_AXIS_PX || c > MAX_AXIS_PX
        }),
    }
}

fn blocks(
    hs: &[&Heatmap],
    title: Option<&str>,
    shared: bool,
    format: Format,
    alt: &str,
    text: &str,
) -> String {
    let format = match format {
        Format::Auto => hs
            .iter()
            .map(|h| h.format_setting())
            .find(|f| *f != Format::Auto)
            .unwrap_or(Format::Auto),
        f => f,
    };
    let picture: Result<(&str, String)> = if wants_png(hs, format) {
        render::png(hs, title, shared).map(|png| {
            (
                "image/png",
                base64::engine::general_purpose::STANDARD.encode(png),
            )
        })
    } else {
        render::svg(hs, title, shared).map(|svg| ("text/html", svg_img(&svg, &format!("heatmap: {alt}"))))
    };
    match picture {
        Ok((mime, content)) => block(mime, &content) + &block("text/plain", text),
        Err(e) => block("text/plain", &format!("{text}\n(heatmap not drawn: {e})")),
    }
}

/// `<img src="data:image/svg+xml;base64,…">` at the SVG's own size, with `alt` escaped.
///
/// An `<img>` rather than inline `<svg>`: JupyterLab's sanitizer strips inline SVG from
/// untrusted outputs (every output of a reopened notebook), but keeps data-URI images.
pub fn svg_img(svg: &str, alt: &str) -> String {
    let attr = |name: &str| -> Option<&str> {
        let head = &svg[..svg.find('>')?];
        let start = head.find(&format!(" {name}=\""))? + name.len() + 3;
        let len = head[start..].find('"')?;
        Some(&head[start..start + len])
    };
    let size = match (attr("width"), attr("height")) {
        (Some(w), Some(h)) => format!(" width=\"{w}\" height=\"{h}\""),
        _ => String::new(),
    };
    format!(
        "<img src=\"data:image/svg+xml;base64,{}\"{size} alt=\"{}\" \
         style=\"max-width:100%;height:auto\">",
        base64::engine::general_purpose::STANDARD.encode(svg),
        escape_attr(alt),
    )
}

/// Escapes `&`, `<`, `>`, `"` and `'` for HTML text or a quoted attribute value.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// [`escape_html`], with control characters (newlines included) turned into spaces, as an
/// attribute value must stay on one line.
fn escape_attr(s: &str) -> String {
    let one_line: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    escape_html(&one_line)
}

/// One evcxr display block: `EVCXR_BEGIN_CONTENT {mime}`, the content, `EVCXR_END_CONTENT`.
/// Content lines that start with `EVCXR_` get a leading space, so they cannot end it early.
pub fn block(mime: &str, content: &str) -> String {
    let mut out = format!("EVCXR_BEGIN_CONTENT {mime}\n");
    for line in content.trim_end_matches('\n').split('\n') {
        if line.starts_with("EVCXR_") {
            out.push(' ');
        }
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("EVCXR_END_CONTENT\n");
    out
}

/// Runs `f`; a panic inside becomes a `text/plain` block.
fn guarded(f: impl FnOnce() -> String) -> String {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(s) => s,
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            block("text/plain", &format!("heatmap: drawing failed: {msg}"))
        }
    }
}

/// Prints display blocks to stdout in one write, so no other output interleaves.
pub fn emit(s: &str) {
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    // Nowhere to report a closed stdout; evcxr would have died already.
    let _ = lock.write_all(s.as_bytes());
    let _ = lock.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_never_contain_a_bare_end_marker() {
        let b = block("text/plain", "a\nEVCXR_END_CONTENT\nb\n");
        assert_eq!(
            b,
            "EVCXR_BEGIN_CONTENT text/plain\na\n EVCXR_END_CONTENT\nb\nEVCXR_END_CONTENT\n"
        );
    }

    #[test]
    fn img_carries_the_svg_size_and_an_escaped_alt() {
        let html = svg_img(
            "<svg width=\"300\" height=\"200\" viewBox=\"0 0 300 200\">",
            "a<b>&\"c\"",
        );
        assert!(html.contains(" width=\"300\" height=\"200\""), "{html}");
        assert!(
            html.contains("alt=\"a&lt;b&gt;&amp;&quot;c&quot;\""),
            "{html}"
        );
        assert!(!html.contains('\n'));
    }
}
