//! Exercise 4: the Jacobian of sigmoid at z = 10, and why that is a problem for training.
//!
//! (a) is a number, judged by an ordered list of detectors (the shared [`scalar`] ones and this
//! exercise's own). (b) is multiple choice, A–D, graded by [`text::read`]: the letter in any
//! wrapping, or a sentence in English, German, French or Chinese, with negation. An answer it
//! cannot read is "could not grade" (neutral), never a ✗.

use super::{solutions, EXERCISE_4, TOLERANCE_4};
use crate::exercise::text::{self, Choice, Reading};
use crate::exercise::words::num;
use crate::exercise::{scalar, Feedback, Read, Status};

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn rel_close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs()
}

/// What part (a) says.
enum Value {
    Right(Option<String>),
    Wrong(String),
}

fn judge_value(v: f64, t: f64) -> Value {
    let z = solutions::Z_4;
    let s = sigmoid(z);
    let s_neg = sigmoid(-z);
    let e_minus = (-z).exp();
    // σ(1 − σ) computed in f32, as torch (and the library's closed form in f32) do.
    let s32 = 1.0f32 / (1.0f32 + (-10.0f32).exp());
    let f32_closed_form = f64::from(s32 * (1.0f32 - s32));
    let wrong = Value::Wrong;
    if v.abs() < 1e-15 {
        return wrong(
            "σ′(10) is about 4.5e-5, not 0: saturated but not exactly zero. The curve is very flat at z = 10, but \
             σ′(z) = σ(z)(1 − σ(z)) is positive for every finite z."
                .to_string(),
        );
    }
    // σ(−10) = 1 − σ(10) lies within 0.005 % of σ′(10), so it is recognised before the tolerance.
    if rel_close(v, s_neg, 2e-6) && !rel_close(v, t, 2e-6) {
        return wrong(format!(
            "{v:.6e} is σ(−10) = 1 − σ(10): sigmoid's value (at −10), not its slope at 10. The slope is \
             σ′(10) = σ(10)·(1 − σ(10)): the factor σ(10) = 0.99995 is missing. Here it only changes the 5th digit, \
             but at z = 0 it halves the value (0.25, not 0.5)."
        ));
    }
    if TOLERANCE_4.accepts(v, t) {
        let note = if rel_close(v, e_minus, 1e-7) {
            Some(format!(
                "Your value is e⁻¹⁰ = {e_minus:.5e}: the large-z approximation σ′(z) ≈ e⁻ᶻ, accurate to 0.01% here. \
                 The exact value is σ(10)(1 − σ(10)) = {t:.5e}."
            ))
        } else if rel_close(v, f32_closed_form, 1e-6) {
            Some(format!(
                "Your {} is σ(1 − σ) computed in f32, where 1 − σ(10) = 1 − 0.9999546 keeps only 3 digits \
                 (cancellation); autodiff, or f64, gives {t:.5e}. Same conclusion, different 4th digit.",
                num(v)
            ))
        } else {
            None
        };
        return Value::Right(note);
    }
    if rel_close(v, s, 1e-4) {
        return wrong(format!(
            "{v:.5} is σ(10), sigmoid's output at 10. The Jacobian is its derivative, σ′(z) = σ(z)(1 − σ(z))."
        ));
    }
    if rel_close(v, 0.25, 1e-3) {
        return wrong("0.25 is σ′(0), sigmoid's steepest slope, at z = 0. At z = 10 the curve is almost flat.".to_string());
    }
    if scalar::sign_flipped(v, t, TOLERANCE_4) {
        return wrong("Wrong sign: σ′(z) = σ(z)(1 − σ(z)) is never negative, because sigmoid only ever increases.".to_string());
    }
    if let Some(k) = scalar::power_of_ten(v, t) {
        return wrong(format!(
            "{} is off by a factor of {}: the digits are right, the power of ten is not. Check the exponent (e-5?) \
             or the decimal point.",
            num(v),
            scalar::power_words(k)
        ));
    }
    if let Some(d) = scalar::low_precision(v, t, TOLERANCE_4) {
        return wrong(format!(
            "{} is σ′(10) rounded to {d} significant digit{}: too rough for the 1% tolerance. Keep at least 2 \
             (or let the library compute it).",
            num(v),
            if d == 1 { "" } else { "s" }
        ));
    }
    let tanh_prime = 1.0 - z.tanh().powi(2);
    if rel_close(v, tanh_prime, 1e-2) {
        return wrong(format!(
            "{} is tanh′(10) = 1 − tanh²(10). This exercise is about sigmoid, σ(z) = 1/(1 + e⁻ᶻ).",
            num(v)
        ));
    }
    if rel_close(v, z.exp(), 1e-3) {
        return wrong(
            "e¹⁰ ≈ 22026 is far too big: sigmoid's slope is never more than 1/4. Mind the sign of the exponent in \
             σ(z) = 1/(1 + e⁻ᶻ)."
                .to_string(),
        );
    }
    if v < 0.0 {
        return wrong(format!("{} is negative, but sigmoid only ever increases, so σ′(z) = σ(z)(1 − σ(z)) > 0.", num(v)));
    }
    if v > 0.25 {
        return wrong(format!(
            "{} is too big: sigmoid's slope is at most 1/4 (at z = 0), and it shrinks as |z| grows.",
            num(v)
        ));
    }
    if v > t / 10.0 && v < t * 10.0 {
        return wrong(format!(
            "{} is the right order of magnitude but {:.1}% off, outside the 1% tolerance: compute σ(10)(1 − σ(10)) \
             with a few more digits, or let the library do it.",
            num(v),
            100.0 * (v - t).abs() / t
        ));
    }
    wrong(format!(
        "{} is not σ′(10). Use σ′(z) = σ(z)(1 − σ(z)) with σ(10) = 1/(1 + e⁻¹⁰), or let the library compute it: \
         `jacobian(sigmoid, &tensor(&[10.0])?)?`.",
        num(v)
    ))
}

