//! Seeded random numbers identical to PyTorch's CPU default generator.
//!
//! `torch.manual_seed(42); torch.randn(3, 2)` and
//! `jacobian::rng::manual_seed(42); jacobian::rng::randn((3, 2))` give the same `f32` values, and
//! so do longer sequences of calls (`randn`, `rand`, `uniform_`, `nn.Linear` initialisation), because
//! every draw consumes the generator exactly as PyTorch does. Everything here is `f32` on
//! [`Device::Cpu`] unless the name says `f64`.
//!
//! ```
//! use jacobian::rng;
//! # fn main() -> jacobian::Result<()> {
//! rng::manual_seed(42); // torch.manual_seed(42)
//! let w1 = rng::randn((3, 2))?; // torch.randn(3, 2)
//! assert_eq!(
//!     w1.to_vec2::<f32>()?,
//!     [[0.33669037, 0.1288094], [0.23446237, 0.23033303], [-1.1228564, -0.18632829]]
//! );
//! let (weight, bias) = rng::linear_params(2, 3)?; // a later nn.Linear(2, 3)'s parameters
//! assert_eq!((weight.dims(), bias.dims()), (&[3, 2][..], &[3][..]));
//! # Ok(())
//! # }
//! ```
//!
//! # The algorithm, and where it comes from
//!
//! All references are to the PyTorch source tree (`aten/src/ATen/...`); they were read in the
//! headers shipped with the PyTorch 2.15.0 wheel and in the upstream repository.
//!
//! * **Engine** (`core/MT19937RNGEngine.h`, `CPUGeneratorImpl.cpp`): a standard 32-bit Mersenne
//!   Twister MT19937, seeded with the low 32 bits of the seed (`init_genrand`). `random()` is one
//!   32-bit output; `random64()` is `(first << 32) | second`. `manual_seed` rebuilds the engine and
//!   clears the cached normal sample (see below).
//! * **Uniform** (`core/DistributionsHelper.h` `uniform_real_distribution`,
//!   `core/TransformationHelper.h` `uniform_real`): for `f32`, one `random()`; its low 24 bits times
//!   2⁻²⁴ give `u ∈ [0, 1)`, and the value is `u * (to - from) + from` computed **in `f32`** (the
//!   x86-64 wheels contract it to one fused multiply-add), with `from`/`to` first rounded to `f32`.
//!   The 2.15 CPU `uniform_` kernel (`native/cpu/DistributionTemplates.h`) maps a result that
//!   rounded up to `to` back to `from`. For `f64`, one `random64()`, low 53 bits times 2⁻⁵³.
//! * **`randn` / `normal_` with fewer than 16 elements** (`normal_kernel`, scalar branch): each element
//!   comes from `at::normal_distribution<double>`: two 53-bit uniforms `u1`, `u2`,
//!   `r = sqrt(-2 ln(1 - u2))` (`log1p(-u2)`), `θ = 2π u1`, returns `r cos θ` and **caches**
//!   `r sin θ` in the generator; the next scalar normal draw (in this call or a later one) returns
//!   the cached value without consuming the engine. The `f64` result is rounded to `f32`.
//! * **`randn` / `normal_` with 16 or more elements** (`normal_fill`, the vectorised path): first the
//!   whole tensor is filled with `f32` uniforms (as above), then every complete block of 16 is
//!   transformed in place by Box–Muller, pairing element `j` (`u1 = 1 - data[j]`) with element `j + 8`
//!   (`u2`): `data[j] = r cos θ`, `data[j+8] = r sin θ`, `r = sqrt(-2 ln u1)`, `θ = 2π u2`. If the
//!   length is not a multiple of 16, 16 **fresh** uniforms overwrite the last 16 elements and that
//!   (overlapping) block is transformed again. The cache is neither read nor written. On x86-64 the
//!   transform is `NormalFill16<float>`'s AVX2 specialisation, whose `ln`, `sin` and `cos` are the
//!   Cephes polynomial approximations of `native/cpu/avx_mathfun.h` (`log256_ps`, `sincos256_ps`),
//!   not libm; the AVX2 kernel is used even on AVX-512 machines (`normal_stub` has no AVX-512 entry).
//!   This module ports those functions lane by lane, including where GCC fuses a multiply and an add.
//!   For `f64` tensors the transform is the scalar template with libm `ln`/`cos`/`sin`.
//! * **`nn.Linear(in, out)`** (`torch/nn/modules/linear.py` `reset_parameters`, `torch/nn/init.py`):
//!   `kaiming_uniform_(weight, a=√5)`: gain `= sqrt(2 / (1 + a²))`, `std = gain / sqrt(in)`,
//!   bound `= sqrt(3) · std`, all in Python `float` (`f64`), then `weight.uniform_(-bound, bound)`
//!   in row-major order; then `bias.uniform_(-1/sqrt(in), 1/sqrt(in))`. Both bounds are reproduced
//!   with the same `f64` operations, so they round to the same `f32` as in PyTorch.
//!
//! # Which PyTorch versions
//!
//! Verified value by value against PyTorch 2.15.0 (x86-64 Linux wheel): the course's seed-42
//! sequence, `randn` of many sizes on both paths, `rand`, `uniform_` and `nn.Linear` layers. The code
//! paths above (MT19937, the 24/53-bit uniforms, the cached scalar Box–Muller, the 16-element blocks
//! with the recomputed tail, the AVX2 Cephes transform, `nn.Linear`'s `a=√5` initialisation) have
//! the same structure in the older 1.x/2.x sources compared (e.g. `M_PI`/`c10::optional`-era
//! `DistributionTemplates.h` and `DistributionsHelper.h`), so other x86-64 versions should agree;
//! only 2.15.0 was run. Differences to expect elsewhere:
//!
//! * tensors of 16 or more normals on machines without AVX2 (e.g. Apple Silicon or other ARM)
//!   use libm's `logf`/`cosf`/`sinf` instead of the Cephes polynomials, so they can differ from this
//!   module in the last bit or two (about 1e-7 relative); the other draws should still agree
//!   (not checked off x86-64);
//! * older releases' `uniform_` did not remap a value that rounded up to `to` (this module does, as
//!   2.15 does), which can only matter for a draw within half an `f32` ulp of the upper bound.
//!
//! # The default generator
//!
//! [`manual_seed`], [`randn`], [`rand`], [`uniform`], [`normal`] and [`linear_params`] use a
//! thread-local [`Generator`] that starts from [`DEFAULT_SEED`] (67280421310721,
//! `c10::default_rng_seed_val`, the seed of a fresh `torch.Generator()`; [`Generator::default`]
//! draws what an unseeded `torch.Generator()` draws). PyTorch 2.15's *global* default generator,
//! however, is seeded nondeterministically at start-up (`torch.initial_seed()` differs per
//! process), so only sequences that begin with `manual_seed` are comparable with `torch.randn`
//! and friends.
use crate::Result;
use candle_core::{Device, Shape, Tensor};
use std::cell::RefCell;
use std::fmt;

