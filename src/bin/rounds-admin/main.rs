//! `rounds-admin`: set up a clinic on a Matrix homeserver and manage staff roles.
//!
//! Passwords come from environment variables, never from arguments (shell history, `ps`).

#[cfg(not(target_arch = "wasm32"))]
mod cli;
#[cfg(not(target_arch = "wasm32"))]
mod demo;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}
