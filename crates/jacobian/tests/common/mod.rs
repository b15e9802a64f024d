//! Shared by the property tests: random smooth functions ("programs") built from matmul, sin,
//! tanh, exp and sigmoid, points, and central finite differences in f64.
#![allow(dead_code)]
use candle_core::{DType, Device, Tensor};
use jacobian::ops;
use proptest::prelude::*;

/// One step of a random function. Every step maps the last axis, so the function is
/// batch-compatible (it can be used with the vectorized strategy).
#[derive(Debug, Clone)]
pub enum Step {
    /// `x ↦ x Wᵀ`, `W` of shape `(out, in)` with entries in [−1, 1].
    Matmul { out: usize, weights: Vec<f64> },
    Sin,
    Tanh,
    Exp,
    Sigmoid,
}

#[derive(Debug, Clone)]
pub struct Program {
    pub n: usize,
    pub steps: Vec<Step>,
}

impl Program {
    /// The output size.
    pub fn m(&self) -> usize {
        let mut d = self.n;
        for s in &self.steps {
            if let Step::Matmul { out, .. } = s {
                d = *out;
            }
        }
        d
    }

    /// The weight matrices as tensors, `Wᵀ` of shape `(in, out)`.
    pub fn weights(&self) -> Vec<Option<Tensor>> {
        let mut d = self.n;
        self.steps
            .iter()
            .map(|s| match s {
                Step::Matmul { out, weights } => {
                    let w = Tensor::from_vec(weights[..out * d].to_vec(), (*out, d), &Device::Cpu).unwrap();
                    d = *out;
                    Some(w.t().unwrap().contiguous().unwrap())
                }
                _ => None,
            })
            .collect()
    }

    /// The largest |value| of the input and of every step's output at `x` (NaN counts as infinite).
    pub fn largest_intermediate(&self, x: &[f64]) -> f64 {
        let t = Tensor::from_vec(x.to_vec(), self.n, &Device::Cpu).unwrap();
        let mut largest = max_abs(x);
        for k in 1..=self.steps.len() {
            let prefix = Program { n: self.n, steps: self.steps[..k].to_vec() };
            largest = largest.max(max_abs(&to_vec(&prefix.closure()(&t).unwrap())));
        }
        largest
    }

    /// The function, on `(..., n)` → `(..., m)`.
    pub fn closure(&self) -> impl Fn(&Tensor) -> candle_core::Result<Tensor> + '_ {
        let weights = self.weights();
        move |x: &Tensor| {
            let mut h = x.clone();
            for (s, w) in self.steps.iter().zip(&weights) {
                h = match (s, w) {
                    (Step::Matmul { .. }, Some(wt)) => match h.rank() {
                        1 => h.unsqueeze(0)?.matmul(wt)?.squeeze(0)?,
                        _ => h.broadcast_matmul(wt)?,
                    },
                    (Step::Sin, _) => h.sin()?,
                    (Step::Tanh, _) => h.tanh()?,
                    (Step::Exp, _) => h.exp()?,
                    (Step::Sigmoid, _) => ops::sigmoid(&h)?,
                    (Step::Matmul { .. }, None) => candle_core::bail!("missing weights"),
                };
            }
            Ok(h)
        }
    }
}

pub fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (1usize..=4, prop::collection::vec(-1.0f64..1.0, 16)).prop_map(|(out, weights)| Step::Matmul { out, weights }),
        1 => Just(Step::Sin),
        1 => Just(Step::Tanh),
        1 => Just(Step::Exp),
        1 => Just(Step::Sigmoid),
    ]
}

pub fn program() -> impl Strategy<Value = Program> {
    (1usize..=4, prop::collection::vec(step(), 1..=5)).prop_map(|(n, steps)| Program { n, steps })
}

pub fn point(n: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-1.0f64..1.0, n)
}

/// A program and a point where every intermediate value stays below 100 in size: a chain of
/// `exp` can overflow to inf inside while a later `tanh` keeps `f` finite (exp⁴ then tanh at 0.68:
/// f = 1 but every derivative is inf·0 = NaN), which no transform can differentiate.
pub fn program_and_point() -> impl Strategy<Value = (Program, Vec<f64>)> {
    program()
        .prop_flat_map(|p| {
            let n = p.n;
            (Just(p), point(n))
        })
        .prop_filter("an intermediate value overflows", |(p, x)| p.largest_intermediate(x) < 100.0)
}

pub fn to_vec(t: &Tensor) -> Vec<f64> {
    t.flatten_all().unwrap().to_dtype(DType::F64).unwrap().to_vec1().unwrap()
}

pub fn max_abs(v: &[f64]) -> f64 {
    // NaN counts as infinitely large, so `prop_assume!(max_abs(..) < bound)` rejects it.
    v.iter().fold(0.0, |a, b| if b.is_nan() { f64::INFINITY } else { a.max(b.abs()) })
}

pub fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).fold(0.0, |m, (x, y)| m.max((x - y).abs()))
}

/// Central finite differences of `f` at `x` (any shape), flattened `(m, n)` row-major.
pub fn finite_differences(f: &dyn Fn(&Tensor) -> candle_core::Result<Tensor>, x: &Tensor, eps: f64) -> Vec<f64> {
    let base = to_vec(x);
    let n = base.len();
    let m = f(x).unwrap().elem_count();
    let mut j = vec![0.0; m * n];
    for k in 0..n {
        let at = |d: f64| {
            let mut v = base.clone();
            v[k] += d;
            to_vec(&f(&Tensor::from_vec(v, x.shape(), &Device::Cpu).unwrap()).unwrap())
        };
        let (p, q) = (at(eps), at(-eps));
        for i in 0..m {
            j[i * n + k] = (p[i] - q[i]) / (2.0 * eps);
        }
    }
    j
}