/// The seed a fresh [`Generator::default`] and this thread's default generator start from:
/// 67280421310721, `c10::default_rng_seed_val`, which a fresh `torch.Generator()` also uses.
pub const DEFAULT_SEED: u64 = 67_280_421_310_721;

// ---------------------------------------------------------------------------------------------
// MT19937 (aten/src/ATen/core/MT19937RNGEngine.h)
// ---------------------------------------------------------------------------------------------
//
// `at::mt19937` is the reference MT19937: `init_genrand` on the low 32 bits of the seed, the
// standard twist and tempering. `rand_mt::Mt` is the same generator (same seeding, same output
// stream); PyTorch refreshes its state lazily on the first draw (`left = 1`) where `rand_mt` does
// it on the first draw past the block, which gives the same outputs. `tests/rng_torch.rs` checks
// the stream against PyTorch's values. Boxed: the state is 2.5 KB and a `Generator` is moved.
type Mt19937 = Box<rand_mt::Mt>;

fn mt19937(seed: u64) -> Mt19937 {
    Box::new(rand_mt::Mt::new((seed & 0xffff_ffff) as u32))
}

// ---------------------------------------------------------------------------------------------
// avx_mathfun.h (log256_ps, sincos256_ps), one lane at a time
// ---------------------------------------------------------------------------------------------
//
// The constants are written as in the C header: `double` literals rounded to `float`.
// PyTorch's x86-64 wheels are built by GCC with `-mfma` for the AVX2 kernels and GCC's default
// `-ffp-contract=fast`, so a `_mm256_mul_ps` whose only use is a `_mm256_add_ps`/`_mm256_sub_ps`
// becomes one fused multiply-add (GCC visits the multiplications in program order). `fma` marks
// those places below; the result was checked against PyTorch 2.15.0 bit for bit.

