//! Hints that reveal progressively more, and solutions on request.
//!
//! Each call of `hint(n)` shows one more hint than the last (up to all of them). The count lives
//! in an environment variable of the kernel process, `JACOBIAN_COURSE_HINTS_<n>`: evcxr compiles
//! each cell as its own library, so a `static` in this crate would start from scratch in every
//! cell, but the process (and its environment) lives as long as the kernel. Restarting the
//! kernel starts the hints again.

use super::feedback::{block, emit, escape_html, markup};
use super::solutions;

const HINTS: [&[&str]; 4] = [
    &[
        "A Jacobian has one row per output and one column per input: here 3 rows (f1, f2, f3) and \
         2 columns (x, y). Entry (i, j) is ∂f_i/∂x_j.",
        "Differentiate each output with respect to one variable while treating the other as a \
         constant: for example ∂(x² + y)/∂x = 2x and ∂(xy)/∂y = x.",
        "Then put in x = 1, y = 2. f3 = eˣ has no y in it, and eˣ is its own derivative; \
         `1f64.exp()` is e in Rust.",
    ],
    &[
        "A Jacobian's shape is (number of outputs) × (number of inputs) of the whole function x ↦ y.",
        "By the chain rule ∂y/∂x = J₄·J₃·J₂·J₁, and a layer n_in → n_out has an n_out×n_in Jacobian \
         (its weight matrix's shape).",
        "In a matrix product the inner sizes cancel: (1×2)(2×4)(4×5)(5×3). Only the network's output \
         size and input size survive.",
    ],
    &[
        "Neuron i is dead when its pre-activation z_i = (W x + b)_i is ≤ 0: then ReLU′(z_i) = 0.",
        "With the exercise's W and b, the three conditions are x₁ + 2x₂ + 0.5 ≤ 0, 3x₁ − x₂ − 0.5 ≤ 0 \
         and −2x₁ + x₂ ≤ 0. Try a negative x₁, then look for x₂ between the lines.",
        "The layer's Jacobian is J_ReLU · W = diag(1[z > 0]) · W. When every z_i ≤ 0, what is \
         diag(1[z > 0])? The result keeps the shape 3×2.",
    ],
    &[
        "At a single number z, sigmoid's Jacobian is 1×1: just the derivative σ′(z) = σ(z)(1 − σ(z)). \
         The library computes it: `jacobian(sigmoid, &tensor(&[10.0])?)?` (pass the tensor itself \
         by changing the type to `Option<Tensor>`).",
        "σ(10) ≈ 0.99995, so 1 − σ(10) is small: about 4.5e-5. Small, but not zero.",
        "Backprop multiplies the gradient arriving at this neuron by σ′(z). What happens to a gradient \
         multiplied by about 0.00005, layer after layer?",
    ],
];

const EXPLANATIONS: [&str; 4] = [
    "Row i is the gradient of f_i: ∇(x² + y) = (2x, 1), ∇(xy) = (y, x), ∇eˣ = (eˣ, 0), evaluated \
     at x = 1, y = 2.",
    "∂y/∂x = J₄·J₃·J₂·J₁ multiplies (1×2)(2×4)(4×5)(5×3); the inner sizes cancel and leave 1×3: \
     outputs of the network × inputs of the network.",
    "x = (−1, −3) gives z = (−6.5, −0.5, −1): every neuron is dead, so J_ReLU = 0 and the layer's \
     Jacobian J_ReLU·W is the 3×2 zero matrix. (Any x with every z_i ≤ 0 is just as right.)",
    "σ′(10) = σ(10)(1 − σ(10)) ≈ 4.54e-5, and the reason is B: backprop multiplies the gradient by \
     this tiny number, so it vanishes (saturation).",
];

fn env_key(n: u8) -> String {
    format!("JACOBIAN_COURSE_HINTS_{n}")
}

/// What `hint(n)` and `solution(n)` show. Renders in the notebook through
/// [`Help::evcxr_display`]; `{}` prints the plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Help {
    /// Which exercise (1-based; 0 if `n` was out of range).
    pub exercise: u8,
    /// `Hint 2 of 3 for exercise 1`, `Solution to exercise 1`.
    pub title: String,
    /// The hints shown so far, or the solution's explanation.
    pub lines: Vec<String>,
    /// The solution's code: the exercise cell with the answer filled in.
    pub code: Option<String>,
    /// What to do next.
    pub footer: String,
}

impl Help {
    /// Plain-text form, the `text/plain` fallback.
    pub fn to_text(&self) -> String {
        let mut out = self.title.clone();
        for (k, line) in self.lines.iter().enumerate() {
            if self.code.is_none() && self.lines.len() > 1 {
                out.push_str(&format!("\n  {}. {line}", k + 1));
            } else {
                out.push_str(&format!("\n{line}"));
            }
        }
        if let Some(code) = &self.code {
            out.push_str("\n\n");
            out.push_str(code);
        }
        out.push_str("\n\n");
        out.push_str(&self.footer);
        out
    }

