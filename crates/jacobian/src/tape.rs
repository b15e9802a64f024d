//! A tape of known ops: how [`crate::jacobian`] (with [`crate::Strategy::Auto`]) computes the
//! Jacobian of a closure built from [`crate::ops`] and [`crate::nn`] without a batched pass.
//!
//! Why: candle's backward is generic. For a Jacobian it must be run once per output, or once
//! over a batch of `m` copies of the closure's graph (the vectorized strategy, which also needs
//! a batched forward pass and checks that the closure batches); each pass allocates a zero
//! cotangent per edge, computes the cotangents of constants, and multiplies by a one-hot seed.
//! `torch.func.jacrev` avoids most of that with vmap and fused kernels. candle does not let us
//! walk its graph (`Tensor::op()` is crate-private), but the ops of this crate can describe
//! themselves: while a tape is recording, [`crate::ops::linear`] (hence `matvec` and
//! `nn::Linear`; 1-D input, constant `W` and `b`), [`crate::ops::relu`], [`crate::ops::sigmoid`]
//! and [`crate::ops::tanh`] record their local Jacobian (`W`, `diag(1[z > 0])`, `diag(σ(1 − σ))`,
//! `diag(1 − tanh²)`) and return their value as a fresh leaf variable.
//!
//! **Segments.** Those leaves cut the closure's graph into segments: what lies between two
//! recorded ops (or between `x` and the first, or the last and `f(x)`) is candle's graph, and
//! the variables it reaches are exactly the leaves it starts from (candle's `sorted_nodes` stops
//! at variables). A segment that reaches one leaf `q` and keeps its size (candle's `+ b`, `* c`,
//! `sin`, a reshape, nothing at all) is taken as element-wise: its Jacobian `diag(d)` with `d`
//! from one candle pass (`∂ sum(s) / ∂q`), accepted only if [`PROBES`] seeded random Gaussian
//! vectors `v` give `vᵀJ = v ⊙ d` within a roundoff bound, as the vectorized strategy checks its
//! result: a segment that mixes entries (a sum added back, a permutation) changes `vᵀJ` for
//! almost every `v`. A segment that reaches two leaves, another variable (a trained weight, an
//! outer transform's point), or changes size (a sum) is not a chain link, and the caller falls
//! back to candle's graph with a fresh evaluation of `f`. So every link of the chain is known
//! exactly or checked, and `J = J_L ··· J_1`.
//!
//! The product is accumulated from the smaller side (from the output for `m ≤ n`, like
//! reverse mode; from the input otherwise), starting from an identity that is never formed, and
//! ReLU's zero columns are dropped rather than multiplied by zero (as candle's `where_cond`
//! backward selects rather than multiplies, so even an infinite weight gives the same zero).
use crate::Result;
use candle_core::{Device, Tensor, TensorId, Var};
use std::cell::RefCell;
use std::collections::HashMap;

thread_local! {
    /// The tape being recorded in this thread, if any.
    static TAPE: RefCell<Option<Tape>> = const { RefCell::new(None) };
}

/// The local Jacobian of one recorded op, `∂ output / ∂ input`.
#[derive(Debug, Clone)]
pub(crate) enum Rule {
    /// `y = W x (+ b)` for a 1-D `x`: `W`, `(m, n)`.
    Linear(Tensor),
    /// ReLU: `diag(1[z > 0])`, given as the flat indices of the live entries and the length.
    Mask(Vec<u32>, usize),
    /// An element-wise map with derivative `d` (flat, the input's length and dtype): `diag(d)`.
    Scale(Tensor),
}

impl Rule {
    /// (output length, input length).
    fn dims(&self) -> Result<(usize, usize)> {
        Ok(match self {
            Rule::Linear(w) => w.dims2()?,
            Rule::Mask(_, k) => (*k, *k),
            Rule::Scale(d) => (d.elem_count(), d.elem_count()),
        })
    }
}

#[derive(Debug)]
struct Entry {
    input: Tensor,
    rule: Rule,
}

