//! `jacobian::rng` against PyTorch's CPU generator.
//!
//! * The `rng` entries of `tests/data/seed_values.json` (the course notebook's seed-42 values,
//!   computed with PyTorch 2.15): W1, W2, x, the chain-rule Jacobians and SimpleNet's parameters,
//!   output, ∂L/∂x and Jacobian, to 1e-6 — and the raw draws bit for bit.
//! * Values generated with PyTorch 2.15.0 (x86-64 wheel) for this file, covering both `randn` code
//!   paths (fewer than 16 elements: cached scalar Box–Muller; 16 or more: the vectorised
//!   16-element blocks with the recomputed tail), `rand`, `uniform_`, `normal`, `nn.Linear` and
//!   `float64`. The script that produced them is at the end of this file.
//! * Worked checks that need no PyTorch: the MT19937 reference outputs and the generator's
//!   bookkeeping (the normal cache, `manual_seed`, `Clone`, argument errors).
// The constants below are PyTorch's float32 values printed as Python floats, kept verbatim.
#![allow(clippy::excessive_precision, clippy::result_large_err)]
use candle_core::{DType, Device, Tensor};
use jacobian::rng::{self, Generator, DEFAULT_SEED};
use serde_json::Value;
use std::path::PathBuf;

const TOL: f64 = 1e-6;

fn load() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/seed_values.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()))
}

fn rng_entry(v: &Value, key: &str) -> Value {
    v["rng"]
        .get(key)
        .unwrap_or_else(|| panic!("rng.{key} missing from seed_values.json"))
        .clone()
}

/// Flattens a JSON number, vector or matrix.
fn flat(v: &Value) -> Vec<f64> {
    match v {
        Value::Number(n) => vec![n.as_f64().expect("number")],
        Value::Array(a) => a.iter().flat_map(flat).collect(),
        other => panic!("expected numbers, got {other}"),
    }
}

/// The shape of a JSON vector or matrix.
fn shape(v: &Value) -> Vec<usize> {
    match v {
        Value::Array(a) => {
            let mut s = vec![a.len()];
            if let Some(first) = a.first() {
                s.extend(shape(first));
            }
            s
        }
        _ => vec![],
    }
}

fn values(t: &Tensor) -> Vec<f64> {
    t.to_dtype(DType::F64)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap()
}

fn assert_close(got: &Tensor, want: &Value, what: &str) {
    let want_shape = shape(want);
    if !want_shape.is_empty() {
        assert_eq!(got.dims(), want_shape.as_slice(), "{what}: shape");
    }
    let (g, w) = (values(got), flat(want));
    assert_eq!(g.len(), w.len(), "{what}: element count");
    for (i, (g, w)) in g.iter().zip(&w).enumerate() {
        assert!((g - w).abs() <= TOL, "{what}[{i}]: got {g}, PyTorch {w}");
    }
}

/// Raw draws must be the very same `f32`s (the JSON holds each `f32` exactly).
fn assert_bits(got: &Tensor, want: &Value, what: &str) {
    let g: Vec<f32> = got.flatten_all().unwrap().to_vec1().unwrap();
    let w: Vec<f32> = flat(want).iter().map(|&x| x as f32).collect();
    assert_eq!(g.len(), w.len(), "{what}: element count");
    for (i, (g, w)) in g.iter().zip(&w).enumerate() {
        assert_eq!(
            g.to_bits(),
            w.to_bits(),
            "{what}[{i}]: got {g:e}, PyTorch {w:e}"
        );
    }
}

fn assert_f32s(got: &Tensor, want: &[f32], what: &str) {
    let g: Vec<f32> = got.flatten_all().unwrap().to_vec1().unwrap();
    assert_eq!(g.len(), want.len(), "{what}: element count");
    for (i, (g, w)) in g.iter().zip(want).enumerate() {
        assert_eq!(
            g.to_bits(),
            w.to_bits(),
            "{what}[{i}]: got {g:e}, PyTorch {w:e}"
        );
    }
}