// `0.707106781186547524` in the header, which is this `f64`.
const CEPHES_SQRTHF: f32 = std::f64::consts::FRAC_1_SQRT_2 as f32;
const CEPHES_LOG_P: [f32; 9] = [
    7.037_683_629_2e-2_f64 as f32,
    -1.151_461_031_0e-1_f64 as f32,
    1.167_699_874_0e-1_f64 as f32,
    -1.242_014_084_6e-1_f64 as f32,
    1.424_932_278_7e-1_f64 as f32,
    -1.666_805_766_5e-1_f64 as f32,
    2.000_071_476_5e-1_f64 as f32,
    -2.499_999_399_3e-1_f64 as f32,
    3.333_333_117_4e-1_f64 as f32,
];
const CEPHES_LOG_Q1: f32 = -2.121_944_40e-4_f64 as f32;
const CEPHES_LOG_Q2: f32 = 0.693_359_375_f64 as f32;
const MIN_NORM_POS: f32 = f32::MIN_POSITIVE;

const MINUS_CEPHES_DP1: f32 = -0.785_156_25_f64 as f32;
#[allow(clippy::excessive_precision)] // digits as in avx_mathfun.h
const MINUS_CEPHES_DP2: f32 = -2.418_756_484_985_351_562_5e-4_f64 as f32;
#[allow(clippy::excessive_precision)] // digits as in avx_mathfun.h
const MINUS_CEPHES_DP3: f32 = -3.774_894_977_445_941_08e-8_f64 as f32;
const SINCOF_P0: f32 = -1.951_529_589_1e-4_f64 as f32;
const SINCOF_P1: f32 = 8.332_160_873_6e-3_f64 as f32;
const SINCOF_P2: f32 = -1.666_665_461_1e-1_f64 as f32;
const COSCOF_P0: f32 = 2.443_315_711_809_948e-5_f64 as f32;
const COSCOF_P1: f32 = -1.388_731_625_493_765e-3_f64 as f32;
const COSCOF_P2: f32 = 4.166_664_568_298_827e-2_f64 as f32;
const CEPHES_FOPI: f32 = 1.273_239_544_735_16_f64 as f32;

/// Multiply-add as compiled in PyTorch's AVX2 kernel: `a * b + c`, fused (one rounding).
#[inline]
fn fma(a: f32, b: f32, c: f32) -> f32 {
    a.mul_add(b, c)
}

/// `log256_ps`, one lane: Cephes `logf` for `x > 0` (NaN for `x <= 0`).
fn cephes_logf(x_in: f32) -> f32 {
    let invalid = x_in <= 0.0;
    let mut x = if x_in > MIN_NORM_POS {
        x_in
    } else {
        MIN_NORM_POS
    };
    let exponent = (x.to_bits() >> 23) as i32;
    x = f32::from_bits((x.to_bits() & !0x7f80_0000) | 0.5f32.to_bits());
    let mut e = (exponent - 0x7f) as f32;
    e += 1.0;
    let mask = x < CEPHES_SQRTHF;
    let tmp = if mask { x } else { 0.0 };
    x -= 1.0;
    e -= if mask { 1.0 } else { 0.0 };
    x += tmp;

    let z = x * x;
    let mut y = CEPHES_LOG_P[0];
    for &p in &CEPHES_LOG_P[1..] {
        y = fma(y, x, p);
    }
    y *= x;
    // y = y*z; tmp = e*q1; y = y + tmp  ->  fma(y, z, e*q1)
    y = fma(y, z, e * CEPHES_LOG_Q1);
    // tmp = z*0.5; y = y - tmp (z*0.5 is exact, fused or not)
    y -= z * 0.5;
    // tmp = e*q2; x = x + y; x = x + tmp  ->  fma(e, q2, x + y)
    x = fma(e, CEPHES_LOG_Q2, x + y);
    if invalid {
        f32::NAN
    } else {
        x
    }
}

