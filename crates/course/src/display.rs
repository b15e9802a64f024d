//! Everything a notebook cell can show, in one place: the evcxr display protocol, HTML escaping,
//! the `<img>` that carries an SVG, and the coloured box the exercise feedback and hints use.
//!
//! evcxr shows a cell's last expression by compiling `(expr).evcxr_display()` when that method
//! exists (inherent or from a trait in scope), and reads what it prints to stdout: blocks of
//!
//! ```text
//! EVCXR_BEGIN_CONTENT <mime type>
//! <content>
//! EVCXR_END_CONTENT
//! ```
//!
//! One trait, [`Show`], gives that method to everything a cell can end with: a [`Tensor`], a
//! [`Heatmap`], a [`Figure`], an exercise's [`Feedback`](crate::exercise::Feedback) and a
//! [`Help`](crate::exercise::Help). The course prelude imports it.
//!
//! - Pictures: a small heatmap (SVG) is `text/html` holding
//!   `<img src="data:image/svg+xml;base64,…" width=… height=…>`: JupyterLab renders
//!   `image/svg+xml` only for trusted output, and its HTML sanitizer strips inline `<svg>` from
//!   untrusted output (every output of a reopened notebook), but keeps a data-URI `<img>`. A large
//!   one is `image/png`.
//! - Every display also prints `text/plain` (title and numbers, or the feedback's words), so a
//!   terminal, a diff or a test still reads it.
//! - One block per mime type survives per cell (the last one wins). A content line that reads
//!   exactly `EVCXR_END_CONTENT` would end a block early, so lines starting with `EVCXR_` get a
//!   leading space.
//! - Nothing here panics: a picture that cannot be drawn becomes `text/plain` with the reason.
//!
//! evcxr treats any compile error inside `(expr).evcxr_display();` as "no such method" and shows
//! `{:?}` instead; every type here implements `Debug` as its text form, so even that reads well.

use std::io::Write as _;

use base64::Engine as _;
use candle_core::Tensor;
use heatmap::{Figure, Heatmap, Picture};

/// What a notebook cell can show: as a cell's last expression, evcxr calls
/// [`Show::evcxr_display`], which prints [`Show::evcxr_blocks`].
///
/// ```
/// use course::display::Show;
/// use course::prelude::*;
/// let blocks = Heatmap::new([[1.0f32, 2.0]]).title("g").evcxr_blocks();
/// assert!(blocks.starts_with("EVCXR_BEGIN_CONTENT text/html\n<img src=\"data:image/svg+xml;base64,"));
/// assert!(blocks.contains("EVCXR_BEGIN_CONTENT text/plain\ng — 1×2"));
/// ```
pub trait Show {
    /// The exact text [`Show::evcxr_display`] prints: one or more display blocks.
    fn evcxr_blocks(&self) -> String;

    /// Prints the display blocks to stdout in one write (evcxr reads them from there).
    fn evcxr_display(&self) {
        emit(&self.evcxr_blocks());
    }
}

/// 2-D: a heatmap plus its numbers; 1-D: a 1×n heatmap (one row, like a gradient); 0-D and
/// 3-D+: `text/plain` only, candle's own formatting. Any dtype (converted to f64 first).
impl Show for Tensor {
    fn evcxr_blocks(&self) -> String {
        match self.rank() {
            1 | 2 => match Heatmap::from_tensor(self) {
                Ok(h) => h.evcxr_blocks(),
                Err(e) => block("text/plain", &format!("{self}\n({e})")),
            },
            _ => block("text/plain", &format!("{self}")),
        }
    }
}

impl Show for Heatmap {
    fn evcxr_blocks(&self) -> String {
        picture_blocks(self.picture(), &self.full_title(), &self.to_text())
    }
}

impl Show for Figure {
    fn evcxr_blocks(&self) -> String {
        let alt = self.heatmaps().iter().map(Heatmap::full_title).collect::<Vec<_>>().join(" | ");
        picture_blocks(self.picture(), &alt, &self.to_text())
    }
}

impl<S: Show + ?Sized> Show for &S {
    fn evcxr_blocks(&self) -> String {
        (**self).evcxr_blocks()
    }
}