/// The notebook's draws: `torch.manual_seed(42)`, `randn(3,2)`, `randn(4,3)`, `randn(2)`, then
/// SimpleNet's `Linear(2,3)`, `Linear(3,2)`, `Linear(2,1)`, all from the default generator.
struct CourseDraws {
    w1: Tensor,
    w2: Tensor,
    x: Tensor,
    layers: Vec<(Tensor, Tensor)>,
}

fn course_draws() -> CourseDraws {
    rng::manual_seed(42);
    let w1 = rng::randn((3, 2)).unwrap();
    let w2 = rng::randn((4, 3)).unwrap();
    let x = rng::randn(2).unwrap();
    let layers = [(2, 3), (3, 2), (2, 1)]
        .iter()
        .map(|&(i, o)| rng::with_default_generator(|g| g.linear_params(i, o)).unwrap())
        .collect();
    CourseDraws { w1, w2, x, layers }
}

#[test]
fn section3_w1_w2_x_match_pytorch() {
    let v = load();
    let d = course_draws();
    for (t, key) in [(&d.w1, "s3_W1"), (&d.w2, "s3_W2"), (&d.x, "s3_x")] {
        let want = rng_entry(&v, key);
        assert_close(t, &want, key);
        assert_bits(t, &want, key);
    }
}

#[test]
fn section3_chain_rule_jacobians_match_pytorch() {
    let v = load();
    let d = course_draws();
    // f(x) = W2 (W1 x) is linear, so its Jacobian is W2 W1 both directly and by the chain rule.
    let j = d.w2.matmul(&d.w1).unwrap();
    assert_close(&j, &rng_entry(&v, "s3_J_direct"), "s3_J_direct");
    assert_close(&j, &rng_entry(&v, "s3_J_chain"), "s3_J_chain");
    assert_eq!(flat(&rng_entry(&v, "s3_max_abs_diff")), [0.0]);
}

#[test]
fn section6_simplenet_parameters_match_pytorch() {
    let v = load();
    let d = course_draws();
    let params = &v["rng"]["s6_params"];
    for (k, (w, b)) in d.layers.iter().enumerate() {
        let name = ["layers.0", "layers.2", "layers.4"][k];
        for (t, suffix) in [(w, "weight"), (b, "bias")] {
            let key = format!("{name}.{suffix}");
            let want = params
                .get(&key)
                .unwrap_or_else(|| panic!("s6_params.{key} missing"));
            assert_close(t, want, &key);
            assert_bits(t, want, &key);
        }
    }
}

#[test]
fn section6_simplenet_forward_gradient_and_jacobian_match_pytorch() {
    let v = load();
    let d = course_draws();
    let x = Tensor::new(&[[1.0f32], [2.0]], &Device::Cpu).unwrap(); // x = (1, 2) as a column
                                                                    // y = L3(relu(L2(relu(L1 x)))), and J = W3 · D2 · W2 · D1 · W1 with D = diag(1[z > 0]).
    let mut h = x;
    let mut jac: Option<Tensor> = None;
    for (k, (w, b)) in d.layers.iter().enumerate() {
        let z = (w.matmul(&h).unwrap() + b.unsqueeze(1).unwrap()).unwrap();
        jac = Some(match jac {
            None => w.clone(),
            Some(j) => w.matmul(&j).unwrap(),
        });
        if k + 1 < d.layers.len() {
            let mask = z.gt(0.0f32).unwrap().to_dtype(DType::F32).unwrap(); // (n, 1)
            jac = Some(jac.unwrap().broadcast_mul(&mask).unwrap());
            h = z.relu().unwrap();
        } else {
            h = z;
        }
    }
    let y = h.flatten_all().unwrap(); // (1,)
    let j = jac.unwrap(); // (1, 2)
    assert_close(&y, &rng_entry(&v, "s6_y"), "s6_y");
    assert_close(&j, &rng_entry(&v, "s6_J_net"), "s6_J_net");
    // L = y², so ∂L/∂x = 2 y J.
    let grad = (j.flatten_all().unwrap() * (2.0 * values(&y)[0])).unwrap();
    assert_close(&grad, &rng_entry(&v, "s6_grad_x"), "s6_grad_x");
    assert_close(&grad, &rng_entry(&v, "s6_grad_manual"), "s6_grad_manual");
}

