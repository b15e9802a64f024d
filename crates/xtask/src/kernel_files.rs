//! The kernel's files, rendered from the templates in `kernel-config/` with this checkout's
//! absolute paths: the kernel spec (`kernel.json`), evcxr's `init.evcxr`, the warm-up build's
//! init and notebook. `./course setup` installs them; the benchmarks render private copies
//! (`./course kernel-files`), so both always use the same templates the same way.
use std::path::{Path, PathBuf};

use crate::setup::Context;
use crate::sh::{self, Result};

/// What the templates' `@…@` placeholders stand for.
pub struct Placeholders {
    /// `@REPO@`: this checkout.
    pub repo: PathBuf,
    /// `@STATE@`: where kernels keep their build state (`target/kernel` for the installed one).
    pub state: PathBuf,
    /// `@EVCXR@`: the evcxr_jupyter binary.
    pub evcxr: PathBuf,
    /// `@CARGO_BIN@`: the toolchain's bin folder, put on the kernel's PATH.
    pub cargo_bin: PathBuf,
}

impl Placeholders {
    /// A template with every placeholder replaced (`@KERNEL_CONFIG@` is `@REPO@/kernel-config`).
    pub fn render(&self, template: &str) -> String {
        template
            .replace("@REPO@", &self.repo.to_string_lossy())
            .replace("@STATE@", &self.state.to_string_lossy())
            .replace(
                "@KERNEL_CONFIG@",
                &self.repo.join("kernel-config").to_string_lossy(),
            )
            .replace("@EVCXR@", &self.evcxr.to_string_lossy())
            .replace("@CARGO_BIN@", &self.cargo_bin.to_string_lossy())
    }

    fn render_file(&self, template: &Path) -> Result<String> {
        Ok(self.render(&sh::read(template)?))
    }
}

/// The init of the warm-up build: the template's settings (`:offline`, `:cache`) without
/// loading the course crate, which the warm-up notebook loads from a cell instead (a kernel
/// that compiles in its init does not answer kernel_info meanwhile, so clients give up on it).
pub fn warmup_init(init_template: &str) -> String {
    init_template
        .lines()
        .filter(|l| l.starts_with(":cache") || l.starts_with(":offline"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Where one rendering goes.
pub struct Destination<'a> {
    /// The kernel spec folder (gets `kernel.json`).
    pub spec_dir: &'a Path,
    /// Where `init.evcxr` goes; `None`: `<state>/evcxr-config`, as the template's spec says.
    pub evcxr_config: Option<&'a Path>,
    /// The `init.evcxr` template.
    pub init_template: &'a Path,
    /// Where the warm-up build notebook goes.
    pub warmup_build: &'a Path,
    /// Extra or changed environment variables of the kernel spec.
    pub env: &'a [(String, String)],
}

/// Render the kernel spec, `init.evcxr`, the warm-up init (`<state>/evcxr-config-warmup`) and
/// the warm-up build notebook.
pub fn write(p: &Placeholders, dest: &Destination) -> Result<()> {
    let config = p.repo.join("kernel-config");
    let default_config = p.state.join("evcxr-config");
    let evcxr_config = dest.evcxr_config.unwrap_or(&default_config);
    for dir in [
        dest.spec_dir,
        evcxr_config,
        &p.state.join("evcxr-config-warmup"),
    ] {
        sh::mkdir(dir)?;
    }
    let mut spec = p.render_file(&config.join("kernel.json.in"))?;
    let mut env: Vec<(String, String)> = dest.env.to_vec();
    if dest.evcxr_config.is_some() {
        env.insert(
            0,
            (
                "EVCXR_CONFIG_DIR".into(),
                evcxr_config.to_string_lossy().into_owned(),
            ),
        );
    }
    if !env.is_empty() {
        let mut json: serde_json::Value = serde_json::from_str(&spec).map_err(|e| {
            sh::fail(format!(
                "kernel-config/kernel.json.in is not JSON once rendered: {e}"
            ))
        })?;
        for (k, v) in env {
            json["env"][k] = serde_json::Value::String(v);
        }
        spec = serde_json::to_string_pretty(&json).expect("a JSON value serialises") + "\n";
    }
    sh::write(&dest.spec_dir.join("kernel.json"), spec)?;
    let init = sh::read(dest.init_template)?;
    sh::write(&evcxr_config.join("init.evcxr"), p.render(&init))?;
    sh::write(
        &p.state.join("evcxr-config-warmup/init.evcxr"),
        warmup_init(&init),
    )?;
    sh::write(
        dest.warmup_build,
        p.render_file(&config.join("warmup-build.ipynb.in"))?,
    )?;
    sh::mkdir(&p.state.join("evcxr-tmp"))
}

/// `./course kernel-files`: a private kernel for the benchmarks.
#[derive(clap::Args)]
pub struct Args {
    /// Kernel state folder (tmpdir slots, caches) the kernel spec points at.
    #[arg(long, value_name = "DIR")]
    state: PathBuf,
    /// Jupyter data folder: the spec goes to DIR/kernels/jacobian-course/.
    #[arg(long, value_name = "DIR")]
    jupyter_dir: PathBuf,
    /// Folder for init.evcxr (the spec's EVCXR_CONFIG_DIR) [default: STATE/evcxr-config].
    #[arg(long, value_name = "DIR")]
    evcxr_config: Option<PathBuf>,
    /// init.evcxr template [default: kernel-config/init.evcxr.in].
    #[arg(long, value_name = "FILE")]
    init: Option<PathBuf>,
    /// Where the warm-up build notebook goes [default: STATE/warmup-build.ipynb].
    #[arg(long, value_name = "FILE")]
    warmup_build: Option<PathBuf>,
    /// An extra environment variable of the kernel (repeatable).
    #[arg(long = "env", value_name = "K=V", value_parser = parse_env)]
    env: Vec<(String, String)>,
}

fn parse_env(s: &str) -> std::result::Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("'{s}' is not K=V"))
}