/// The recorded ops of one evaluation, keyed by the id of the leaf each returned.
#[derive(Debug, Default)]
pub(crate) struct Tape {
    entries: HashMap<TensorId, Entry>,
}

/// Whether a tape is recording in this thread.
pub(crate) fn active() -> bool {
    TAPE.with(|t| t.borrow().is_some())
}

/// Records that `value` was computed from `input` (plus constants) with the local Jacobian
/// `rule`, and returns it as a fresh leaf variable (see the module docs); without a recording
/// tape, returns `value` as it is.
pub(crate) fn record(input: &Tensor, value: Tensor, rule: Rule) -> candle_core::Result<Tensor> {
    if !active() {
        return Ok(value);
    }
    let leaf = Var::from_tensor(&value)?.as_tensor().clone();
    TAPE.with(|t| {
        if let Some(tape) = t.borrow_mut().as_mut() {
            tape.entries.insert(leaf.id(), Entry { input: input.clone(), rule });
        }
    });
    Ok(leaf)
}

/// Puts back the tape (or its absence) that was there before, also on panic.
struct Restore(Option<Tape>);

impl Drop for Restore {
    fn drop(&mut self) {
        let previous = self.0.take();
        TAPE.with(|t| *t.borrow_mut() = previous);
    }
}

/// Runs `f` with a fresh tape recording, and returns its result with the tape.
pub(crate) fn recording<R>(f: impl FnOnce() -> R) -> (R, Tape) {
    let restore = Restore(TAPE.with(|t| t.borrow_mut().replace(Tape::default())));
    let out = f();
    let tape = TAPE.with(|t| t.borrow_mut().take()).unwrap_or_default();
    drop(restore);
    (out, tape)
}

/// Stops recording until dropped: every transform holds one, so that a transform called inside
/// a closure never records into (or changes the graph built for) an outer transform's tape.
pub(crate) struct Suspended {
    _restore: Restore,
}

pub(crate) fn suspend() -> Suspended {
    Suspended { _restore: Restore(TAPE.with(|t| t.borrow_mut().take())) }
}

/// How many seeded random probes check that a segment of candle ops is element-wise.
pub(crate) const PROBES: u64 = 3;

impl Tape {
    /// Whether no op recorded (then the evaluation's graph is candle's own, uncut).
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The chain of local Jacobians from `x` to `y`, input side first, if every segment of
    /// `y`'s graph is a link (see the module docs); `None` otherwise.
    pub(crate) fn chain(&self, y: &Tensor, x: &Var) -> Result<Option<Vec<Rule>>> {
        let x = x.as_tensor().id();
        let mut rules = Vec::new();
        let mut current = y.clone();
        for _ in 0..=self.entries.len() {
            let start = if current.is_variable() {
                current.clone()
            } else {
                let leaves: Vec<Tensor> = current.sorted_nodes().into_iter().filter(|t| t.is_variable()).cloned().collect();
                let [q] = leaves.as_slice() else { return Ok(None) };
                match elementwise(&current, q)? {
                    Some(rule) => rules.push(rule),
                    None => return Ok(None),
                }
                q.clone()
            };
            if start.id() == x {
                rules.reverse();
                return Ok(Some(rules));
            }
            let Some(entry) = self.entries.get(&start.id()) else { return Ok(None) };
            rules.push(entry.rule.clone());
            current = entry.input.clone();
        }
        Ok(None) // not a chain (cannot happen: inputs are older than outputs)
    }
}

