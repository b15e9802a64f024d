//! Hints that climb from a nudge to the method, and solutions folded until clicked.
//!
//! Each call of an exercise's hint shows one more hint than the last (up to all of them). The
//! count lives in an environment variable of the kernel process,
//! `JACOBIAN_COURSE_HINTS_<notebook>_<n>`: evcxr compiles each cell as its own library, so a
//! `static` in this crate would start from scratch in every cell, but the process (and its
//! environment) lives as long as the kernel. Restarting the kernel starts the hints again.

use crate::display::{block, escape_html, markup, panel, Show};

use super::Exercise;

/// What a hint or a solution shows. Renders in the notebook through [`Show`]; `{}` prints the
/// plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Help {
    /// Which exercise (1-based; 0 if there is no such exercise).
    pub exercise: u8,
    /// `Hint 2 of 3 for exercise 1`, `Solution to exercise 1`.
    pub title: String,
    /// The hints shown so far (a solution has none).
    pub lines: Vec<String>,
    /// A solution's explanation (folded with the code).
    pub explanation: Option<String>,
    /// A solution's code: the exercise cell with the answer filled in (folded).
    pub code: Option<String>,
    /// What to do next.
    pub footer: String,
}

impl Help {
    /// A message for an exercise number the notebook does not have.
    pub fn no_such_exercise(n: u8, count: usize, what: &str) -> Help {
        Help {
            exercise: 0,
            title: format!("There is no exercise {n}"),
            lines: vec![format!("This notebook has exercises 1 to {count}: try `{what}(1)`.")],
            explanation: None,
            code: None,
            footer: String::new(),
        }
    }

    /// Whether this is a solution (its content is folded).
    pub fn is_solution(&self) -> bool {
        self.code.is_some() || self.explanation.is_some()
    }

    /// Plain-text form, the `text/plain` fallback.
    pub fn to_text(&self) -> String {
        let mut out = self.title.clone();
        for (k, line) in self.lines.iter().enumerate() {
            if self.lines.len() > 1 {
                out.push_str(&format!("\n  {}. {line}", k + 1));
            } else {
                out.push_str(&format!("\n{line}"));
            }
        }
        if let Some(e) = &self.explanation {
            out.push_str("\n\n");
            out.push_str(e);
        }
        if let Some(code) = &self.code {
            out.push_str("\n\n");
            out.push_str(code);
        }
        if !self.footer.is_empty() {
            out.push_str("\n\n");
            out.push_str(&self.footer);
        }
        out
    }

    /// The `text/html` form. A solution's explanation and code sit in one `<details>` element, so
    /// neither shows until the learner clicks "Show the solution".
    pub fn to_html(&self) -> String {
        let mut inner = format!("<div style=\"font-weight:bold;color:#6a4c93\">{}</div>", escape_html(&self.title));
        if self.lines.len() > 1 {
            inner.push_str("<ol style=\"margin:4px 0 0 0;padding-left:1.6em\">");
            for line in &self.lines {
                inner.push_str(&format!("<li>{}</li>", markup(line)));
            }
            inner.push_str("</ol>");
        } else {
            for line in &self.lines {
                inner.push_str(&format!("<div style=\"margin-top:4px\">{}</div>", markup(line)));
            }
        }
        if self.is_solution() {
            inner.push_str("<details style=\"margin-top:6px\"><summary>Show the solution</summary>");
            if let Some(e) = &self.explanation {
                inner.push_str(&format!("<div style=\"margin-top:4px\">{}</div>", markup(e)));
            }
            if let Some(code) = &self.code {
                inner.push_str(&format!(
                    "<pre style=\"background:#ffffff;padding:6px;border-radius:3px\"><code>{}</code></pre>",
                    escape_html(code)
                ));
            }
            inner.push_str("</details>");
        }
        if !self.footer.is_empty() {
            inner.push_str(&format!("<div style=\"margin-top:6px;font-size:0.95em\">{}</div>", markup(&self.footer)));
        }
        panel("#6a4c93", "#f4effa", &inner)
    }
}

impl Show for Help {
    fn evcxr_blocks(&self) -> String {
        block("text/html", &self.to_html()) + &block("text/plain", &self.to_text())
    }
}

impl std::fmt::Display for Help {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_text())
    }
}

fn env_key(ex: &Exercise) -> String {
    format!("JACOBIAN_COURSE_HINTS_{}_{}", ex.notebook, ex.number)
}

/// The first `level` hints of `ex` (at least 1, at most all), without touching the progress.
pub fn hints_up_to(ex: &Exercise, level: usize) -> Help {
    let n = ex.number;
    let total = ex.hints.len().max(1);
    let level = level.clamp(1, total);
    let footer = if level < total {
        format!("Call `hint({n})` again for the next hint ({level} of {total} shown).")
    } else {
        format!("That was the last hint. `solution({n})` shows a full solution.")
    };
    Help {
        exercise: n,
        title: format!("Hint {level} of {total} for exercise {n}"),
        lines: ex.hints.iter().take(level).map(|s| s.to_string()).collect(),
        explanation: None,
        code: None,
        footer,
    }
}

/// One more hint than the last call showed for `ex`.
pub fn next_hint(ex: &Exercise) -> Help {
    let key = env_key(ex);
    let shown: usize = std::env::var(&key).ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    let level = (shown + 1).min(ex.hints.len().max(1));
    std::env::set_var(&key, level.to_string());
    hints_up_to(ex, level)
}

/// The solution of `ex`: explanation and code, both folded.
pub fn solution(ex: &Exercise) -> Help {
    let n = ex.number;
    Help {
        exercise: n,
        title: format!("Solution to exercise {n}"),
        lines: Vec::new(),
        explanation: Some(ex.explanation.to_string()),
        code: Some(ex.solution.to_string()),
        footer: format!(
            "Paste the code over the exercise {n} cell and run it to see the check pass; but try `hint({n})` \
             first: working it out is the point."
        ),
    }
}