#[test]
fn every_rng_entry_is_covered() {
    let v = load();
    let keys: Vec<&String> = v["rng"].as_object().expect("rng object").keys().collect();
    let covered = [
        "s3_W1",
        "s3_W2",
        "s3_x",
        "s3_J_direct",
        "s3_J_chain",
        "s3_max_abs_diff",
        "s6_params",
        "s6_y",
        "s6_grad_x",
        "s6_J_net",
        "s6_grad_manual",
    ];
    for k in keys {
        assert!(
            covered.contains(&k.as_str()),
            "rng.{k} has no test in rng_torch.rs"
        );
    }
}

#[test]
fn the_explicit_generator_and_the_default_one_agree() {
    let d = course_draws();
    let mut g = Generator::new(42);
    assert_eq!(values(&g.randn((3, 2)).unwrap()), values(&d.w1));
    assert_eq!(values(&g.randn((4, 3)).unwrap()), values(&d.w2));
    assert_eq!(values(&g.randn(2).unwrap()), values(&d.x));
    let (w, b) = g.linear_params(2, 3).unwrap();
    assert_eq!(values(&w), values(&d.layers[0].0));
    assert_eq!(values(&b), values(&d.layers[0].1));
}

// ---- values generated with PyTorch 2.15.0 (script at the end of the file) ---------------------

// seed 0: randn(3), randn(4, 5), randn(1), randn(16), rand(4, 5), empty(18).uniform_(-2, 3),
// normal(0.5, 2.0, size=(17,)), Linear(5, 4), randn(100003); then seed 1: randn(17) and rand(3) in float64.
const A_RANDN_3: [f32; 3] = [1.5409960746765137, -0.293428897857666, -2.1787893772125244];
const B_RANDN_4X5: [f32; 20] = [
    -0.35612836480140686,
    0.4372227191925049,
    0.4913049638271332,
    -0.20410172641277313,
    0.16645534336566925,
    0.8743818402290344,
    -0.14347384870052338,
    -0.1116093322634697,
    -0.6135830879211426,
    0.03159274160861969,
    -0.4926769733428955,
    0.2484147548675537,
    0.6180566549301147,
    -0.41280221939086914,
    -0.8410648107528687,
    -2.316041946411133,
    -0.10230965167284012,
    0.7924439907073975,
    -0.28966769576072693,
    0.05250748619437218,
];
const C_RANDN_1: [f32; 1] = [0.5684312582015991];
const D_RANDN_16: [f32; 16] = [
    -0.17396099865436554,
    -0.678746223449707,
    0.9382607340812683,
    0.4888698160648346,
    -0.6730899214744568,
    0.8728312253952026,
    1.0553574562072754,
    0.17784371972084045,
    -0.5180748105049133,
    -0.30670419335365295,
    -1.580993890762329,
    1.7066433429718018,
    -0.4462171792984009,
    0.7440207004547119,
    1.5209795236587524,
    3.4105026721954346,
];
const E_RAND_4X5: [f32; 20] = [
    0.7262365221977234,
    0.7010802030563354,
    0.2038237452507019,
    0.6510535478591919,
    0.7744860053062439,
    0.4368913173675537,
    0.5190907716751099,
    0.6158523559570312,
    0.8101882934570312,
    0.9800970554351807,
    0.1146882176399231,
    0.3167651295661926,
    0.6965049505233765,
    0.9142746925354004,
    0.9351036548614502,
    0.9411783814430237,
    0.5995072722434998,
    0.06520867347717285,
    0.5459962487220764,
    0.18719732761383057,
];
const F_UNIFORM_18: [f32; 18] = [
    -1.8298853635787964,
    2.72123122215271,
    2.4008994102478027,
    -1.9938199520111084,
    0.9679301381111145,
    0.07884997129440308,
    0.0885971188545227,
    -0.644392192363739,
    1.461390495300293,
    -0.980758786201477,
    1.4164783954620361,
    1.764270305633545,
    2.2896790504455566,
    1.434777855873108,
    -1.9743380546569824,
    -1.1217422485351562,
    1.748287558555603,
    1.0232534408569336,
];
const G_NORMAL_17: [f32; 17] = [
    1.1891307830810547,
    0.4320271909236908,
    2.4250364303588867,
    1.1983364820480347,
    -1.3429239988327026,
    0.38761043548583984,
    -0.9030472040176392,
    2.573373556137085,
    -0.7073402404785156,
    -0.30509108304977417,
    0.7478049397468567,
    2.8295669555664062,
    2.3467469215393066,
    3.274590492248535,
    3.2500758171081543,
    1.819262146949768,
    1.4531142711639404,
];
const L_WEIGHT_4X5: [f32; 20] = [
    0.09559478610754013,
    -0.2913443446159363,
    -0.02295071631669998,
    0.32013821601867676,
    -0.04597366973757744,
    0.01242905668914318,
    -0.038580626249313354,
    0.09050770103931427,
    0.2843560576438904,
    0.42362135648727417,
    0.28400564193725586,
    0.4245906472206116,
    -0.03234322741627693,
    -0.4017415940761566,
    -0.21201378107070923,
    0.30451005697250366,
    -0.0028990539722144604,
    -0.22228588163852692,
    -0.34270504117012024,
    -0.418525755405426,
];
const L_BIAS_4: [f32; 4] = [
    -0.37745192646980286,
    -0.09071135520935059,
    0.24525462090969086,
    0.2417820394039154,
];
const H_IDX: [usize; 9] = [0, 1, 15, 16, 50000, 99986, 99987, 99990, 100002];
const H_VALUES: [f32; 9] = [
    0.1722732037305832,
    -1.6115024089813232,
    -0.1200508326292038,
    0.6901953220367432,
    -0.994622528553009,
    -0.46498045325279236,
    1.1267471313476562,
    -1.2401164770126343,
    2.160662889480591,
];
const H_SUM_F64: f64 = -425.1167706070464;
const X_RANDN_F64_17: [f64; 17] = [
    -0.31128955419003207,
    0.3739858166762804,
    0.5739008402091161,
    1.5697184649359581,
    0.8734455849426772,
    -3.704663800207429,
    -1.8141539905872015,
    -1.8425712793844078,
    0.09412786590968454,
    0.5462183247259068,
    1.052307808929565,
    -0.15636439667930063,
    -2.1010054062092243,
    1.5797411191469026,
    1.0833573008638342,
    0.8896745158287568,
    -1.928583354008078,
];
const Y_RAND_F64_3: [f64; 3] = [0.9225126254801242, 0.9643269966266841, 0.17601830583578726];