    /// The `text/html` form. A solution's code sits in a `<details>` element, so it shows only
    /// when the learner clicks "Show the solution".
    pub fn to_html(&self) -> String {
        let mut out = String::from(
            "<div style=\"border-left:6px solid #6a4c93;background:#f4effa;color:#1f1f1f;\
             padding:8px 12px;margin:4px 0;border-radius:4px;line-height:1.45\">",
        );
        out.push_str(&format!(
            "<div style=\"font-weight:bold;color:#6a4c93\">{}</div>",
            escape_html(&self.title)
        ));
        if self.code.is_none() && self.lines.len() > 1 {
            out.push_str("<ol style=\"margin:4px 0 0 0;padding-left:1.6em\">");
            for line in &self.lines {
                out.push_str(&format!("<li>{}</li>", markup(line)));
            }
            out.push_str("</ol>");
        } else {
            for line in &self.lines {
                out.push_str(&format!("<div style=\"margin-top:4px\">{}</div>", markup(line)));
            }
        }
        if let Some(code) = &self.code {
            out.push_str(&format!(
                "<details style=\"margin-top:6px\"><summary>Show the solution</summary>\
                 <pre style=\"background:#ffffff;padding:6px;border-radius:3px\"><code>{}</code></pre></details>",
                escape_html(code)
            ));
        }
        out.push_str(&format!("<div style=\"margin-top:6px;font-size:0.95em\">{}</div></div>", markup(&self.footer)));
        out
    }

    /// The exact text [`Help::evcxr_display`] prints.
    pub fn evcxr_blocks(&self) -> String {
        block("text/html", &self.to_html()) + &block("text/plain", &self.to_text())
    }

    /// Prints the help for evcxr: `text/html` and `text/plain` blocks.
    pub fn evcxr_display(&self) {
        emit(&self.evcxr_blocks());
    }
}

impl std::fmt::Display for Help {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_text())
    }
}

fn no_such_exercise(n: u8, what: &str) -> Help {
    Help {
        exercise: 0,
        title: format!("There is no exercise {n}"),
        lines: vec![format!("This notebook has exercises 1 to 4: try `{what}(1)`.")],
        code: None,
        footer: String::new(),
    }
}

/// The first `level` hints for exercise `n` (1–4), without touching the stored progress.
pub fn hints_up_to(n: u8, level: usize) -> Help {
    let Some(all) = n.checked_sub(1).and_then(|i| HINTS.get(usize::from(i))) else {
        return no_such_exercise(n, "hint");
    };
    let total = all.len();
    let level = level.clamp(1, total);
    let footer = if level < total {
        format!("Call `hint({n})` again for the next hint ({level} of {total} shown).")
    } else {
        format!("That was the last hint. `solution({n})` shows a full solution.")
    };
    Help {
        exercise: n,
        title: format!("Hint {level} of {total} for exercise {n}"),
        lines: all[..level].iter().map(|s| s.to_string()).collect(),
        code: None,
        footer,
    }
}

/// A hint for exercise `n` (1–4). Each call reveals one more hint than the previous call for the
/// same exercise, up to all of them; then it points to `solution(n)`.
///
/// ```
/// use course::exercises::hint;
/// let first = hint(2);
/// assert_eq!(first.lines.len(), 1);
/// let second = hint(2);
/// assert_eq!(second.lines.len(), 2);
/// assert!(second.title.starts_with("Hint 2 of 3"));
/// ```
pub fn hint(n: u8) -> Help {
    if !(1..=4).contains(&n) {
        return no_such_exercise(n, "hint");
    }
    let shown: usize = std::env::var(env_key(n)).ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    let total = HINTS.get(usize::from(n - 1)).map_or(1, |h| h.len());
    let level = (shown + 1).min(total);
    std::env::set_var(env_key(n), level.to_string());
    hints_up_to(n, level)
}

/// The solution to exercise `n` (1–4): an explanation and the exercise cell with the answer filled
/// in. The code is folded away in the notebook until you click "Show the solution".
pub fn solution(n: u8) -> Help {
    let (Some(code), Some(explanation)) = (
        solutions::cell_source(n),
        n.checked_sub(1).and_then(|i| EXPLANATIONS.get(usize::from(i))),
    ) else {
        return no_such_exercise(n, "solution");
    };
    Help {
        exercise: n,
        title: format!("Solution to exercise {n}"),
        lines: vec![explanation.to_string()],
        code: Some(code.to_string()),
        footer: format!(
            "Paste it over the exercise {n} cell and run it to see the check pass; but try \
             `hint({n})` first: working it out is the point."
        ),
    }
}