/// `sincos256_ps`, one lane: Cephes `sinf`/`cosf` (accurate for |x| < 8192). Returns `(sin, cos)`.
fn cephes_sincosf(x_in: f32) -> (f32, f32) {
    let mut sign_bit_sin = x_in.to_bits() & 0x8000_0000;
    let mut x = f32::from_bits(x_in.to_bits() & 0x7fff_ffff);
    let y = x * CEPHES_FOPI;
    // _mm256_cvttps_epi32 truncates (out-of-range lanes become i32::MIN, as `as` saturates
    // differently; arguments here are below 8 in magnitude).
    let mut j = y as i32;
    j = j.wrapping_add(1) & !1;
    let y = j as f32;
    let swap_sign_bit_sin = ((j & 4) as u32) << 29;
    let poly_mask = (j & 2) == 0;

    x = fma(y, MINUS_CEPHES_DP1, x);
    x = fma(y, MINUS_CEPHES_DP2, x);
    x = fma(y, MINUS_CEPHES_DP3, x);

    let sign_bit_cos = ((!j.wrapping_sub(2) & 4) as u32) << 29;
    sign_bit_sin ^= swap_sign_bit_sin;

    let z = x * x;
    let mut yc = fma(COSCOF_P0, z, COSCOF_P1);
    yc = fma(yc, z, COSCOF_P2);
    yc *= z;
    // y = y*z; tmp = z*0.5; y = y - tmp  ->  fma(y, z, -(z*0.5))
    yc = fma(yc, z, -(z * 0.5));
    yc += 1.0;

    let mut ys = fma(SINCOF_P0, z, SINCOF_P1);
    ys = fma(ys, z, SINCOF_P2);
    ys *= z;
    ys = fma(ys, x, x);

    let ysin2 = if poly_mask { ys } else { 0.0 };
    let ysin1 = if poly_mask { 0.0 } else { yc };
    let ys_rest = ys - ysin2;
    let yc_rest = yc - ysin1;
    let sin = f32::from_bits((ysin1 + ysin2).to_bits() ^ sign_bit_sin);
    let cos = f32::from_bits((yc_rest + ys_rest).to_bits() ^ sign_bit_cos);
    (sin, cos)
}

/// `NormalFill16<float>` (AVX2 specialisation), in place on 16 uniforms.
fn normal_fill_16_f32(data: &mut [f32], mean: f32, std: f32) {
    let two_pi = (2.0f64 * std::f64::consts::PI) as f32;
    for j in 0..8 {
        let u1 = 1.0 - data[j];
        let u2 = data[j + 8];
        let radius = (-2.0 * cephes_logf(u1)).sqrt();
        let theta = two_pi * u2;
        let (sin, cos) = cephes_sincosf(theta);
        data[j] = (radius * cos).mul_add(std, mean);
        data[j + 8] = (radius * sin).mul_add(std, mean);
    }
}

/// `NormalFill16<double>` (scalar template), in place on 16 uniforms.
fn normal_fill_16_f64(data: &mut [f64], mean: f64, std: f64) {
    let two_pi = 2.0f64 * std::f64::consts::PI;
    for j in 0..8 {
        let u1 = 1.0 - data[j];
        let u2 = data[j + 8];
        let radius = (-2.0 * u1.ln()).sqrt();
        let theta = two_pi * u2;
        data[j] = (radius * theta.cos()).mul_add(std, mean);
        data[j + 8] = (radius * theta.sin()).mul_add(std, mean);
    }
}