/// The options of (b) and the phrases that say them; `'0'` is "there is no problem".
pub(crate) const CHOICES: &[Choice] = &[
    Choice {
        letter: 'A',
        phrases: &[
            "explod", "blow up", "blows up", "blowing up", "large", "huge", "big$", "bigger", "grow", "too high",
            "diverg", "infinit", "overflow", "explodier", "explos", "riesig", "爆炸", "很大",
        ],
    },
    Choice {
        letter: 'B',
        phrases: &[
            "vanish", "small", "tiny", "minuscule", "negligible", "almost 0", "almost zero", "nearly 0", "nearly zero",
            "near 0", "near zero", "close to 0", "close to zero", "approximately 0", "approximately zero", "≈ 0", "≈0",
            "~0", "~ 0", "zero$", "0$", "barely", "hardly", "stop learning", "stops learning", "stopped learning",
            "stop updating", "stops updating", "no longer learn", "not learn", "n't learn", "cannot learn",
            "learn nothing", "learning stall", "stall", "slow", "saturat", "flat", "little", "no gradient",
            "diminish", "shrink", "decay", "weak", "very low", "verschwind", "schwund", "winzig", "sehr klein",
            "fast null", "nahe null", "nahezu null", "lernt nicht mehr", "sättig", "dispara", "évanesc", "evanesc",
            "évanou", "evanou", "très petit", "tres petit", "presque nul", "proche de zéro", "proche de 0",
            "quasi nul", "消失", "很小", "接近零", "接近0", "几乎为零", "几乎是零", "趋近于零", "饱和", "学不到",
            "desvanec",
        ],
    },
    Choice { letter: 'C', phrases: &["not square", "non-square", "nonsquare", "isn't square", "square"] },
    Choice { letter: 'D', phrases: &["not differentiab", "non-differentiab", "differentiab", "no derivative", "derivative does not exist"] },
    Choice {
        letter: '0',
        phrases: &["no problem", "not a problem", "not problematic", "nothing wrong", "fine$", "kein problem", "pas de problème", "没问题"],
    },
];

/// Part (b): `(status, message)` for a read answer.
fn judge_why(text: &str) -> (Status, String) {
    let wrong = |m: &str| (Status::Incorrect, m.to_string());
    let letter = |c: char| match c {
        'B' => (Status::Correct, "B is the reason.".to_string()),
        'A' => wrong(
            "A is the opposite: gradients explode when slopes are above 1, and sigmoid's is at most 1/4. At z = 10 \
             the gradient passing back is multiplied by a tiny number.",
        ),
        'C' => wrong(
            "C: a 1×1 matrix is square, and squareness does not matter for backprop anyway (a 3 → 2 layer has a 2×3 \
             Jacobian and trains fine).",
        ),
        'D' => wrong(
            "D: sigmoid is smooth, differentiable everywhere, z = 10 included. The trouble is the size of the \
             derivative there, not whether it exists.",
        ),
        '0' => wrong(
            "It is a problem: σ′(10) is not exactly zero, but it is tiny, and backprop multiplies the gradient \
             arriving at this neuron by it, so almost nothing reaches the weights before it.",
        ),
        c => wrong(&format!("{c} is not one of the choices: pick A, B, C or D.")),
    };
    match text::read(text, CHOICES) {
        Reading::Letter(c) | Reading::Says(c) => letter(c),
        Reading::Ambiguous(cs) => (
            Status::Ungraded,
            format!(
                "Your answer names {} at once, so I cannot tell which you mean: pick one letter.",
                cs.iter().map(|c| if *c == '0' { "\"no problem\"".to_string() } else { c.to_string() }).collect::<Vec<_>>().join(" and ")
            ),
        ),
        Reading::Denies(cs) if cs.contains(&'B') => wrong(
            "You say the gradient is not small (or not near zero). It is not exactly zero, but σ′(10) ≈ 4.5e-5 is \
             tiny, and backprop multiplies the gradient by it.",
        ),
        Reading::Denies(cs) => (
            Status::Ungraded,
            format!(
                "True, that rules out {}; but what does happen to the gradient at z = 10? Say it in a few words, or \
                 pick a letter A–D.",
                cs.iter().map(char::to_string).collect::<Vec<_>>().join(" and ")
            ),
        ),
        Reading::Unreadable => (
            Status::Ungraded,
            format!(
                "I could not grade {text:?}: answer with a letter A–D, or say what happens to the gradient (in \
                 English, Deutsch, français or 中文), e.g. \"it vanishes\"."
            ),
        ),
    }
}

