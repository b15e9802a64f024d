//! Exercise 2: the shape of ∂y/∂x for a 3 → 5 → 4 → 2 → 1 network.

use super::{solutions, EXERCISE_2};
use crate::exercise::{Feedback, Read, Status};

const ORDINALS: [&str; 4] = ["first", "second", "third", "fourth (last)"];

fn shape(s: &[usize]) -> String {
    match s {
        [n] => format!("({n},)"),
        _ => format!("({})", s.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")),
    }
}

/// Exercise 2's check on an answer already read as a list of dimensions.
pub(crate) fn check(answer: Read<Vec<usize>>) -> Feedback {
    let s = match answer {
        None => return EXERCISE_2.not_attempted(),
        Some(Err(why)) => {
            return Feedback::new(2, Status::CodeError, format!("Your answer cannot be read as a shape: {why}."))
        }
        Some(Ok(s)) => s,
    };
    let (m, n) = match solutions::answer_2() {
        Ok(t) => t,
        Err(e) => return EXERCISE_2.internal_error(&e),
    };
    let dims = solutions::LAYERS_2;
    let layers = dims.len() - 1;
    let incorrect = |message: String| Feedback::new(2, Status::Incorrect, message);
    let pair = match s[..] {
        [a, b] => (a, b),
        [k] if k == n => {
            return incorrect(format!(
                "{} is the shape of the gradient ∇ₓy as PyTorch returns it (1-D, like x). The \
                 Jacobian ∂y/∂x is a matrix: give it as (rows, cols), outputs×inputs.",
                shape(&s)
            ))
        }
        _ => {
            return incorrect(format!(
                "{} has {} dimension(s); the Jacobian of a vector-to-vector function is a matrix: \
                 (rows, cols) = (outputs, inputs).",
                shape(&s),
                s.len()
            ))
        }
    };
    if pair == (m, n) {
        return Feedback::new(
            2,
            Status::Correct,
            format!(
                "∂y/∂x is {m}×{n}: the chain rule multiplies {}, and every hidden size cancels. One row, because y is a scalar: this Jacobian is the gradient of y, \
                 laid out as a row. That is why backprop runs backwards from a scalar loss: every \
                 step is a row vector times a matrix (a vector–Jacobian product), never a full \
                 matrix–matrix product.",
                (0..layers)
                    .rev()
                    .map(|k| format!("({}×{})", dims[k + 1], dims[k]))
                    .collect::<String>()
            ),
        );
    }
    if pair == (n, m) {
        return incorrect(format!(
            "You gave the shape as inputs×outputs ({n}, {m}); a Jacobian is outputs×inputs: one row \
             per output of the network, one column per input."
        ));
    }
    if pair.0 == 0 || pair.1 == 0 {
        return incorrect(format!(
            "{} has a zero dimension: x has {n} entries and y has {m}, so ∂y/∂x has at least one row \
             and one column.",
            shape(&s)
        ));
    }
    for k in 0..layers {
        let (input, output) = (dims[k], dims[k + 1]);
        if pair == (output, input) {
            return incorrect(format!(
                "({output}, {input}) is the Jacobian of the {} layer alone ({input} → {output}). \
                 ∂y/∂x chains all {layers} layers, J = J₄·J₃·J₂·J₁: what shape does that product have?",
                ORDINALS[k]
            ));
        }
        if pair == (input, output) && input != output {
            return incorrect(format!(
                "({input}, {output}) is the {} layer's shape turned around, inputs×outputs; its \
                 Jacobian is {output}×{input}. And ∂y/∂x is the whole network's Jacobian, the \
                 product of all {layers} layers' Jacobians.",
                ORDINALS[k]
            ));
        }
    }
    if pair.0 == m {
        return incorrect(format!(
            "The number of rows is right ({m}: one per output, and y is a scalar). The columns count \
             the inputs of the whole network: how many entries does x have?"
        ));
    }
    if pair.1 == n {
        return incorrect(format!(
            "The number of columns is right ({n}: one per entry of x). The rows count the outputs of \
             the whole network, i.e. of its last layer."
        ));
    }
    let product: usize = dims.iter().product();
    let sum: usize = dims.iter().sum();
    if pair.0 == product || pair.1 == product || pair.0 == sum || pair.1 == sum {
        return incorrect(format!(
            "{} multiplies or adds the layer sizes, but shapes do not combine that way: the chain \
             rule multiplies Jacobians as matrices, and an (a×b)·(b×c) product is a×c.",
            shape(&s)
        ));
    }
    incorrect(format!(
        "{} is not the shape of ∂y/∂x. A Jacobian is (size of the output) × (size of the input): \
         only the first and last sizes of {} matter, because the hidden sizes cancel in the \
         chain-rule product.",
        shape(&s),
        dims.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(" → ")
    ))
}