/// The Jacobian `diag(d)` of a segment `s` of candle ops that starts from the leaf `q` alone,
/// if it keeps the size and dtype and the probes find it element-wise; `None` otherwise
/// (including when candle cannot differentiate it: the caller's fallback reports that).
fn elementwise(s: &Tensor, q: &Tensor) -> Result<Option<Rule>> {
    let k = q.elem_count();
    if s.elem_count() != k || s.dtype() != q.dtype() {
        return Ok(None);
    }
    // vᵀ (∂s/∂q), flat, detached (candle may keep the graph of cotangents, see second_order).
    let vjp = |v: &Tensor| -> Result<Option<Tensor>> {
        let seeded = (s * v.to_dtype(s.dtype())?.reshape(s.shape())?)?.sum_all()?;
        let grads = match seeded.backward() {
            Ok(g) => g,
            Err(_) => return Ok(None),
        };
        Ok(Some(match grads.get(q) {
            Some(g) => g.detach().flatten_all()?,
            None => q.zeros_like()?.flatten_all()?,
        }))
    };
    let Some(d) = vjp(&Tensor::ones(k, s.dtype(), s.device())?)? else { return Ok(None) };
    let dv = crate::engine::values(&d)?;
    let u = crate::engine::unit_roundoff(s.dtype());
    for p in 0..PROBES {
        let v = crate::rng::Generator::new(0x7A9E_0000 + p).randn_f64(k)?.to_dtype(s.dtype())?;
        let Some(got) = vjp(&v)? else { return Ok(None) };
        let got = crate::engine::values(&got)?;
        let want: Vec<f64> = crate::engine::values(&v)?.iter().zip(&dv).map(|(v, d)| v * d).collect();
        let scale: Vec<f64> = want.iter().zip(&got).map(|(w, g)| w.abs() + g.abs()).collect();
        let largest = scale.iter().filter(|s| s.is_finite()).fold(0.0f64, |a, &s| a.max(s));
        let tol = |e: usize| crate::jacobian::PROBE_ROUNDOFFS * u * (scale[e] + largest / 4.0);
        if crate::engine::worst_mismatch(&got, &want, tol).is_some() {
            return Ok(None);
        }
    }
    Ok(Some(Rule::Scale(d)))
}

/// A partial product of the chain, from the output side: `G`, `(m, k)` for the current node of
/// length `k`, kept in a form that avoids work on the identity and on zero columns.
enum Acc {
    /// `diag(s)` (`s` all ones when `None`) on the entries `live` (all when `None`), 0 elsewhere.
    Diagonal { live: Option<Vec<u32>>, scale: Option<Tensor> },
    /// `d` placed in rows `rows` and columns `cols` (all when `None`), 0 elsewhere.
    Dense { d: Tensor, rows: Option<Vec<u32>>, cols: Option<Vec<u32>> },
}

fn index(ids: &[u32], device: &Device) -> Result<Tensor> {
    Ok(Tensor::new(ids, device)?)
}

/// `J = R_L ··· R_1` for `rules` (input side first), `(m, n)` for an input of length `n`, in
/// `dtype`. Accumulated from the output when `m ≤ n`; otherwise `Jᵀ = R_1ᵀ ··· R_Lᵀ` is
/// accumulated the same way and transposed.
pub(crate) fn jacobian(rules: &[&Rule], n: usize, dtype: candle_core::DType, device: &Device) -> Result<Tensor> {
    let m = match rules.last() {
        Some(r) => r.dims()?.0,
        None => n,
    };
    if m <= n {
        let order: Vec<Rule> = rules.iter().rev().map(|r| (*r).clone()).collect();
        product(&order, m, n, dtype, device)
    } else {
        let mut order = Vec::with_capacity(rules.len());
        for r in rules.iter() {
            order.push(match r {
                Rule::Linear(w) => Rule::Linear(w.t()?.contiguous()?),
                other => (*other).clone(),
            });
        }
        Ok(product(&order, n, m, dtype, device)?.t()?.contiguous()?)
    }
}

