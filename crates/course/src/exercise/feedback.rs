//! What a check tells the learner, and how it shows in the notebook.
//!
//! A [`Feedback`] renders as two evcxr display blocks (see [`crate::display`]): `text/html` (a
//! coloured box with the state's mark, the diagnosis, and a heatmap of where the answer differs)
//! and `text/plain` (the same words, and the heatmap as a grid of ✓/✗).
//!
//! Messages are plain text with one piece of markup: text between backticks is code
//! (`` `hint(1)` `` becomes `<code>hint(1)</code>` in HTML and stays as typed in plain text).

use std::fmt;

use heatmap::Figure;

use crate::display::{block, escape_html, markup, panel, svg_img, Show};

/// The five states of a check: Kaggle learntools' four, and a neutral one for answers the
/// checker cannot read the meaning of.
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
    /// The checker could not tell whether the answer is right (free text it cannot read). Neutral:
    /// no ✗, and the message says what would make it gradable.
    Ungraded,
}

impl Status {
    /// The words shown after "Exercise n:": `not attempted yet`, `incorrect`, `correct!`,
    /// `error in your code`, `could not grade`.
    pub fn label(self) -> &'static str {
        match self {
            Status::NotAttempted => "not attempted yet",
            Status::Incorrect => "incorrect",
            Status::Correct => "correct!",
            Status::CodeError => "error in your code",
            Status::Ungraded => "could not grade",
        }
    }

    /// The mark in front of the headline: `○`, `✗`, `✓`, `⚠`, `?`.
    pub fn symbol(self) -> &'static str {
        match self {
            Status::NotAttempted => "○",
            Status::Incorrect => "✗",
            Status::Correct => "✓",
            Status::CodeError => "⚠",
            Status::Ungraded => "?",
        }
    }

    /// (accent colour, background colour) of the HTML box.
    fn colours(self) -> (&'static str, &'static str) {
        match self {
            Status::NotAttempted => ("#3b5b92", "#eef3fb"),
            Status::Incorrect => ("#b3261e", "#fdecea"),
            Status::Correct => ("#1b7f3b", "#e9f7ee"),
            Status::CodeError => ("#8a5a00", "#fff4e0"),
            Status::Ungraded => ("#5f6368", "#f1f3f4"),
        }
    }
}

/// The result of checking one exercise. As the last expression of a notebook cell it renders
/// through [`Show`]; `{}` prints [`Feedback::to_text`].
///
/// ```
/// use course::nb03::check_exercise_2;
/// use course::exercise::Status;
/// let fb = check_exercise_2(Some((3, 1)));
/// assert_eq!(fb.status, Status::Incorrect);
/// assert!(fb.to_text().contains("inputs×outputs"));
/// assert!(fb.to_html().contains("✗ Exercise 2: incorrect"));
/// ```
#[derive(Clone)]
pub struct Feedback {
    /// Which exercise (1-based, within its notebook).
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
        Self { exercise, status, message: message.into(), details: Vec::new(), figure: None, figure_text: None }
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
        let mut inner = format!(
            "<div style=\"font-weight:bold;color:{accent};font-size:1.05em\">{}</div>",
            escape_html(&self.headline())
        );
        inner.push_str(&format!("<div style=\"margin-top:4px\">{}</div>", markup(&self.message)));
        if !self.details.is_empty() {
            inner.push_str("<ul style=\"margin:4px 0 0 0;padding-left:1.4em\">");
            for d in &self.details {
                inner.push_str(&format!("<li>{}</li>", markup(d)));
            }
            inner.push_str("</ul>");
        }
        if let Some(svg) = self.figure.as_ref().and_then(|f| f.to_svg().ok()) {
            let alt = self.figure_text.as_deref().unwrap_or("heatmap");
            inner.push_str(&format!("<div style=\"margin-top:6px\">{}</div>", svg_img(&svg, alt)));
        }
        panel(accent, background, &inner)
    }
}

impl Show for Feedback {
    fn evcxr_blocks(&self) -> String {
        block("text/html", &self.to_html()) + &block("text/plain", &self.to_text())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_neutral_state_shows_no_cross() {
        let fb = Feedback::new(4, Status::Ungraded, "I could not read it.");
        assert!(!fb.to_text().contains('✗'));
        assert!(!fb.to_html().contains('✗'));
        assert!(fb.to_text().starts_with("? Exercise 4: could not grade"));
        assert!(!fb.to_html().contains("#b3261e"), "not the red of incorrect");
    }
}