fn picture_blocks(picture: heatmap::Result<Picture>, alt: &str, text: &str) -> String {
    match picture {
        Ok(Picture::Svg(svg)) => block("text/html", &svg_img(&svg, &format!("heatmap: {alt}"))) + &block("text/plain", text),
        Ok(Picture::Png(png)) => {
            block("image/png", &base64::engine::general_purpose::STANDARD.encode(png)) + &block("text/plain", text)
        }
        Err(e) => block("text/plain", &format!("{text}\n(heatmap not drawn: {e})")),
    }
}

/// `<img src="data:image/svg+xml;base64,…">` at the SVG's own size, with `alt` escaped (on one
/// line). An `<img>` rather than inline `<svg>`: see [the module docs](self).
pub fn svg_img(svg: &str, alt: &str) -> String {
    let attr = |name: &str| -> Option<&str> {
        let head = &svg[..svg.find('>')?];
        let start = head.find(&format!(" {name}=\""))? + name.len() + 3;
        let len = head[start..].find('"')?;
        Some(&head[start..start + len])
    };
    let size = match (attr("width"), attr("height")) {
        (Some(w), Some(h)) => format!(" width=\"{}\" height=\"{}\"", escape_attr(w), escape_attr(h)),
        _ => String::new(),
    };
    format!(
        "<img src=\"data:image/svg+xml;base64,{}\"{size} alt=\"{}\" style=\"max-width:100%;height:auto\">",
        base64::engine::general_purpose::STANDARD.encode(svg),
        escape_attr(alt),
    )
}

/// Text escaped for HTML content (`&`, `<`, `>`), with the `html-escape` crate.
pub fn escape_html(s: &str) -> String {
    html_escape::encode_text(s).into_owned()
}

/// Text escaped for a double-quoted HTML attribute, control characters (newlines included) turned
/// into spaces so the attribute stays on one line.
pub fn escape_attr(s: &str) -> String {
    let one_line: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    html_escape::encode_double_quoted_attribute(&one_line).into_owned()
}

/// Escaped HTML with `` `code` `` spans turned into `<code>` and newlines into `<br>`; an unmatched
/// backtick stays as typed. The course's messages use this one piece of markup.
pub fn markup(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        let is_code = i % 2 == 1 && i + 1 < parts.len();
        if is_code {
            out.push_str("<code>");
            out.push_str(&escape_html(part));
            out.push_str("</code>");
        } else {
            if i % 2 == 1 {
                out.push('`');
            }
            out.push_str(&escape_html(part).replace('\n', "<br>"));
        }
    }
    out
}

/// The coloured box the feedback and hints are shown in: a left border in `accent`, a
/// `background`, and `inner` (HTML, already escaped) inside.
pub fn panel(accent: &str, background: &str, inner: &str) -> String {
    format!(
        "<div style=\"border-left:6px solid {};background:{};color:#1f1f1f;padding:8px 12px;margin:4px 0;\
         border-radius:4px;line-height:1.45\">{inner}</div>",
        escape_attr(accent),
        escape_attr(background)
    )
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

/// Prints display blocks to stdout in one write, so no other output interleaves.
/// Also starts the kernel's watcher ([`crate::kernel::watch`]) in a runtime evcxr restarted.
pub fn emit(s: &str) {
    crate::kernel::watch();
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
        assert_eq!(b, "EVCXR_BEGIN_CONTENT text/plain\na\n EVCXR_END_CONTENT\nb\nEVCXR_END_CONTENT\n");
    }

    #[test]
    fn img_carries_the_svg_size_and_an_escaped_alt() {
        let html = svg_img("<svg width=\"300\" height=\"200\" viewBox=\"0 0 300 200\">", "a<b>&\"c\"\nd");
        assert!(html.contains(" width=\"300\" height=\"200\""), "{html}");
        assert!(html.contains("alt=\"a&lt;b&gt;&amp;&quot;c&quot; d\""), "{html}");
        assert!(!html.contains('\n'));
    }

    #[test]
    fn markup_escapes_and_marks_code() {
        assert_eq!(markup("z = 0.7 > 0, see `hint(1)`"), "z = 0.7 &gt; 0, see <code>hint(1)</code>");
        assert_eq!(markup("a ` b"), "a ` b");
        assert_eq!(markup("<b>\nx"), "&lt;b&gt;<br>x");
        assert_eq!(markup("`<script>`"), "<code>&lt;script&gt;</code>");
    }
}