/// `normal_fill`: uniforms for the whole buffer, Box–Muller per block of 16, then the tail block
/// (the last 16 elements) redrawn and transformed again when `len % 16 != 0`. Needs `len >= 16`.
fn normal_fill<T: Copy>(
    len: usize,
    mut uniform: impl FnMut() -> T,
    mut fill16: impl FnMut(&mut [T]),
) -> Vec<T> {
    let mut data: Vec<T> = (0..len).map(|_| uniform()).collect();
    for block in data.chunks_exact_mut(16) {
        fill16(block);
    }
    if len % 16 != 0 {
        let tail = &mut data[len - 16..];
        for v in tail.iter_mut() {
            *v = uniform();
        }
        fill16(tail);
    }
    data
}

fn msg_error(msg: String) -> crate::Error {
    crate::Error::Candle(candle_core::Error::Msg(msg))
}

/// `uniform_impl_`'s argument checks for a tensor whose largest finite value is `max`.
fn check_uniform_bounds(low: f64, high: f64, max: f64) -> Result<()> {
    let representable = |v: f64| (-max..=max).contains(&v);
    if !representable(low) || !representable(high) {
        return Err(msg_error(format!(
            "uniform: bounds must be finite and representable, got low={low}, high={high}"
        )));
    }
    if low > high {
        return Err(msg_error(format!(
            "uniform: expects a [low, high) range, but found low={low} > high={high}"
        )));
    }
    if high - low > max {
        return Err(msg_error(format!(
            "uniform: expects high - low <= {max}, got low={low}, high={high}"
        )));
    }
    Ok(())
}

fn check_normal_args(mean: f64, std: f64) -> Result<()> {
    let valid = std.is_finite() && std >= 0.0 && mean.is_finite();
    if !valid {
        return Err(msg_error(format!(
            "normal: expects a finite mean and a finite std >= 0, got mean={mean}, std={std}"
        )));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Generator
// ---------------------------------------------------------------------------------------------

/// A reproduction of PyTorch's CPU generator (`torch.Generator()`, `at::CPUGeneratorImpl`):
/// an MT19937 engine plus the cached second Box–Muller sample of the scalar normal path.
///
/// Two generators with the same seed produce the same stream; so do a `Generator` and PyTorch
/// after `torch.manual_seed` with that seed, as long as both see the same sequence of calls
/// (see the [module documentation](self) for the algorithm). `Clone` copies the whole state.
#[derive(Clone, PartialEq)]
pub struct Generator {
    engine: Mt19937,
    seed: u64,
    next_double_normal: Option<f64>,
}

impl fmt::Debug for Generator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Generator")
            .field("initial_seed", &self.seed)
            .field("next_double_normal", &self.next_double_normal)
            .finish()
    }
}

impl Default for Generator {
    /// A generator seeded with [`DEFAULT_SEED`].
    fn default() -> Self {
        Self::new(DEFAULT_SEED)
    }
}

impl Generator {
    /// A generator seeded with `seed`, like `torch.Generator().manual_seed(seed)`.
    ///
    /// Only the low 32 bits of `seed` select the MT19937 stream (as in PyTorch); the full value
    /// is kept and returned by [`Generator::initial_seed`].
    pub fn new(seed: u64) -> Self {
        Self {
            engine: mt19937(seed),
            seed,
            next_double_normal: None,
        }
    }

    /// Re-seeds in place, like `torch.manual_seed(seed)` / `Generator.manual_seed(seed)`:
    /// restarts the engine and drops the cached normal sample.
    pub fn manual_seed(&mut self, seed: u64) {
        *self = Self::new(seed);
    }

    /// The seed this generator was last seeded with, like `Generator.initial_seed()`.
    pub fn initial_seed(&self) -> u64 {
        self.seed
    }

    /// One raw 32-bit MT19937 output (`CPUGeneratorImpl::random()`).
    pub fn random_u32(&mut self) -> u32 {
        self.engine.next_u32()
    }

