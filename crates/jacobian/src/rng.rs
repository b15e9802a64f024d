//! Seeded random numbers (PLACEHOLDER BODY: the RNG helper replaces this with PyTorch's CPU generator).
//! The public signatures below are the contract other modules code against.
use crate::Result;
use candle_core::{Device, Shape, Tensor};
use std::cell::RefCell;

/// A seeded generator (placeholder algorithm).
#[derive(Debug, Clone)]
pub struct Generator {
    state: u64,
}

impl Generator {
    /// A generator seeded with `seed`, like `torch.Generator().manual_seed(seed)`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed ^ 0x9E37_79B9_7F4A_7C15 }
    }
    /// Re-seeds, like `torch.manual_seed`.
    pub fn manual_seed(&mut self, seed: u64) {
        *self = Self::new(seed);
    }
    fn next_f32(&mut self) -> f32 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        (self.state >> 40) as f32 / (1u64 << 24) as f32
    }
    /// Standard normal f32 tensor, like `torch.randn`.
    pub fn randn<S: Into<Shape>>(&mut self, shape: S) -> Result<Tensor> {
        let shape = shape.into();
        let v: Vec<f32> = (0..shape.elem_count()).map(|_| self.next_f32() * 2.0 - 1.0).collect();
        Ok(Tensor::from_vec(v, shape, &Device::Cpu)?)
    }
    /// U[0, 1) f32 tensor, like `torch.rand`.
    pub fn rand<S: Into<Shape>>(&mut self, shape: S) -> Result<Tensor> {
        self.uniform(shape, 0.0, 1.0)
    }
    /// U[low, high) f32 tensor, like `torch.empty(shape).uniform_(low, high)`.
    pub fn uniform<S: Into<Shape>>(&mut self, shape: S, low: f64, high: f64) -> Result<Tensor> {
        let shape = shape.into();
        let v: Vec<f32> = (0..shape.elem_count())
            .map(|_| (low + (high - low) * self.next_f32() as f64) as f32)
            .collect();
        Ok(Tensor::from_vec(v, shape, &Device::Cpu)?)
    }
    /// Draws `nn.Linear(in_features, out_features)`'s default parameters, in PyTorch's order:
    /// weight `(out, in)` then bias `(out,)`, both U(±1/√in_features).
    pub fn linear_params(&mut self, in_features: usize, out_features: usize) -> Result<(Tensor, Tensor)> {
        let bound = 1.0 / (in_features as f64).sqrt();
        let w = self.uniform((out_features, in_features), -bound, bound)?;
        let b = self.uniform(out_features, -bound, bound)?;
        Ok((w, b))
    }
}

thread_local! {
    static DEFAULT: RefCell<Generator> = RefCell::new(Generator::new(67280421310721));
}

/// Runs `f` with this thread's default generator (the one `manual_seed`/`randn` use).
pub fn with_default_generator<R>(f: impl FnOnce(&mut Generator) -> R) -> R {
    DEFAULT.with(|g| f(&mut g.borrow_mut()))
}
/// Seeds the default generator, like `torch.manual_seed`.
pub fn manual_seed(seed: u64) {
    with_default_generator(|g| g.manual_seed(seed))
}
/// Like `torch.randn`, from the default generator.
pub fn randn<S: Into<Shape>>(shape: S) -> Result<Tensor> {
    with_default_generator(|g| g.randn(shape))
}
/// Like `torch.rand`, from the default generator.
pub fn rand<S: Into<Shape>>(shape: S) -> Result<Tensor> {
    with_default_generator(|g| g.rand(shape))
}