/// `I_m · R_1 · R_2 ··· R_L` for `rules` in that order (each `(k_prev, k_next)`), `(m, n)`.
fn product(rules: &[Rule], m: usize, n: usize, dtype: candle_core::DType, device: &Device) -> Result<Tensor> {
    let mut acc = Acc::Diagonal { live: None, scale: None };
    let mut k = m;
    for rule in rules {
        let (rows_of_rule, cols_of_rule) = rule.dims()?;
        if rows_of_rule != k {
            return Err(candle_core::Error::Msg(format!(
                "jacobian: internal error, the tape's chain does not fit ({k} against {rows_of_rule})"
            ))
            .into());
        }
        acc = match (rule, acc) {
            (Rule::Mask(keep, _), Acc::Diagonal { live, scale }) => {
                let (live, positions) = intersect(live.as_deref(), keep, k);
                let scale = match (scale, &positions) {
                    (Some(s), Some(p)) => Some(s.index_select(&index(p, device)?, 0)?),
                    (s, _) => s,
                };
                Acc::Diagonal { live, scale }
            }
            (Rule::Mask(keep, _), Acc::Dense { d, rows, cols }) => {
                let (cols, positions) = intersect(cols.as_deref(), keep, k);
                let d = match positions {
                    Some(p) => d.index_select(&index(&p, device)?, 1)?,
                    None => d,
                };
                Acc::Dense { d, rows, cols }
            }
            (Rule::Scale(s), Acc::Diagonal { live, scale }) => {
                let s = match &live {
                    Some(l) => s.index_select(&index(l, device)?, 0)?,
                    None => s.clone(),
                };
                let scale = match scale {
                    Some(old) => (old * s)?,
                    None => s,
                };
                Acc::Diagonal { live, scale: Some(scale) }
            }
            (Rule::Scale(s), Acc::Dense { d, rows, cols }) => {
                let s = match &cols {
                    Some(c) => s.index_select(&index(c, device)?, 0)?,
                    None => s.clone(),
                };
                Acc::Dense { d: d.broadcast_mul(&s.unsqueeze(0)?)?, rows, cols }
            }
            (Rule::Linear(w), Acc::Diagonal { live, scale }) => {
                let w = match &live {
                    Some(l) => w.index_select(&index(l, device)?, 0)?,
                    None => w.clone(),
                };
                let d = match scale {
                    Some(s) => w.broadcast_mul(&s.unsqueeze(1)?)?,
                    None => w,
                };
                Acc::Dense { d, rows: live, cols: None }
            }
            (Rule::Linear(w), Acc::Dense { d, rows, cols }) => {
                let w = match &cols {
                    Some(c) => w.index_select(&index(c, device)?, 0)?,
                    None => w.clone(),
                };
                Acc::Dense { d: d.matmul(&w)?, rows, cols: None }
            }
        };
        k = cols_of_rule;
        // Every entry dropped (all units dead): the rest of the chain cannot revive any.
        let dead = match &acc {
            Acc::Diagonal { live: Some(l), .. } => l.is_empty(),
            Acc::Dense { cols: Some(c), .. } => c.is_empty(),
            _ => false,
        };
        if dead {
            return Ok(Tensor::zeros((m, n), dtype, device)?);
        }
    }
    if k != n {
        return Err(candle_core::Error::Msg(format!("jacobian: internal error, the tape's chain ends at {k} entries, x has {n}")).into());
    }
    match acc {
        Acc::Diagonal { live, scale } => {
            let s = match scale {
                Some(s) => s.to_dtype(dtype)?,
                None => Tensor::ones(live.as_ref().map_or(n, Vec::len), dtype, device)?,
            };
            let diag = match live {
                Some(l) => Tensor::zeros(n, dtype, device)?.index_add(&index(&l, device)?, &s, 0)?,
                None => s,
            };
            Ok(crate::ops::diag(&diag)?)
        }
        Acc::Dense { d, rows, cols } => {
            let d = d.to_dtype(dtype)?;
            let d = match cols {
                Some(c) => Tensor::zeros((d.dim(0)?, n), dtype, device)?.index_add(&index(&c, device)?, &d, 1)?,
                None => d,
            };
            Ok(match rows {
                Some(r) => Tensor::zeros((m, n), dtype, device)?.index_add(&index(&r, device)?, &d, 0)?,
                None => d,
            })
        }
    }
}

