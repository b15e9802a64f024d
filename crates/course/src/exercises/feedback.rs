//! What a check tells the learner, and how it shows in the notebook.
//!
//! A [`Feedback`] renders as two evcxr display blocks: `text/html` (a coloured box with a clear
//! ✓/✗, the diagnosis, and a heatmap of where the answer differs, embedded as
//! `<img src="data:image/svg+xml;base64,…">` because JupyterLab's sanitizer strips inline `<svg>`
//! from untrusted output) and `text/plain` (the same words, and the heatmap as a grid of ✓/✗).
//!
//! Messages are plain text with one piece of markup: text between backticks is code
//! (`` `hint(1)` `` becomes `<code>hint(1)</code>` in HTML and stays as typed in plain text).

use std::fmt;

use heatmap::Figure;

/// The four states of a check, modelled on Kaggle's learntools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// The scaffold is untouched: a friendly prompt, not a failure.
    NotAttempted,
    /// The answer is wrong; the message says how.
    Incorrect,
    /// The answer is right; the message adds one insight.
    Correct,
    /// The learner's code failed (e.g. a shape error from the library), explained in course terms.
    CodeError,
}

impl Status {
    /// The words shown after "Exercise n:": `not attempted yet`, `incorrect`, `correct!`,
    /// `error in your code`.
    pub fn label(self) -> &'static str {
        match self {
            Status::NotAttempted => "not attempted yet",
            Status::Incorrect => "incorrect",
            Status::Correct => "correct!",
            Status::CodeError => "error in your code",
        }
    }

    /// The mark in front of the headline: `○`, `✗`, `✓`, `⚠`.
    pub fn symbol(self) -> &'static str {
        match self {
            Status::NotAttempted => "○",
            Status::Incorrect => "✗",
            Status::Correct => "✓",
            Status::CodeError => "⚠",
        }
    }

    /// (accent colour, background colour) of the HTML box.
    fn colours(self) -> (&'static str, &'static str) {
        match self {
            Status::NotAttempted => ("#3b5b92", "#eef3fb"),
            Status::Incorrect => ("#b3261e", "#fdecea"),
            Status::Correct => ("#1b7f3b", "#e9f7ee"),
            Status::CodeError => ("#8a5a00", "#fff4e0"),
        }
    }
}

/// The result of checking one exercise. As the last expression of a notebook cell it renders
/// through [`Feedback::evcxr_display`]; `{}` prints [`Feedback::to_text`].
///
/// ```
/// use course::exercises::{check_exercise_2, Status};
/// let fb = check_exercise_2(Some((3, 1)));
/// assert_eq!(fb.status, Status::Incorrect);
/// assert!(fb.to_text().contains("inputs×outputs"));
/// assert!(fb.to_html().contains("✗ Exercise 2: incorrect"));
/// ```
#[derive(Clone)]
pub struct Feedback {
    /// Which exercise (1-based).
    pub exercise: u8,
    /// The verdict.
    pub status: Status,
    /// The main diagnosis (or confirmation and insight).
    pub message: String,
    /// Further points, shown as a bulleted list under the message.
    pub details: Vec<String>,
    /// Heatmaps shown under the text (where the answer differs), if any.
    pub figure: Option<Figure>,
    /// The plain-text form of the figure (e.g. a grid of ✓/✗ per entry).
    pub figure_text: Option<String>,
}

impl Feedback {
    /// A feedback with a message and nothing else.
    pub fn new(exercise: u8, status: Status, message: impl Into<String>) -> Self {
        Self {
            exercise,
            status,
            message: message.into(),
            details: Vec::new(),
            figure: None,
            figure_text: None,
        }
    }

    /// "Not attempted yet" for exercise `n`, with what to do next.
    pub fn not_attempted(n: u8) -> Self {
        let what = match n {
            1 => "Replace `None` with `Some([[…, …], […, …], […, …]])`",
            2 => "Replace `None` with `Some((rows, cols))`",
            3 => "Replace the two `None`s with your input x and the Jacobian there",
            4 => "Replace the two `None`s with the value and your choice of reason",
            _ => "Fill in your answer",
        };
        Self::new(
            n,
            Status::NotAttempted,
            format!("{what} and re-run the cell. Stuck? `hint({n})` gives a hint."),
        )
    }