#[test]
fn randn_both_paths_rand_uniform_normal_and_linear_match_pytorch() {
    let mut g = Generator::new(0);
    // Fewer than 16 elements: scalar Box–Muller; 3 draws leave the pair's second sample cached.
    assert_f32s(&g.randn(3).unwrap(), &A_RANDN_3, "randn(3)");
    // 20 >= 16: the vectorised path. Uniforms for all 20, Box–Muller on block 0..16, then 16 fresh
    // uniforms for elements 4..20 and Box–Muller on them again. The cache is not touched...
    let b = g.randn((4, 5)).unwrap();
    assert_eq!(b.dims(), &[4, 5]);
    assert_f32s(&b, &B_RANDN_4X5, "randn(4, 5)");
    // ...so this one-element call returns the sample cached by randn(3), without drawing.
    assert_f32s(&g.randn(1).unwrap(), &C_RANDN_1, "randn(1)");
    assert_f32s(&g.randn(16).unwrap(), &D_RANDN_16, "randn(16)");
    assert_f32s(&g.rand((4, 5)).unwrap(), &E_RAND_4X5, "rand(4, 5)");
    assert_f32s(
        &g.uniform(18, -2.0, 3.0).unwrap(),
        &F_UNIFORM_18,
        "uniform_(-2, 3)",
    );
    assert_f32s(
        &g.normal(17, 0.5, 2.0).unwrap(),
        &G_NORMAL_17,
        "normal(0.5, 2)",
    );
    let (w, bias) = g.linear_params(5, 4).unwrap();
    assert_eq!(w.dims(), &[4, 5]);
    assert_f32s(&w, &L_WEIGHT_4X5, "Linear(5, 4).weight");
    assert_f32s(&bias, &L_BIAS_4, "Linear(5, 4).bias");
    // A large tensor: 6250 full blocks and a recomputed tail (elements 99987..100003).
    let h: Vec<f32> = g.randn(100_003).unwrap().to_vec1().unwrap();
    for (&i, &want) in H_IDX.iter().zip(&H_VALUES) {
        assert_eq!(
            h[i].to_bits(),
            want.to_bits(),
            "randn(100003)[{i}]: got {:e}, PyTorch {want:e}",
            h[i]
        );
    }
    let sum: f64 = h.iter().map(|&x| f64::from(x)).sum();
    assert!(
        (sum - H_SUM_F64).abs() < 1e-6,
        "sum of randn(100003): {sum} vs PyTorch {H_SUM_F64}"
    );
}

