//! `cargo run -p covenant-idl` writes `idl/covenant.json`; `-- --check` fails when the committed
//! file is stale or misses an instruction of the program. Same builder as `anchor idl build`, so
//! no Anchor CLI or Solana toolchain is needed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anchor_lang_idl::build::IdlBuilder;
use anyhow::{bail, Context, Result};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("covenant-idl: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let check = std::env::args().skip(1).any(|arg| arg == "--check");
    // Found from where it runs, not from a compile-time path: a binary cached in a shared target dir
    // may have been built in another checkout.
    let cwd = std::env::current_dir()?;
    let root = cwd
        .ancestors()
        .find(|dir| dir.join("programs/covenant/Cargo.toml").is_file())
        .map(Path::to_path_buf)
        .context("run covenant-idl inside the Covenant repository")?;
    let program = root.join("programs/covenant");
    let out = root.join("idl/covenant.json");

    // The builder passes `+$RUSTUP_TOOLCHAIN` literally (a known bug) and forces
    // RUSTFLAGS="-A warnings": build in a target dir of its own so normal builds stay cached.
    std::env::remove_var("RUSTUP_TOOLCHAIN");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("idl-build");
    let idl = IdlBuilder::new()
        .program_path(program.clone())
        .resolution(true)
        .cargo_args(vec!["--target-dir".into(), target.display().to_string()])
        .build()
        .context("building the IDL")?;
    let json = serde_json::to_string_pretty(&idl)? + "\n";

    let built: BTreeSet<String> = idl.instructions.iter().map(|ix| ix.name.clone()).collect();
    let declared = declared_instructions(&program.join("src/lib.rs"))?;
    if built != declared {
        bail!("IDL instructions {built:?} differ from the program's {declared:?}");
    }

    if check {
        let committed = std::fs::read_to_string(&out).with_context(|| format!("reading {}", out.display()))?;
        if committed != json {
            bail!("{} is stale: run `cargo run -p covenant-idl` and commit it", out.display());
        }
        println!(
            "IDL up to date: {} instructions, {} accounts, {} events, {} errors",
            idl.instructions.len(),
            idl.accounts.len(),
            idl.events.len(),
            idl.errors.len()
        );
    } else {
        std::fs::create_dir_all(out.parent().context("idl dir")?)?;
        std::fs::write(&out, json)?;
        println!("wrote {} ({} instructions)", out.display(), idl.instructions.len());
    }
    Ok(())
}

/// Instruction names as declared in the `#[program]` module: every `pub fn name(ctx: Context<..>`,
/// its signature on one line or spread over several.
fn declared_instructions(lib_rs: &Path) -> Result<BTreeSet<String>> {
    let source = std::fs::read_to_string(lib_rs)?;
    let names: BTreeSet<String> = source
        .split("pub fn ")
        .skip(1)
        .filter_map(|rest| rest.split('{').next())
        .filter(|signature| signature.split_whitespace().collect::<String>().contains("(ctx:Context<"))
        // Generic parameters (`name<'info>(`) are not part of the name.
        .filter_map(|signature| signature.split(['(', '<']).next())
        .map(|name| name.trim().to_owned())
        .collect();
    if names.is_empty() {
        bail!("found no instructions in {}", lib_rs.display());
    }
    Ok(names)
}