    /// Two raw outputs as `(first << 32) | second` (`CPUGeneratorImpl::random64()`).
    pub fn random_u64(&mut self) -> u64 {
        let hi = u64::from(self.engine.next_u32());
        let lo = u64::from(self.engine.next_u32());
        (hi << 32) | lo
    }

    /// `uniform_real_distribution<float>(from, to)`: 24 random bits, computed in `f32`.
    fn uniform_f32_sample(&mut self, from: f32, to: f32) -> f32 {
        let x = (self.random_u32() & 0x00ff_ffff) as f32 * (1.0 / 16_777_216.0);
        x.mul_add(to - from, from)
    }

    /// `uniform_real_distribution<double>(from, to)`: 53 random bits, computed in `f64`.
    fn uniform_f64_sample(&mut self, from: f64, to: f64) -> f64 {
        let x = (self.random_u64() & ((1u64 << 53) - 1)) as f64 * (1.0 / 9_007_199_254_740_992.0);
        x.mul_add(to - from, from)
    }

    /// `normal_distribution<double>(mean, std)`: cached Box–Muller on 53-bit uniforms.
    fn normal_f64_sample(&mut self, mean: f64, std: f64) -> f64 {
        if let Some(cached) = self.next_double_normal.take() {
            return cached.mul_add(std, mean);
        }
        let u1 = self.uniform_f64_sample(0.0, 1.0);
        let u2 = self.uniform_f64_sample(0.0, 1.0);
        let r = (-2.0 * (-u2).ln_1p()).sqrt();
        let theta = 2.0 * std::f64::consts::PI * u1;
        self.next_double_normal = Some(r * theta.sin());
        let ret = r * theta.cos();
        ret.mul_add(std, mean)
    }

    fn normal_values_f32(&mut self, len: usize, mean: f64, std: f64) -> Vec<f32> {
        if len >= 16 {
            let (mean32, std32) = (mean as f32, std as f32);
            normal_fill(
                len,
                || self.uniform_f32_sample(0.0, 1.0),
                |block| normal_fill_16_f32(block, mean32, std32),
            )
        } else {
            (0..len)
                .map(|_| self.normal_f64_sample(mean, std) as f32)
                .collect()
        }
    }

    fn normal_values_f64(&mut self, len: usize, mean: f64, std: f64) -> Vec<f64> {
        if len >= 16 {
            normal_fill(
                len,
                || self.uniform_f64_sample(0.0, 1.0),
                |block| normal_fill_16_f64(block, mean, std),
            )
        } else {
            (0..len)
                .map(|_| self.normal_f64_sample(mean, std))
                .collect()
        }
    }

    fn uniform_values_f32(&mut self, len: usize, low: f64, high: f64) -> Result<Vec<f32>> {
        check_uniform_bounds(low, high, f64::from(f32::MAX))?;
        let (from, to) = (low as f32, high as f32);
        Ok((0..len)
            .map(|_| {
                let v = self.uniform_f32_sample(from, to);
                if v == to {
                    from
                } else {
                    v
                }
            })
            .collect())
    }

    fn uniform_values_f64(&mut self, len: usize, low: f64, high: f64) -> Result<Vec<f64>> {
        check_uniform_bounds(low, high, f64::MAX)?;
        Ok((0..len)
            .map(|_| {
                let v = self.uniform_f64_sample(low, high);
                if v == high {
                    low
                } else {
                    v
                }
            })
            .collect())
    }

    /// Standard normal `f32` tensor of `shape` on the CPU, like `torch.randn(*shape)`
    /// (`torch.empty(shape).normal_()`), including PyTorch's two code paths: fewer than 16
    /// elements use the cached scalar Box–Muller, 16 or more the vectorised block transform.
    ///
    /// # Errors
    /// Only if candle fails to build the tensor.
    pub fn randn<S: Into<Shape>>(&mut self, shape: S) -> Result<Tensor> {
        self.normal(shape, 0.0, 1.0)
    }

