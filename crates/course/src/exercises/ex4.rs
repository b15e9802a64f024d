//! Exercise 4: the Jacobian of sigmoid at z = 10, and why that is a problem for training.
//!
//! Part (b) is multiple choice (A–D), and a short sentence is graded too: it counts as B when it
//! talks about the gradient vanishing, being tiny/near zero, learning stalling or saturation; as
//! A when it talks about exploding or large gradients; as C for "square"; as D for
//! "differentiable". Anything else asks for a letter.

use super::answer::TOLERANCE_4;
use super::feedback::{Feedback, Status};
use super::{internal_error, num, solutions};

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn rel_close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs()
}

/// What part (a) says: right (with an optional note) or wrong (with the diagnosis).
enum Value {
    Right(Option<String>),
    Wrong(String),
}

fn judge_value(v: f64, t: f64) -> Value {
    let s = sigmoid(solutions::Z_4);
    let one_minus = 1.0 - s;
    let e_minus = (-solutions::Z_4).exp();
    // σ(1 − σ) computed in f32, as torch (and the library's closed form in f32) do.
    let s32 = 1.0f32 / (1.0f32 + (-10.0f32).exp());
    let f32_closed_form = f64::from(s32 * (1.0f32 - s32));
    if v.abs() < 1e-15 {
        return Value::Wrong(
            "sigmoid′(10) is about 4.5e-5, not 0: saturated but not exactly zero. The curve is very \
             flat at z = 10, but σ′(z) = σ(z)(1 − σ(z)) is positive for every finite z."
                .to_string(),
        );
    }
    if rel_close(v, one_minus, 1e-7) && !rel_close(v, t, 1e-7) {
        return Value::Wrong(format!(
            "You have 1 − σ(10) = {one_minus:.6e}, but σ′ = σ·(1 − σ): the factor σ(10) = 0.99995 is \
             missing. It only changes the 5th digit here, but at z = 0 it halves the value (0.25, \
             not 0.5)."
        ));
    }
    if TOLERANCE_4.accepts(v, t) {
        let note = if rel_close(v, e_minus, 1e-7) {
            Some(format!(
                "Your value is e⁻¹⁰ = {e_minus:.5e}: the large-z approximation σ′(z) ≈ e⁻ᶻ, accurate \
                 to 0.01% here. The exact value is σ(10)(1 − σ(10)) = {t:.5e}."
            ))
        } else if rel_close(v, f32_closed_form, 1e-6) {
            Some(format!(
                "Your {} is σ(1 − σ) computed in f32, where 1 − σ(10) = 1 − 0.9999546 keeps only 3 \
                 digits (cancellation); autodiff, or f64, gives {t:.5e}. Same conclusion, different \
                 4th digit.",
                num(v)
            ))
        } else {
            None
        };
        return Value::Right(note);
    }
    let wrong = |m: String| Value::Wrong(m);
    if rel_close(v, s, 1e-4) {
        return wrong(format!(
            "{v:.5} is σ(10), sigmoid's output at 10. The Jacobian is its derivative, σ′(z) = σ(z)(1 − σ(z))."
        ));
    }
    if rel_close(v, 0.25, 1e-3) {
        return wrong(
            "0.25 is σ′(0), sigmoid's steepest slope, at z = 0. At z = 10 the curve is almost flat.".to_string(),
        );
    }
    if TOLERANCE_4.accepts(-v, t) {
        return wrong(
            "Wrong sign: σ′(z) = σ(z)(1 − σ(z)) is never negative, because sigmoid only ever increases.".to_string(),
        );
    }
    let tanh_prime = 1.0 - solutions::Z_4.tanh().powi(2);
    if rel_close(v, tanh_prime, 1e-2) {
        return wrong(format!(
            "{} is tanh′(10) = 1 − tanh²(10). This exercise is about sigmoid, σ(z) = 1/(1 + e⁻ᶻ).",
            num(v)
        ));
    }
    if rel_close(v, solutions::Z_4.exp(), 1e-3) {
        return wrong(
            "e¹⁰ ≈ 22026 is far too big: sigmoid's slope is never more than 1/4. Mind the sign of the \
             exponent in σ(z) = 1/(1 + e⁻ᶻ)."
                .to_string(),
        );
    }
    if v < 0.0 {
        return wrong(format!(
            "{} is negative, but sigmoid only ever increases, so σ′(z) = σ(z)(1 − σ(z)) > 0.",
            num(v)
        ));
    }
    if v > 0.25 {
        return wrong(format!(
            "{} is too big: sigmoid's slope is at most 1/4 (at z = 0), and it shrinks as |z| grows.",
            num(v)
        ));
    }
    if v > t / 10.0 && v < t * 10.0 {
        return wrong(format!(
            "{} is the right order of magnitude but {:.1}% off, outside the 1% tolerance: compute \
             σ(10)(1 − σ(10)) with a few more digits, or let the library do it.",
            num(v),
            100.0 * (v - t).abs() / t
        ));
    }
    wrong(format!(
        "{} is not σ′(10). Use σ′(z) = σ(z)(1 − σ(z)) with σ(10) = 1/(1 + e⁻¹⁰), or let the library \
         compute it: `jacobian(sigmoid, &tensor(&[10.0])?)?`.",
        num(v)
    ))
}

