//! Generated `chalk.server.v1` types and gRPC stubs, compiled by build.rs from `proto/`.
//! Both the server and the client use these, so one set of field numbers serves both sides.
#![allow(clippy::all, missing_docs)]

pub mod chalk {
    pub mod auth {
        pub mod v1 {
            tonic::include_proto!("chalk.auth.v1");
        }
    }
    pub mod server {
        pub mod v1 {
            tonic::include_proto!("chalk.server.v1");
        }
    }
}

pub mod google {
    pub mod rpc {
        tonic::include_proto!("google.rpc");
    }
}

pub use chalk::server::v1::*;
