//! Compiles the wire-compatible `chalk.server.v1` subset under `proto/` into Rust with protox,
//! so no system `protoc` is needed on a developer's machine or in CI.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = [
        "proto/chalk/server/v1/auth.proto",
        "proto/chalk/server/v1/environment_secrets.proto",
        "proto/chalk/server/v1/integrations.proto",
    ];
    for file in files {
        println!("cargo:rerun-if-changed={file}");
    }
    let descriptors = protox::compile(files, ["proto"])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(descriptors)?;
    Ok(())
}