/// The letter a "why" answer amounts to, or `None` if it can't be graded.
fn choice(text: &str) -> Option<char> {
    let t = text.trim().trim_matches(|c: char| "\"'()[]. ".contains(c));
    // A letter alone, or followed by ')', ':' or '.': "B", "(b)", "B) it vanishes", "B: …".
    // ("A gradient that…" is a sentence, not the letter A.)
    let mut chars = t.chars();
    if let Some(first) = chars.next() {
        let rest = chars.as_str();
        if first.is_ascii_alphabetic() && (rest.is_empty() || rest.starts_with([')', ':', '.'])) {
            return Some(first.to_ascii_uppercase());
        }
    }
    let low = t.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| low.contains(w));
    if has(&["vanish", "small", "tiny", "zero", "stall", "slow", "saturat", "flat", "little", "no gradient", "diminish", "shrink"]) {
        Some('B')
    } else if has(&["explod", "large", "huge", "big", "blow", "grow"]) {
        Some('A')
    } else if has(&["square"]) {
        Some('C')
    } else if has(&["differentiab", "derivative does not exist", "no derivative"]) {
        Some('D')
    } else {
        None
    }
}

/// Part (b): `Ok(())` for B, otherwise why not.
fn judge_why(text: &str) -> Result<(), String> {
    match choice(text) {
        Some(c) if c == solutions::WHY_4 => Ok(()),
        Some('A') => Err(
            "A is the opposite: gradients explode when slopes are above 1, and sigmoid's is at most \
             1/4. At z = 10 it is ~4.5e-5, so the gradient passing back is multiplied by a tiny number."
                .to_string(),
        ),
        Some('C') => Err(
            "C: a 1×1 matrix is square, and squareness does not matter for backprop anyway (a \
             3 → 2 layer has a 2×3 Jacobian and trains fine)."
                .to_string(),
        ),
        Some('D') => Err(
            "D: sigmoid is smooth, differentiable everywhere, z = 10 included. The trouble is the size \
             of the derivative there, not whether it exists."
                .to_string(),
        ),
        Some(c) => Err(format!("{c} is not one of the choices: pick A, B, C or D.")),
        None => Err(format!(
            "I could not grade {text:?}: say what happens to the gradient, or answer with a letter A–D."
        )),
    }
}

/// Exercise 4's check on answers already read.
pub(crate) fn check(value: Option<Result<f64, String>>, why: Option<String>) -> Feedback {
    if value.is_none() && why.is_none() {
        return Feedback::not_attempted(4);
    }
    let value = match value {
        Some(Err(why)) => {
            return Feedback::new(
                4,
                Status::CodeError,
                format!(
                    "Your value for (a) cannot be read as one number: {why}. Sigmoid at the single \
                     number z = 10 has a 1×1 Jacobian: `jacobian(sigmoid, &tensor(&[10.0])?)?`."
                ),
            )
        }
        Some(Ok(v)) if !v.is_finite() => {
            return Feedback::new(
                4,
                Status::CodeError,
                format!(
                    "Your value for (a) is {}: somewhere a division by zero or an overflow. σ(z) = \
                     1/(1 + e⁻ᶻ) is finite for every z.",
                    num(v)
                ),
            )
        }
        Some(Ok(v)) => Some(v),
        None => None,
    };
    let t = match solutions::answer_4() {
        Ok(t) => t,
        Err(e) => return internal_error(4, &e),
    };
    let value = value.map(|v| judge_value(v, t));
    let why = why.map(|w| judge_why(&w));
    match (value, why) {
        (Some(Value::Right(note)), Some(Ok(()))) => {
            let fb = Feedback::new(
                4,
                Status::Correct,
                "σ′(10) ≈ 4.54e-5: at z = 10 the sigmoid is saturated, so backprop multiplies the \
                 gradient arriving at this neuron by 0.0000454. That is the vanishing gradient: after \
                 a few saturated layers almost nothing reaches the early weights, and they stop \
                 learning. ReLU (slope 1 for z > 0), careful initialisation and normalisation keep \
                 pre-activations out of these flat tails.",
            );
            match note {
                Some(n) => fb.detail(n),
                None => fb,
            }
        }
        (value, why) => {
            let a = match value {
                None => "(a) is still `None`: the 1×1 Jacobian of sigmoid at z = 10.".to_string(),
                Some(Value::Right(_)) => "(a) ✓ your value of σ′(10) is right.".to_string(),
                Some(Value::Wrong(m)) => format!("(a) {m}"),
            };
            let b = match why {
                None => "(b) is still `None`: pick A, B, C or D.".to_string(),
                Some(Ok(())) => "(b) ✓ B is the reason.".to_string(),
                Some(Err(m)) => format!("(b) {m}"),
            };
            // The part that is wrong (or missing) leads; a right part follows as a detail.
            if a.starts_with("(a) ✓") {
                Feedback::new(4, Status::Incorrect, b).detail(a)
            } else {
                Feedback::new(4, Status::Incorrect, a).detail(b)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_and_sentences_are_graded() {
        for (text, want) in [
            ("B", Some('B')),
            ("b", Some('B')),
            (" (b) ", Some('B')),
            ("B)", Some('B')),
            ("'A'", Some('A')),
            ("The gradient vanishes", Some('B')),
            ("gradient is tiny so learning stalls", Some('B')),
            ("the gradient explodes", Some('A')),
            ("the Jacobian is not square", Some('C')),
            ("not differentiable", Some('D')),
            ("A gradient that vanishes", Some('B')),
            ("B) it vanishes", Some('B')),
            ("because", None),
        ] {
            assert_eq!(choice(text), want, "{text:?}");
        }
    }

    #[test]
    fn f32_closed_form_is_torch_s_number() {
        let s32 = 1.0f32 / (1.0f32 + (-10.0f32).exp());
        let v = f64::from(s32 * (1.0f32 - s32));
        assert!((v - 4.5416676584864035e-05).abs() < 1e-12, "{v:e}");
    }
}