    /// Normal `f32` tensor with the given `mean` and `std`, like
    /// `torch.empty(shape).normal_(mean, std)` or `torch.normal(mean, std, size=shape)`.
    /// Draws exactly what [`Generator::randn`] draws for the same shape.
    ///
    /// # Errors
    /// If `mean` is not finite or `std` is negative or not finite, or if candle fails.
    pub fn normal<S: Into<Shape>>(&mut self, shape: S, mean: f64, std: f64) -> Result<Tensor> {
        check_normal_args(mean, std)?;
        let shape = shape.into();
        let v = self.normal_values_f32(shape.elem_count(), mean, std);
        Ok(Tensor::from_vec(v, shape, &Device::Cpu)?)
    }

    /// Standard normal `f64` tensor, like `torch.randn(*shape, dtype=torch.float64)`.
    /// Both paths use 53-bit uniforms (two engine outputs each); 16 or more elements use the
    /// scalar block transform with libm `ln`/`cos`/`sin`.
    ///
    /// # Errors
    /// Only if candle fails to build the tensor.
    pub fn randn_f64<S: Into<Shape>>(&mut self, shape: S) -> Result<Tensor> {
        let shape = shape.into();
        let v = self.normal_values_f64(shape.elem_count(), 0.0, 1.0);
        Ok(Tensor::from_vec(v, shape, &Device::Cpu)?)
    }

    /// U[0, 1) `f32` tensor, like `torch.rand(*shape)`: one engine output per element.
    ///
    /// # Errors
    /// Only if candle fails to build the tensor.
    pub fn rand<S: Into<Shape>>(&mut self, shape: S) -> Result<Tensor> {
        self.uniform(shape, 0.0, 1.0)
    }

    /// U[0, 1) `f64` tensor, like `torch.rand(*shape, dtype=torch.float64)`: two engine outputs
    /// per element.
    ///
    /// # Errors
    /// Only if candle fails to build the tensor.
    pub fn rand_f64<S: Into<Shape>>(&mut self, shape: S) -> Result<Tensor> {
        self.uniform_f64(shape, 0.0, 1.0)
    }

    /// U[low, high) `f32` tensor, like `torch.empty(shape).uniform_(low, high)`: the bounds are
    /// rounded to `f32` and the value computed in `f32`, one engine output per element, filled in
    /// row-major order.
    ///
    /// # Errors
    /// If `low > high`, a bound is not a finite `f32`, or `high - low` overflows `f32`
    /// (PyTorch's checks), or if candle fails.
    pub fn uniform<S: Into<Shape>>(&mut self, shape: S, low: f64, high: f64) -> Result<Tensor> {
        let shape = shape.into();
        let v = self.uniform_values_f32(shape.elem_count(), low, high)?;
        Ok(Tensor::from_vec(v, shape, &Device::Cpu)?)
    }

    /// U[low, high) `f64` tensor, like `torch.empty(shape, dtype=torch.float64).uniform_(low, high)`.
    ///
    /// # Errors
    /// If `low > high` or a bound or `high - low` is not finite, or if candle fails.
    pub fn uniform_f64<S: Into<Shape>>(&mut self, shape: S, low: f64, high: f64) -> Result<Tensor> {
        let shape = shape.into();
        let v = self.uniform_values_f64(shape.elem_count(), low, high)?;
        Ok(Tensor::from_vec(v, shape, &Device::Cpu)?)
    }

