//! The browser entry point; Trunk builds this for `wasm32-unknown-unknown`.

#[cfg(target_arch = "wasm32")]
fn main() {
    rounds::ui::start();
    // Measurement builds only (`--features e2ee-vodozemac` or `e2ee-sdk-crypto`, #24).
    #[cfg(any(feature = "e2ee-vodozemac", feature = "e2ee-sdk-crypto"))]
    rounds::e2ee_probe::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("Rounds runs in the browser: build it with `trunk build` (see README.md).");
    std::process::exit(2);
}
