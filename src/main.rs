//! The browser entry point; Trunk builds this for `wasm32-unknown-unknown`.

#[cfg(target_arch = "wasm32")]
fn main() {
    rounds::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("Rounds runs in the browser: build it with `trunk build` (see README.md).");
    std::process::exit(2);
}