#[test]
fn float64_draws_match_pytorch() {
    let mut g = Generator::new(1);
    let x: Vec<f64> = g.randn_f64(17).unwrap().to_vec1().unwrap();
    for (i, (got, want)) in x.iter().zip(&X_RANDN_F64_17).enumerate() {
        assert!(
            (got - want).abs() <= 1e-15,
            "randn(17, float64)[{i}]: got {got}, PyTorch {want}"
        );
    }
    let y: Vec<f64> = g.rand_f64(3).unwrap().to_vec1().unwrap();
    assert_eq!(y, Y_RAND_F64_3);
}

// ---- worked checks that need no PyTorch --------------------------------------------------------

#[test]
fn mt19937_reference_outputs() {
    // mt19937ar.c's init_genrand(5489): the first output, and the 10000th, which the C++
    // standard ([rand.predef]) requires of std::mt19937.
    let mut g = Generator::new(5489);
    assert_eq!(g.random_u32(), 3_499_211_612);
    for _ in 1..9_999 {
        g.random_u32();
    }
    assert_eq!(g.random_u32(), 4_123_659_995);
    // random64 is (first << 32) | second.
    let (mut a, mut b) = (Generator::new(7), Generator::new(7));
    let hi = u64::from(a.random_u32());
    let lo = u64::from(a.random_u32());
    assert_eq!(b.random_u64(), (hi << 32) | lo);
}

#[test]
fn rand_is_24_bit_uniform_of_the_raw_output() {
    // torch.rand (float32): (random() & (2^24 - 1)) * 2^-24, one engine output per element.
    let mut raw = Generator::new(3);
    let mut g = Generator::new(3);
    let r: Vec<f32> = g.rand(40).unwrap().to_vec1().unwrap();
    for (i, v) in r.iter().enumerate() {
        let want = (raw.random_u32() & 0x00ff_ffff) as f32 / 16_777_216.0;
        assert_eq!(*v, want, "rand[{i}]");
    }
}

#[test]
fn small_randn_is_box_muller_with_a_cached_second_sample() {
    // Worked by hand from the raw engine: u = 53-bit uniforms from random64, r = sqrt(-2 ln(1-u2)),
    // θ = 2π u1; the first draw is r cos θ and the second is r sin θ from the cache.
    let mut raw = Generator::new(11);
    let mut u = || (raw.random_u64() & ((1 << 53) - 1)) as f64 / 9_007_199_254_740_992.0;
    let (u1, u2) = (u(), u());
    let r = (-2.0 * (-u2).ln_1p()).sqrt();
    let theta = 2.0 * std::f64::consts::PI * u1;
    let mut g = Generator::new(11);
    let first: Vec<f32> = g.randn(1).unwrap().to_vec1().unwrap();
    let second: Vec<f32> = g.randn(1).unwrap().to_vec1().unwrap();
    assert_eq!(first[0], (r * theta.cos()) as f32);
    assert_eq!(second[0], (r * theta.sin()) as f32);
    // The cache spans calls: randn(1) twice is randn(2)...
    let two: Vec<f32> = Generator::new(11).randn(2).unwrap().to_vec1().unwrap();
    assert_eq!(two, [first[0], second[0]]);
    // ...and manual_seed clears it.
    let mut g = Generator::new(11);
    let a: Vec<f32> = g.randn(1).unwrap().to_vec1().unwrap();
    g.manual_seed(11);
    let b: Vec<f32> = g.randn(1).unwrap().to_vec1().unwrap();
    assert_eq!(a, b);
    assert_eq!(g, {
        let mut fresh = Generator::new(11);
        fresh.randn(1).unwrap();
        fresh
    });
}

