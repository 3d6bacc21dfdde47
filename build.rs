//! Compiles the wire-compatible `chalk.server.v1`, `chalk.auth.v1` and `google.rpc` subset under `proto/` into Rust with protox,
//! so no system `protoc` is needed on a developer's machine or in CI.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = [
        "proto/chalk/server/v1/auth.proto",
        "proto/chalk/server/v1/environment_secrets.proto",
        "proto/chalk/server/v1/integrations.proto",
        "proto/chalk/server/v1/team.proto",
        "proto/chalk/server/v1/audit.proto",
        "proto/chalk/auth/v1/agent.proto",
        "proto/chalk/auth/v1/permissions.proto",
        "proto/google/rpc/code.proto",
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