fn absolute(ctx: &Context, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        ctx.repo.join(p)
    }
}

pub fn write_from_args(ctx: &Context, args: Args) -> Result<()> {
    let state = absolute(ctx, &args.state);
    let placeholders = ctx.placeholders(state.clone())?;
    let init = args
        .init
        .map(|p| absolute(ctx, &p))
        .unwrap_or_else(|| ctx.repo.join("kernel-config/init.evcxr.in"));
    let spec_dir = absolute(ctx, &args.jupyter_dir)
        .join("kernels")
        .join(crate::KERNEL_NAME);
    let evcxr_config = args.evcxr_config.map(|p| absolute(ctx, &p));
    let warmup_build = args
        .warmup_build
        .map(|p| absolute(ctx, &p))
        .unwrap_or_else(|| state.join("warmup-build.ipynb"));
    write(
        &placeholders,
        &Destination {
            spec_dir: &spec_dir,
            evcxr_config: evcxr_config.as_deref(),
            init_template: &init,
            warmup_build: &warmup_build,
            env: &args.env,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders() -> Placeholders {
        Placeholders {
            repo: "/r".into(),
            state: "/r/target/kernel".into(),
            evcxr: "/bin/evcxr_jupyter".into(),
            cargo_bin: "/c/bin".into(),
        }
    }

    #[test]
    fn every_placeholder_of_the_shipped_templates_is_replaced() {
        let repo = crate::repo_root();
        for t in ["kernel.json.in", "init.evcxr.in", "warmup-build.ipynb.in"] {
            let text = std::fs::read_to_string(repo.join("kernel-config").join(t)).unwrap();
            let out = placeholders().render(&text);
            assert!(
                !out.contains("@REPO@") && !out.contains("@STATE@") && !out.contains("@EVCXR@"),
                "{t}"
            );
            assert!(
                !out.contains("@KERNEL_CONFIG@") && !out.contains("@CARGO_BIN@"),
                "{t}"
            );
        }
        let spec = placeholders()
            .render(&std::fs::read_to_string(repo.join("kernel-config/kernel.json.in")).unwrap());
        let spec: serde_json::Value = serde_json::from_str(&spec).unwrap();
        assert_eq!(spec["argv"][0], "/r/kernel-config/launch-kernel.sh");
        assert_eq!(
            spec["env"]["EVCXR_CONFIG_DIR"],
            "/r/target/kernel/evcxr-config"
        );
    }

    #[test]
    fn warmup_init_keeps_only_the_settings() {
        let init =
            ":offline 1\n:cache 4000\n:dep course = { path = \"x\" }\nuse course::prelude::*;\n";
        assert_eq!(warmup_init(init), ":offline 1\n:cache 4000\n");
    }

    #[test]
    fn extra_env_and_config_dir_land_in_the_spec() {
        let dir = std::env::temp_dir().join(format!("xtask-kernel-files-{}", std::process::id()));
        let mut p = placeholders();
        p.repo = crate::repo_root();
        p.state = dir.join("state");
        let spec_dir = dir.join("jupyter/kernels/jacobian-course");
        let config = dir.join("evcxr-config");
        write(
            &p,
            &Destination {
                spec_dir: &spec_dir,
                evcxr_config: Some(&config),
                init_template: &p.repo.join("kernel-config/init.evcxr.in"),
                warmup_build: &dir.join("warmup-build.ipynb"),
                env: &[("JACOBIAN_COURSE_SLOTS".into(), "1".into())],
            },
        )
        .unwrap();
        let spec: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(spec_dir.join("kernel.json")).unwrap())
                .unwrap();
        assert_eq!(spec["env"]["JACOBIAN_COURSE_SLOTS"], "1");
        assert_eq!(spec["env"]["EVCXR_CONFIG_DIR"], config.to_str().unwrap());
        assert_eq!(spec["env"]["CANDLE_GRAD_DO_NOT_DETACH"], "1");
        assert!(std::fs::read_to_string(config.join("init.evcxr"))
            .unwrap()
            .contains(":dep course"));
        assert_eq!(
            std::fs::read_to_string(p.state.join("evcxr-config-warmup/init.evcxr")).unwrap(),
            ":offline 1\n:cache 4000\n"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