#[test]
fn large_randn_recomputes_the_tail_block() {
    // randn(20): the first 4 values come from block 0..16 of the first 20 uniforms and are kept;
    // elements 4..20 are recomputed from 16 fresh uniforms. So the first 4 equal randn(16)'s
    // first 4 for the same seed, and 36 raw outputs are consumed in all.
    let a: Vec<f32> = Generator::new(5).randn(20).unwrap().to_vec1().unwrap();
    let b: Vec<f32> = Generator::new(5).randn(16).unwrap().to_vec1().unwrap();
    assert_eq!(a[..4], b[..4]);
    assert_ne!(a[4..16], b[4..16]);
    let mut g = Generator::new(5);
    g.randn(20).unwrap();
    let mut raw = Generator::new(5);
    for _ in 0..36 {
        raw.random_u32();
    }
    assert_eq!(g.random_u32(), raw.random_u32());
}

#[test]
fn seeds_defaults_clones_and_errors() {
    // A fresh thread's default generator starts at PyTorch's default seed.
    let seed = std::thread::spawn(rng::initial_seed).join().unwrap();
    assert_eq!(seed, DEFAULT_SEED);
    assert_eq!(Generator::default(), Generator::new(67_280_421_310_721));
    rng::manual_seed(99);
    assert_eq!(rng::initial_seed(), 99);
    let from_default = rng::rand(5).unwrap();
    assert_eq!(
        values(&from_default),
        values(&Generator::new(99).rand(5).unwrap())
    );

    let mut g = Generator::new(2);
    g.randn(3).unwrap(); // leaves a cached sample
    let mut h = g.clone();
    assert_eq!(values(&g.randn(5).unwrap()), values(&h.randn(5).unwrap()));
    assert!(format!("{g:?}").contains("initial_seed: 2"));

    assert!(g.uniform(3, 1.0, -1.0).is_err(), "low > high");
    assert!(g.uniform(3, 0.0, f64::INFINITY).is_err(), "infinite bound");
    assert!(g.uniform(3, f64::NAN, 1.0).is_err(), "NaN bound");
    assert!(g.uniform(3, -3e38, 3e38).is_err(), "range overflows f32");
    assert!(g.normal(3, 0.0, -1.0).is_err(), "negative std");
    let empty = g.randn((0, 4)).unwrap();
    assert_eq!(empty.dims(), &[0, 4]);
    let (w, b) = g.linear_params(0, 2).unwrap();
    assert_eq!((w.dims(), values(&b)), (&[2usize, 0][..], vec![0.0, 0.0]));
}

// The PyTorch 2.15.0 script behind the constants above (x86-64 Linux wheel):
//
//     import torch, torch.nn as nn
//     torch.manual_seed(0)
//     a = torch.randn(3); b = torch.randn(4, 5); c = torch.randn(1); d = torch.randn(16)
//     e = torch.rand(4, 5); f = torch.empty(18).uniform_(-2.0, 3.0)
//     g = torch.normal(0.5, 2.0, size=(17,)); l = nn.Linear(5, 4); h = torch.randn(100003)
//     H_IDX = [0, 1, 15, 16, 50000, 99986, 99987, 99990, 100002]
//     H_VALUES = h[H_IDX]; H_SUM_F64 = h.double().sum()
//     torch.manual_seed(1)
//     x = torch.randn(17, dtype=torch.float64); y = torch.rand(3, dtype=torch.float64)
//
// Each float32 is printed with repr(float(v)), which converts back to the same float32.
