//! Compiles `proto/control.proto` (the gRPC control service) with tonic-build; protoc
//! comes from Debian's protobuf-compiler (scripts/setup.sh).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/control.proto");
    tonic_build::configure().compile_protos(&["proto/control.proto"], &["proto"])?;
    Ok(())
}