/// The indices in `current` (all of `0..k` when `None`) that are also in `keep` (sorted):
/// `(new set, positions in current)`, both `None` when nothing is dropped.
fn intersect(current: Option<&[u32]>, keep: &[u32], k: usize) -> (Option<Vec<u32>>, Option<Vec<u32>>) {
    let mut alive = vec![false; k];
    for &i in keep {
        if let Some(a) = alive.get_mut(i as usize) {
            *a = true;
        }
    }
    let all: Vec<u32>;
    let current = match current {
        Some(c) => c,
        None => {
            all = (0..k as u32).collect();
            &all
        }
    };
    let positions: Vec<u32> = (0..current.len() as u32).filter(|&p| alive[current[p as usize] as usize]).collect();
    if positions.len() == current.len() {
        return (if current.len() == k { None } else { Some(current.to_vec()) }, None);
    }
    let set = positions.iter().map(|&p| current[p as usize]).collect();
    (Some(set), Some(positions))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Linear, ReLU, Sequential, Sigmoid, Tanh};
    use crate::ops;
    use candle_core::DType;

    /// Evaluates `f` at a fresh variable while recording, and returns the chain found (if any).
    fn chain_len(f: impl Fn(&Tensor) -> candle_core::Result<Tensor>, x: &Tensor) -> Option<usize> {
        let v = Var::from_tensor(x).unwrap();
        let (y, tape) = recording(|| f(v.as_tensor()).unwrap());
        tape.chain(&y, &v).unwrap().map(|c| c.len())
    }

    #[test]
    fn the_tape_explains_closures_of_known_ops_only() {
        let mut g = crate::rng::Generator::new(1);
        let net = Sequential::new()
            .append(Linear::with_generator(4, 3, &mut g).unwrap()).append(ReLU)
            .append(Linear::with_generator(3, 3, &mut g).unwrap()).append(Sigmoid)
            .append(Linear::with_generator(3, 2, &mut g).unwrap()).append(Tanh);
        let x = g.randn(4).unwrap();
        assert_eq!(chain_len(|x| net.forward(x), &x), Some(6));
        let w = Tensor::ones((3, 4), DType::F32, &Device::Cpu).unwrap();
        let b = Tensor::ones(3, DType::F32, &Device::Cpu).unwrap();
        assert_eq!(chain_len(|x| ops::relu(&ops::linear(x, &w, Some(&b))?), &x), Some(2));
        assert_eq!(chain_len(|x| Ok(x.clone()), &x), Some(0));
        // Candle ops between them: element-wise segments are links, checked by the probes.
        assert_eq!(chain_len(|x| ops::relu(&(ops::matvec(&w, x)? + &b)?), &x), Some(3));
        assert_eq!(chain_len(|x| ops::tanh(&x.sin()?), &x), Some(2));
        assert_eq!(chain_len(|x| ops::tanh(&(x * 2.0)?)? - 1.0, &x), Some(3));
        // Not links: a size change, two leaves, entries mixed (a sum added back, a reversal).
        assert_eq!(chain_len(|x| ops::tanh(x)?.sum_all(), &x), None);
        assert_eq!(chain_len(|x| ops::tanh(x)? + x, &x), None);
        assert_eq!(chain_len(|x| ops::tanh(&x.broadcast_add(&x.sum_keepdim(0)?)?), &x), None);
        let rev = Tensor::new(&[3u32, 2, 1, 0], &Device::Cpu).unwrap();
        assert_eq!(chain_len(|x| ops::tanh(&x.index_select(&rev, 0)?), &x), None);
        // A weight that carries a graph: that op does not record.
        let wv = Var::from_tensor(&w).unwrap();
        assert_eq!(chain_len(|x| ops::matvec(wv.as_tensor(), x), &x), None);
        // A batch (2-D input) does not record the linear map.
        let xs = Tensor::ones((2, 4), DType::F32, &Device::Cpu).unwrap();
        assert_eq!(chain_len(|x| ops::matvec(&w, x), &xs), None);
        // No tape outside `recording`, and none inside a transform called while recording.
        assert!(!active());
        let (_, tape) = recording(|| {
            let _s = suspend();
            assert!(!active());
        });
        assert!(tape.entries.is_empty());
    }
}
