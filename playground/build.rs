//! Compiles `proto/playground.proto` (the daemon's node-process service).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/playground.proto");
    tonic_build::configure().compile_protos(&["proto/playground.proto"], &["proto"])?;
    Ok(())
}