    /// Draws `nn.Linear(in_features, out_features)`'s default parameters, in PyTorch's order:
    /// the weight `(out_features, in_features)` from `kaiming_uniform_(a=√5)`, i.e.
    /// U(±√3·√(2/(1+a²))/√in_features) computed in `f64`, then the bias `(out_features,)` from
    /// U(±1/√in_features). Both `f32`. Mirrors `torch.nn.Linear.reset_parameters`.
    ///
    /// With `in_features == 0` PyTorch skips the (empty) weight and draws the bias from U(0, 0);
    /// so does this.
    ///
    /// # Errors
    /// Only if candle fails to build the tensors.
    pub fn linear_params(
        &mut self,
        in_features: usize,
        out_features: usize,
    ) -> Result<(Tensor, Tensor)> {
        let fan_in = in_features as f64;
        let a = 5.0f64.sqrt();
        let gain = (2.0 / (1.0 + a * a)).sqrt();
        let std = gain / fan_in.sqrt();
        let bound = 3.0f64.sqrt() * std;
        let w = if in_features == 0 || out_features == 0 {
            Tensor::zeros(
                (out_features, in_features),
                candle_core::DType::F32,
                &Device::Cpu,
            )?
        } else {
            self.uniform((out_features, in_features), -bound, bound)?
        };
        let b = if in_features > 0 {
            let bias_bound = 1.0 / fan_in.sqrt();
            self.uniform(out_features, -bias_bound, bias_bound)?
        } else {
            // Python's `bound = 0` is an int, so the range is (0, 0), not (-0.0, 0.0).
            self.uniform(out_features, 0.0, 0.0)?
        };
        Ok((w, b))
    }
}

// ---------------------------------------------------------------------------------------------
// The thread's default generator
// ---------------------------------------------------------------------------------------------

thread_local! {
    static DEFAULT: RefCell<Generator> = RefCell::new(Generator::new(DEFAULT_SEED));
}

/// Runs `f` with this thread's default generator (the one [`manual_seed`], [`randn`], [`rand`],
/// [`uniform`], [`normal`] and [`linear_params`] use; PyTorch's `torch.default_generator`).
/// It starts from [`DEFAULT_SEED`].
///
/// # Panics
/// If called again from inside `f` (the generator is already borrowed).
pub fn with_default_generator<R>(f: impl FnOnce(&mut Generator) -> R) -> R {
    DEFAULT.with(|g| f(&mut g.borrow_mut()))
}

/// Seeds this thread's default generator, like `torch.manual_seed(seed)`.
pub fn manual_seed(seed: u64) {
    with_default_generator(|g| g.manual_seed(seed))
}

/// The default generator's seed, like `torch.initial_seed()`.
pub fn initial_seed() -> u64 {
    with_default_generator(|g| g.initial_seed())
}

/// Standard normal `f32` tensor from the default generator, like `torch.randn(*shape)`.
/// See [`Generator::randn`].
///
/// # Errors
/// Only if candle fails to build the tensor.
pub fn randn<S: Into<Shape>>(shape: S) -> Result<Tensor> {
    with_default_generator(|g| g.randn(shape))
}

/// Normal `f32` tensor from the default generator, like `torch.normal(mean, std, size=shape)`.
/// See [`Generator::normal`].
///
/// # Errors
/// If `mean` is not finite or `std` is negative or not finite, or if candle fails.
pub fn normal<S: Into<Shape>>(shape: S, mean: f64, std: f64) -> Result<Tensor> {
    with_default_generator(|g| g.normal(shape, mean, std))
}

/// U[0, 1) `f32` tensor from the default generator, like `torch.rand(*shape)`.
/// See [`Generator::rand`].
///
/// # Errors
/// Only if candle fails to build the tensor.
pub fn rand<S: Into<Shape>>(shape: S) -> Result<Tensor> {
    with_default_generator(|g| g.rand(shape))
}

/// U[low, high) `f32` tensor from the default generator, like
/// `torch.empty(shape).uniform_(low, high)`. See [`Generator::uniform`].
///
/// # Errors
/// If the bounds are invalid (see [`Generator::uniform`]) or candle fails.
pub fn uniform<S: Into<Shape>>(shape: S, low: f64, high: f64) -> Result<Tensor> {
    with_default_generator(|g| g.uniform(shape, low, high))
}

/// `nn.Linear(in_features, out_features)`'s default `(weight, bias)` from the default generator.
/// See [`Generator::linear_params`].
///
/// # Errors
/// Only if candle fails to build the tensors.
pub fn linear_params(in_features: usize, out_features: usize) -> Result<(Tensor, Tensor)> {
    with_default_generator(|g| g.linear_params(in_features, out_features))
}