/// Exercise 4's check on answers already read.
pub(crate) fn check(value: Read<f64>, why: Read<String>) -> Feedback {
    if value.is_none() && why.is_none() {
        return EXERCISE_4.not_attempted();
    }
    let value = match value {
        Some(Err(why)) => {
            return Feedback::new(
                4,
                Status::CodeError,
                format!(
                    "Your value for (a) cannot be read as one number: {why}. Sigmoid at the single number z = 10 has \
                     a 1×1 Jacobian: `jacobian(sigmoid, &tensor(&[10.0])?)?`."
                ),
            )
        }
        Some(Ok(v)) if !v.is_finite() => {
            return Feedback::new(
                4,
                Status::CodeError,
                format!(
                    "Your value for (a) is {}: somewhere a division by zero or an overflow. σ(z) = 1/(1 + e⁻ᶻ) is \
                     finite for every z.",
                    num(v)
                ),
            )
        }
        Some(Ok(v)) => Some(v),
        None => None,
    };
    let why = match why {
        Some(Err(e)) => return Feedback::new(4, Status::CodeError, format!("Your reason for (b) cannot be read: {e}.")),
        Some(Ok(w)) => Some(w),
        None => None,
    };
    let t = match solutions::answer_4() {
        Ok(t) => t,
        Err(e) => return EXERCISE_4.internal_error(&e),
    };
    let value = value.map(|v| judge_value(v, t));
    let why = why.map(|w| judge_why(&w));
    let part_b = |why: &Option<(Status, String)>| match why {
        None => "(b) is still `Unanswered`: pick A, B, C or D.".to_string(),
        Some((Status::Correct, _)) => "(b) ✓ B is the reason.".to_string(),
        Some((_, m)) => format!("(b) {m}"),
    };
    match (value, why) {
        (Some(Value::Right(note)), Some((Status::Correct, _))) => {
            let fb = Feedback::new(
                4,
                Status::Correct,
                "σ′(10) ≈ 4.54e-5: at z = 10 the sigmoid is saturated, so backprop multiplies the gradient arriving \
                 at this neuron by 0.0000454. That is the vanishing gradient: after a few saturated layers almost \
                 nothing reaches the early weights, and they stop learning. ReLU (slope 1 for z > 0), careful \
                 initialisation and normalisation keep pre-activations out of these flat tails.",
            );
            match note {
                Some(n) => fb.detail(n),
                None => fb,
            }
        }
        (Some(Value::Right(_)), Some((Status::Ungraded, m))) => {
            Feedback::new(4, Status::Ungraded, format!("(b) {m}")).detail("(a) ✓ your value of σ′(10) is right.")
        }
        (Some(Value::Right(_)), why) => {
            Feedback::new(4, Status::Incorrect, part_b(&why)).detail("(a) ✓ your value of σ′(10) is right.")
        }
        (value, why) => {
            let a = match value {
                None => "(a) is still `Unanswered`: the 1×1 Jacobian of sigmoid at z = 10.".to_string(),
                Some(Value::Wrong(m)) => format!("(a) {m}"),
                Some(Value::Right(_)) => "(a) ✓ your value of σ′(10) is right.".to_string(),
            };
            Feedback::new(4, Status::Incorrect, a).detail(part_b(&why))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f32_closed_form_is_torch_s_number() {
        let s32 = 1.0f32 / (1.0f32 + (-10.0f32).exp());
        let v = f64::from(s32 * (1.0f32 - s32));
        assert!((v - 4.5416676584864035e-05).abs() < 1e-12, "{v:e}");
    }

    #[test]
    fn sigma_minus_ten_is_not_sigma_prime_ten() {
        let t = solutions::answer_4().unwrap();
        assert!(matches!(judge_value(sigmoid(-10.0), t), Value::Wrong(m) if m.contains("σ(−10)")));
        assert!(matches!(judge_value(f64::from(1.0f32 / (1.0f32 + 10f32.exp())), t), Value::Wrong(_)), "f32 σ(−10)");
        assert!(matches!(judge_value(t, t), Value::Right(None)));
    }
}