    /// Adds a bulleted point.
    pub fn detail(mut self, line: impl Into<String>) -> Self {
        self.details.push(line.into());
        self
    }

    /// Adds several bulleted points.
    pub fn details(mut self, lines: impl IntoIterator<Item = String>) -> Self {
        self.details.extend(lines);
        self
    }

    /// Attaches a figure and its plain-text form.
    pub fn figure(mut self, figure: Figure, text: impl Into<String>) -> Self {
        self.figure = Some(figure);
        self.figure_text = Some(text.into());
        self
    }

    /// Whether the answer was judged right.
    pub fn is_correct(&self) -> bool {
        self.status == Status::Correct
    }

    /// The headline: `✓ Exercise 1: correct!`.
    pub fn headline(&self) -> String {
        format!("{} Exercise {}: {}", self.status.symbol(), self.exercise, self.status.label())
    }

    /// Plain-text form, the `text/plain` fallback.
    pub fn to_text(&self) -> String {
        let mut out = self.headline();
        out.push('\n');
        out.push_str(&self.message);
        for d in &self.details {
            out.push_str("\n  • ");
            out.push_str(d);
        }
        if let Some(t) = &self.figure_text {
            out.push_str("\n\n");
            out.push_str(t.trim_end());
        }
        out
    }

    /// The `text/html` form: a coloured box with the headline, the message, the details and the
    /// figure as an `<img>` of its SVG. A figure that fails to render is left out (its plain-text
    /// form is still in the `text/plain` block).
    pub fn to_html(&self) -> String {
        let (accent, background) = self.status.colours();
        let mut out = format!(
            "<div style=\"border-left:6px solid {accent};background:{background};color:#1f1f1f;\
             padding:8px 12px;margin:4px 0;border-radius:4px;line-height:1.45\">\
             <div style=\"font-weight:bold;color:{accent};font-size:1.05em\">{}</div>",
            escape_html(&self.headline())
        );
        out.push_str(&format!("<div style=\"margin-top:4px\">{}</div>", markup(&self.message)));
        if !self.details.is_empty() {
            out.push_str("<ul style=\"margin:4px 0 0 0;padding-left:1.4em\">");
            for d in &self.details {
                out.push_str(&format!("<li>{}</li>", markup(d)));
            }
            out.push_str("</ul>");
        }
        if let Some(svg) = self.figure.as_ref().and_then(|f| f.to_svg().ok()) {
            let alt = self.figure_text.as_deref().unwrap_or("heatmap");
            out.push_str(&format!("<div style=\"margin-top:6px\">{}</div>", svg_img(&svg, alt)));
        }
        out.push_str("</div>");
        out
    }

    /// The exact text [`Feedback::evcxr_display`] prints.
    pub fn evcxr_blocks(&self) -> String {
        block("text/html", &self.to_html()) + &block("text/plain", &self.to_text())
    }

    /// Prints the feedback for evcxr: `text/html` and `text/plain` blocks.
    pub fn evcxr_display(&self) {
        emit(&self.evcxr_blocks());
    }
}

impl fmt::Display for Feedback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// `{:?}` is the plain text too: evcxr falls back to `Debug` if `evcxr_display` does not compile.
impl fmt::Debug for Feedback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}


/// Escaped HTML with `` `code` `` spans turned into `<code>`; an unmatched backtick stays.
pub(crate) fn markup(s: &str) -> String {
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

// The evcxr display protocol and the SVG-in-<img> wrapping are heatmap's display glue.
pub(crate) use heatmap::display::{block, emit, escape_html, svg_img};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_escapes_and_marks_code() {
        assert_eq!(markup("z = 0.7 > 0, see `hint(1)`"), "z = 0.7 &gt; 0, see <code>hint(1)</code>");
        assert_eq!(markup("a ` b"), "a ` b");
        assert_eq!(markup("<b>"), "&lt;b&gt;");
    }

    #[test]
    fn not_attempted_is_friendly_and_never_says_correct() {
        for n in 1..=4 {
            let t = Feedback::not_attempted(n).to_text();
            assert!(t.contains("not attempted"), "{t}");
            assert!(!t.to_lowercase().contains("correct"), "{t}");
            assert!(t.contains(&format!("hint({n})")), "{t}");
        }
    }
}
